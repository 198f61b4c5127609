"""The database engine: SQLite pragmas, write transactions, and sessions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, create_engine


class Database:
    """An engine plus the two kinds of session Vouch uses: read and write."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        max_overflow: int = 20,
        pool_timeout: float = 30.0,
    ) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        kwargs: dict[str, Any] = {"echo": echo}
        in_memory = self.is_sqlite and parsed.database in (None, "", ":memory:")
        if not in_memory:
            # Every request thread holds at most one connection at a time (see Steps in deps.py),
            # so the pool is sized for the thread pool's busy moments, not for one per request.
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if parsed.database and parsed.database != ":memory:":
                private_sqlite_file(Path(parsed.database))
        else:
            kwargs.update(pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        # Shares the pool; on SQLite its transactions start with BEGIN IMMEDIATE. On PostgreSQL
        # it is an ordinary transaction: see WRITES ON POSTGRESQL below for what guards each write.
        self.write_engine: Engine = self.engine.execution_options(vouch_write=True)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """Open a session; a write session commits on success and rolls back on error."""
        with Session(self.write_engine if write else self.engine, expire_on_commit=False) as s:
            # Lets code below the entry point check what kind of transaction it was handed.
            s.info["write"] = write
            try:
                yield s
                if write:
                    s.commit()
            except BaseException:
                s.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


# How long a client should wait before retrying a request the database was too busy to take.
BUSY_RETRY_AFTER_SECONDS = 2


def is_busy(exc: BaseException) -> bool:
    """Tell whether an error means the database was too busy, not broken: worth a retry."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True  # every pooled connection stayed in use for the pool's whole timeout
    # SQLite's write lock stayed held for the whole busy timeout.
    return isinstance(exc, sa_exc.OperationalError) and "database is locked" in str(exc.orig)


def private_sqlite_file(path: Path) -> None:
    """Create a SQLite file readable by its owner only, or narrow an existing one to that."""
    # It holds password and key hashes and sealed secrets. SQLite gives the -wal and -shm files
    # the main file's mode, so setting that before the first connection covers all three.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # an unwritable directory: SQLite says so on first use, and the checks report it
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            if part.exists() and part.stat().st_mode & 0o077:
                part.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN can be chosen below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that later writes can fail with SQLITE_BUSY instead of waiting;
        # taking the write lock up front makes concurrent writers queue on busy_timeout.
        if connection.get_execution_options().get("vouch_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


# WRITES ON POSTGRESQL. Write transactions run at READ COMMITTED, side by side, with no lock of
# their own: each one locks what it reads in order to change it, so concurrent writers queue only
# when they touch the same rows (this replaced one advisory lock that every write transaction of
# every instance took, which made them run one at a time). What protects each write path (the rest are inserts, or updates guarded by
# their own WHERE, which PostgreSQL re-checks on the row it waited for):
# - job claim, lease renewal and results: `FOR UPDATE SKIP LOCKED` on the job; renewals and
#   progress are `UPDATE … WHERE lease_token = …`; results are written under the job's row
#   lock (jobs.hold), then the questionnaire's.
# - webhook deliveries: claimed `FOR UPDATE SKIP LOCKED`; an attempt's record and a redelivery
#   lock the delivery row.
# - idempotency keys: the key's row is read `FOR UPDATE` (a take-over happens once); a new key
#   is an insert that the unique (scope, key) refuses to a racing twin.
# - the answer bank (entries, versions, variables, imports, harvest, proposals, alternates
#   learned in review, the revision counter): every change first locks the bank's state row
#   (bank.lock_bank), then the entry rows it changes; bank changes run one at a time, in that
#   order, which also keeps cross-entry checks (a variable still used by a detail) true at
#   commit. A curator's edit also carries the version it was made against (StaleEdit).
# - review decisions, accept-all, sign-off, reopen: the questionnaire's row is read `FOR
#   UPDATE` in any write transaction (questionnaires.visible), so they run one at a time per
#   questionnaire and a decision cannot land between a sign-off's check of the decisions and
#   its commit; other questionnaires go on in parallel.
# - remembered template mappings: the mapping row is locked before it is counted or replaced.
# - accounts: a role or activation change locks the active admins first (never zero admins).
# - API key last use and login-session touches: blind timestamp writes, where the later wins;
#   the per-key request throttle is kept in each process's memory, not in the database.
# - first start (admin account, bundled bank): a lock named for it (named_lock), since instances
#   started together would each find the database empty.
# - audit events, stored files, uploads and question rows: inserts only.
# - queue admission (jobs.check_room) is a read before the upload's transaction; racing
#   uploads may overshoot the limit by their number, as on SQLite.


T = TypeVar("T")


def locked(db_session: Session, model: type[T], key: Any) -> T | None:
    """Read a row by primary key for update: locked until commit on PostgreSQL, and fresh.

    SQLite ignores the lock: its write transactions hold the database's write lock already.
    """
    # populate_existing: an object this session loaded before the lock may be stale.
    return db_session.get(model, key, with_for_update=True, populate_existing=True)


def named_lock(db_session: Session, name: str) -> None:
    """Hold a lock named for one rare whole-database step until the transaction ends.

    For a check-then-create that has no row to lock yet (the first start of an empty database,
    which several instances may run at once). PostgreSQL only: SQLite's write transactions hold
    the database's lock already.
    """
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.connection().execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name}
        )


def insert_missing(db_session: Session, model: type[Any], **values: Any) -> None:
    """Insert a row unless one with its key exists; a racing twin waits for it, then skips.

    Follow it with `locked` to change the row: a plain insert would fail one of two requests
    creating the same row at once with a unique violation.
    """
    dialect = db_session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db_session.exec(insert(model).values(**values).on_conflict_do_nothing())


def _datetime_attributes(mapper: Any) -> list[str]:
    return [
        attribute.key
        for attribute in mapper.column_attrs
        if isinstance(attribute.columns[0].type, DateTime)
    ]


@event.listens_for(Mapper, "load")
def _utc_on_load(instance: Any, _context: Any) -> None:
    # SQLite keeps no offset, so its datetimes come back naive; every time Vouch stores is UTC,
    # and the API promises RFC 3339 date-times with an offset.
    for key in _datetime_attributes(instance.__mapper__):
        value = instance.__dict__.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            set_committed_value(instance, key, value.replace(tzinfo=UTC))


@event.listens_for(Mapper, "refresh")
def _utc_on_refresh(instance: Any, context: Any, _attributes: Any) -> None:
    _utc_on_load(instance, context)


_database: Database | None = None


def get_database() -> Database:
    """Return the process's database, built from the settings on first use."""
    global _database
    if _database is None:
        from app.config import get_settings

        settings = get_settings()
        if settings.resolved_database_url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        _database = Database(settings.resolved_database_url)
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process's database (tests and the CLI use this)."""
    global _database
    _database = database
