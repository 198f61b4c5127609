"""Idempotency keys: the first response to a POST is kept for a day and replayed for repeats.

A key is scoped to the API key that sent it. The request is fingerprinted by method, path and a
canonical form of its body (for an upload: the fields and each file's SHA-256, not the multipart
boundary, which changes on every send). The same key with another fingerprint is refused.

A request that dies while holding its key (a crash, a kill) does not lock it: the record names the
process serving it, and what the request created is recorded in the transaction that creates it,
so a retry knows exactly whether to answer for that or to do the work itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import Database
from app.models import IdempotencyRecord, new_id, utcnow
from app.services import liveness

LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyMismatch(ValueError):
    """The key was used before with a different request."""


class IdempotencyInProgress(RuntimeError):
    """The first request with this key is still being served."""


class IdempotencyTakenOver(IdempotencyInProgress):
    """A retry took the key over from this request, which was presumed dead."""


@dataclass(frozen=True)
class StoredResponse:
    """A response as first given, to replay."""

    status_code: int
    body: str
    headers: dict[str, str]


def fingerprint(*, method: str, path: str, parts: Iterable[bytes]) -> str:
    """Return the SHA-256 of a request's method, path and canonical body parts."""
    digest = hashlib.sha256()
    for piece in (method.upper().encode(), path.encode(), *parts):
        digest.update(len(piece).to_bytes(8, "big"))
        digest.update(piece)
    return digest.hexdigest()


def check_key(key: str) -> str:
    """Return the key if usable, else raise ValueError saying why."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValueError(f"an Idempotency-Key is 1–{MAX_KEY_LENGTH} printable characters")
    return key


@dataclass(frozen=True)
class Reservation:
    """The key held for one request; `resource_id` is set when a dead request had committed."""

    scope: str
    key: str
    token: str
    resource_id: str | None = None


def begin(
    *,
    database: Database,
    scope: str,
    key: str,
    request_hash: str,
    lease_seconds: float,
) -> StoredResponse | Reservation:
    """Reserve the key for this request, or return the response first given under it.

    A key still in progress is taken over when the request holding it died: its process on this
    host is gone, its lease ran out (a process elsewhere cannot be checked), or it was released
    after a failure. If that request had committed what it created, the reservation carries its
    id so the caller answers for it instead of creating it again.
    """
    try:
        with database.session(write=True) as db_session:
            # Locked: of two retries finding the key abandoned, one takes it over, and the other
            # then reads the new owner and waits its turn.
            record = db_session.exec(
                select(IdempotencyRecord)
                .where(col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
            if record is not None and _expired(record):
                db_session.delete(record)
                db_session.flush()
                record = None
            token = new_id()
            if record is None:
                db_session.add(
                    IdempotencyRecord(
                        scope=scope,
                        key=key,
                        request_hash=request_hash,
                        owner=liveness.process_name(),
                        token=token,
                        reserved_at=utcnow(),
                    )
                )
                return Reservation(scope=scope, key=key, token=token)
            if record.request_hash != request_hash:
                raise IdempotencyMismatch(key)
            if record.status_code is not None:
                return StoredResponse(record.status_code, record.body, dict(record.headers))
            if not _abandoned(record, lease_seconds=lease_seconds):
                raise IdempotencyInProgress(key)
            # The request holding the key died: this one takes it over under a new token, so the
            # dead one (if it was only slow) can no longer record a result under it.
            record.owner = liveness.process_name()
            record.token = token
            record.reserved_at = utcnow()
            db_session.add(record)
            return Reservation(scope=scope, key=key, token=token, resource_id=record.resource_id)
    except IntegrityError as exc:
        # Another request reserved the same key between our read and our insert.
        raise IdempotencyInProgress(key) from exc


def _abandoned(record: IdempotencyRecord, *, lease_seconds: float) -> bool:
    if record.token is None:
        return True
    state = liveness.state_of(record.owner)
    if state != "unknown":
        return state == "dead"
    reserved = record.reserved_at or record.created_at
    if reserved.tzinfo is None:
        reserved = reserved.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - reserved > timedelta(seconds=lease_seconds)


def attach(*, db_session: Session, reservation: Reservation, resource_id: str) -> None:
    """Record what the request created, in the transaction that creates it.

    Raises IdempotencyTakenOver when a retry took the key over meanwhile: the caller's transaction
    must then roll back, so the work is done once, by the retry.
    """
    result = db_session.exec(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.scope) == reservation.scope,
            col(IdempotencyRecord.key) == reservation.key,
            col(IdempotencyRecord.token) == reservation.token,
        )
        .values(resource_id=resource_id)
    )
    if result.rowcount == 0:
        raise IdempotencyTakenOver(reservation.key)


def complete(
    *,
    database: Database,
    reservation: Reservation,
    status_code: int,
    body: str,
    headers: dict[str, str],
) -> None:
    """Keep the response given under a reserved key, if the key is still this request's."""
    with database.session(write=True) as db_session:
        db_session.exec(
            update(IdempotencyRecord)
            .where(
                col(IdempotencyRecord.scope) == reservation.scope,
                col(IdempotencyRecord.key) == reservation.key,
                col(IdempotencyRecord.token) == reservation.token,
            )
            .values(status_code=status_code, body=body, headers=headers, owner=None, token=None)
        )


def abandon(*, database: Database, reservation: Reservation) -> None:
    """Release a reserved key whose request failed, so the client may simply retry.

    A key under which something was already created is kept but released: the retry then answers
    for what exists instead of creating it twice.
    """
    mine = (
        col(IdempotencyRecord.scope) == reservation.scope,
        col(IdempotencyRecord.key) == reservation.key,
        col(IdempotencyRecord.token) == reservation.token,
        col(IdempotencyRecord.status_code).is_(None),
    )
    with database.session(write=True) as db_session:
        db_session.exec(
            delete(IdempotencyRecord).where(*mine, col(IdempotencyRecord.resource_id).is_(None))
        )
        db_session.exec(update(IdempotencyRecord).where(*mine).values(owner=None, token=None))


def purge(*, database: Database) -> int:
    """Delete records older than their lifetime; return how many."""
    with database.session(write=True) as db_session:
        result = db_session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - LIFETIME)
        )
        return int(result.rowcount or 0)


def _expired(record: IdempotencyRecord) -> bool:
    created = record.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - created > LIFETIME
