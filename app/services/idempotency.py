"""Idempotency keys: the first response to a POST is kept for a day and replayed for repeats.

A key is scoped to the API key that sent it. The request is fingerprinted by method, path and a
canonical form of its body (for an upload: the fields and each file's SHA-256, not the multipart
boundary, which changes on every send). The same key with another fingerprint is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import Database
from app.models import IdempotencyRecord, utcnow

LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyMismatch(ValueError):
    """The key was used before with a different request."""


class IdempotencyInProgress(RuntimeError):
    """The first request with this key is still being served."""


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


def begin(*, database: Database, scope: str, key: str, request_hash: str) -> StoredResponse | None:
    """Reserve the key for this request, or return the response first given under it."""
    try:
        with database.session(write=True) as db_session:
            record = db_session.exec(
                select(IdempotencyRecord).where(
                    col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
                )
            ).first()
            if record is not None and _expired(record):
                db_session.delete(record)
                db_session.flush()
                record = None
            if record is None:
                db_session.add(IdempotencyRecord(scope=scope, key=key, request_hash=request_hash))
                return None
            if record.request_hash != request_hash:
                raise IdempotencyMismatch(key)
            if record.status_code is None:
                raise IdempotencyInProgress(key)
            return StoredResponse(record.status_code, record.body, dict(record.headers))
    except IntegrityError as exc:
        # Another request reserved the same key between our read and our insert.
        raise IdempotencyInProgress(key) from exc


def complete(
    *,
    database: Database,
    scope: str,
    key: str,
    status_code: int,
    body: str,
    headers: dict[str, str],
) -> None:
    """Keep the response given under a reserved key."""
    with database.session(write=True) as db_session:
        record = db_session.exec(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
            )
        ).first()
        if record is None:
            return
        record.status_code = status_code
        record.body = body
        record.headers = headers
        db_session.add(record)


def abandon(*, database: Database, scope: str, key: str) -> None:
    """Release a reserved key whose request failed, so the client may simply retry."""
    with database.session(write=True) as db_session:
        db_session.exec(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.status_code).is_(None),
            )
        )


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
