"""Storage that cannot take a write: tell full from read-only, in words, for requests, jobs and health."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import Database

# Below this much free space one more upload and its filled copy may not fit, and SQLite needs room
# to grow its write-ahead log: report the store as full before a write fails half-way.
MIN_FREE_BYTES = 16 * 1024 * 1024
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
# SQLite's words for SQLITE_FULL, SQLITE_READONLY and SQLITE_CANTOPEN.
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_READ_ONLY = ("readonly database", "unable to open database file")
# PostgreSQL's SQLSTATEs: disk_full, insufficient_resources, read_only_sql_transaction.
_PG_FULL = frozenset({"53100", "53000"})
_PG_READ_ONLY = frozenset({"25006"})


@dataclass(frozen=True)
class StorageFailure:
    """Why nothing could be saved, with a stable code and a sentence for people."""

    code: str
    message: str


FULL = StorageFailure(
    "storage_full",
    "the data directory is full: nothing was saved; free some space and try again",
)
READ_ONLY = StorageFailure(
    "storage_read_only",
    "the data directory is read-only: nothing was saved; make it writable and try again",
)


def _causes(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(found) < 20:
        current = pending.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        pending.extend([getattr(current, "orig", None), current.__cause__, current.__context__])
    return found


def storage_failure(exc: BaseException) -> StorageFailure | None:
    """Tell whether an error means the store is full or read-only (or anything else: None)."""
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.errno is not None:
            if cause.errno in _FULL_ERRNOS:
                return FULL
            if cause.errno in _READ_ONLY_ERRNOS:
                return READ_ONLY
        state = getattr(cause, "sqlstate", None)
        if state in _PG_FULL:
            return FULL
        if state in _PG_READ_ONLY:
            return READ_ONLY
        if type(cause).__module__ == "sqlite3":
            words = str(cause).lower()
            if any(w in words for w in _SQLITE_FULL):
                return FULL
            if any(w in words for w in _SQLITE_READ_ONLY):
                return READ_ONLY
    return None


def describe_failure(exc: BaseException) -> str:
    """Say in words why a job failed, never with a driver's message (it may carry SQL or links)."""
    failure = storage_failure(exc)
    if failure is not None:
        return failure.message
    if type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        return "the database refused the work (it has been logged); it will be tried again"
    return f"{type(exc).__name__}: {exc}"[:500]


def sqlite_directory(url: str) -> Path | None:
    """Return the directory a SQLite database URL keeps its files in; None for any other store."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve().parent


def directory_unwritable(directory: Path) -> StorageFailure | None:
    """Check that an existing directory has room and takes a new file, whoever runs this."""
    try:
        if shutil.disk_usage(directory).free < MIN_FREE_BYTES:
            return FULL
        # Permission bits do not stop root, and a read-only mount says so only on a write.
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".vouch-probe-") as probe:
            probe.write(b"\0")
            probe.flush()
    except OSError as exc:
        return storage_failure(exc) or READ_ONLY
    return None


def unwritable(*, database: Database) -> StorageFailure | None:
    """Check that the store can take a write now: free space and a writable data directory."""
    directory = sqlite_directory(database.url)
    if directory is None:
        if database.is_sqlite:
            return None
        try:
            with database.engine.connect() as connection:
                read_only = connection.execute(text("SHOW transaction_read_only")).scalar()
        except Exception as exc:  # noqa: BLE001 - any failure to ask is reported, not raised
            return storage_failure(exc) or StorageFailure(
                "storage_unavailable", "the database cannot be reached"
            )
        return READ_ONLY if read_only == "on" else None
    failure = directory_unwritable(directory)
    if failure is not None:
        return failure
    # os.access, not an open: closing any descriptor of a SQLite file drops this process's locks.
    name = Path(make_url(database.url).database or "").name
    for part in (directory / name, directory / f"{name}-wal", directory / f"{name}-shm"):
        if part.exists() and not os.access(part, os.W_OK):
            return READ_ONLY
    return None
