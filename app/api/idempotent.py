"""Serve a POST at most once per Idempotency-Key: later repeats get the first response again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.config import Settings
from app.db import Database
from app.deps import ApiError
from app.services import idempotency
from app.services.accounts import Principal

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("location", "content-type")


async def respond_once(
    request: Request,
    *,
    principal: Principal,
    database: Database,
    settings: Settings,
    body_parts: Iterable[bytes],
    produce: Callable[[idempotency.Reservation | None], Awaitable[Response]],
    resume: Callable[[str], Awaitable[Response]] | None = None,
) -> Response:
    """Produce the response, or replay the one first given for this key and the same request.

    `produce` gets the reservation to record what it creates (`idempotency.attach`) in the same
    transaction; when the first request died after that commit, `resume` answers for the
    resource it created instead.
    """
    raw_key = request.headers.get(HEADER)
    if raw_key is None:
        return await produce(None)
    try:
        key = idempotency.check_key(raw_key)
    except ValueError as exc:
        raise ApiError(422, "invalid_idempotency_key", str(exc)) from exc
    # Off the event loop: the parts may hold megabytes of questions.
    request_hash = await run_in_threadpool(
        idempotency.fingerprint, method=request.method, path=request.url.path, parts=body_parts
    )
    try:
        found = await run_in_threadpool(
            idempotency.begin,
            database=database,
            scope=principal.ref,
            key=key,
            request_hash=request_hash,
            lease_seconds=settings.idempotency_lease_seconds,
        )
    except idempotency.IdempotencyMismatch as exc:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request; send a new key",
        ) from exc
    except idempotency.IdempotencyInProgress as exc:
        raise in_progress() from exc
    if isinstance(found, idempotency.StoredResponse):
        return Response(
            found.body,
            status_code=found.status_code,
            headers={**found.headers, REPLAYED_HEADER: "true"},
        )
    reservation = found
    try:
        if reservation.resource_id is not None and resume is not None:
            response = await resume(reservation.resource_id)
        else:
            response = await produce(reservation)
    except idempotency.IdempotencyTakenOver as exc:
        raise in_progress() from exc
    except BaseException:
        await run_in_threadpool(idempotency.abandon, database=database, reservation=reservation)
        raise
    # Only a success is kept: after an error the client fixes the request and retries with the key.
    if not 200 <= response.status_code < 300:
        await run_in_threadpool(idempotency.abandon, database=database, reservation=reservation)
        return response
    await run_in_threadpool(
        idempotency.complete,
        database=database,
        reservation=reservation,
        status_code=response.status_code,
        body=bytes(response.body).decode("utf-8"),
        headers={k: v for k, v in response.headers.items() if k in KEPT_HEADERS},
    )
    return response


def in_progress() -> ApiError:
    """Return the error for a key another request holds."""
    return ApiError(
        409,
        "idempotency_in_progress",
        "a request with this Idempotency-Key is still being served; retry shortly",
        {"Retry-After": "1"},
    )
