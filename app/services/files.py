"""Stored files: kept in the database under random ids, with their SHA-256, never overwritten."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from app.models import StoredBlob, StoredFile


def store(*, db_session: Session, content: bytes) -> StoredFile:
    """Stores bytes as a new file and returns its record."""
    record = StoredFile(sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    db_session.add(record)
    db_session.flush()
    db_session.add(StoredBlob(file_id=record.id, content=content))
    return record


def load(*, db_session: Session, file_id: str) -> bytes:
    """Returns a stored file's bytes."""
    blob = db_session.get(StoredBlob, file_id)
    if blob is None:
        raise LookupError(f"stored file {file_id} is missing")
    return bytes(blob.content)
