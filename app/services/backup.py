"""Backups of a SQLite database with the online backup API, and restores that check what they load."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db import Database, private_sqlite_file

POSTGRESQL_HELP = (
    "PostgreSQL is backed up with its own tools: "
    '`pg_dump --format=custom --file=vouch.dump "$VOUCH_DATABASE_URL"` and restored with '
    '`pg_restore --clean --if-exists --no-owner --dbname="$VOUCH_DATABASE_URL" vouch.dump`'
)


# Tables every Vouch database has had; a file without them is something else.
CORE_TABLES = frozenset({"user", "api_key", "bank_entry", "questionnaire", "audit_event"})


class BackupError(ValueError):
    """A backup or restore that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore copied: rows per table and the schema revision."""

    path: Path
    rows: dict[str, int]
    revision: str | None
    previous: Path | None = None  # where a restore kept the database it replaced


def sqlite_path(database: Database) -> Path:
    """Return the file of a SQLite database, or refuse another backend with the way to back it up."""
    if not database.is_sqlite:
        raise BackupError(POSTGRESQL_HELP)
    name = make_url(database.url).database
    if not name or name == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(name)


def _check(connection: sqlite3.Connection, *, what: str) -> tuple[dict[str, int], str | None]:
    """Verify a SQLite file is an intact Vouch database; return its row counts and revision."""
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a SQLite database ({exc})") from None
    if integrity != "ok":
        raise BackupError(f"{what} is damaged: {integrity}")
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    missing = sorted(CORE_TABLES - tables)
    if missing:
        raise BackupError(f"{what} is not a Vouch database (no {', '.join(missing)} table)")
    rows = {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for name in sorted(tables)
        if not name.startswith("sqlite_")
    }
    revision = None
    if "alembic_version" in tables:
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = found[0] if found else None
    return rows, revision


def backup(*, database: Database, target: Path) -> BackupReport:
    """Copy the live database to a new file, consistent even while the server writes."""
    source_path = sqlite_path(database)
    if target.exists():
        raise BackupError(f"{target} already exists; Vouch never overwrites a backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_sqlite_file(partial)
    with (
        contextlib.closing(sqlite3.connect(source_path)) as source,
        contextlib.closing(sqlite3.connect(partial)) as copy,
    ):
        # The backup API copies a consistent snapshot page by page, WAL included.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        rows, revision = _check(copy, what="the backup")
    partial.replace(target)
    return BackupReport(path=target, rows=rows, revision=revision)


def restore(*, database: Database, source: Path) -> BackupReport:
    """Replace the database's contents with a checked backup, keeping the replaced copy aside."""
    target_path = sqlite_path(database)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file:
        rows, revision = _check(backup_file, what=str(source))
    previous = None
    database.dispose()
    if target_path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        previous = target_path.with_name(f"{target_path.name}.before-restore-{stamp}")
        private_sqlite_file(previous)
        with (
            contextlib.closing(sqlite3.connect(target_path)) as live,
            contextlib.closing(sqlite3.connect(previous)) as kept,
        ):
            live.backup(kept)
    with (
        contextlib.closing(sqlite3.connect(source)) as backup_file,
        contextlib.closing(sqlite3.connect(target_path)) as live,
    ):
        backup_file.backup(live)
        restored, _ = _check(live, what="the restored database")
    if restored != rows:
        raise BackupError("the restored database does not hold what the backup held")
    return BackupReport(path=target_path, rows=rows, revision=revision, previous=previous)
