"""Concurrent read-then-write transactions: none fails and none is lost, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event
from sqlmodel import select

from app.db import Database
from app.models import AuditEvent, BankState
from app.services import bank

THREADS = 16
TRANSACTIONS_PER_THREAD = 25


def read_then_write(database: Database, worker: int, failures: list[BaseException]) -> None:
    """Increment the counter the way a lost update happens: read, pause, write what was read + 1.

    With no lock around the whole transaction (PostgreSQL takes none), only the row lock taken
    where the counter is read keeps two of these from writing on top of the same read.
    """
    for _ in range(TRANSACTIONS_PER_THREAD):
        try:
            with database.session(write=True) as db_session:
                # What every bank change reads the counter through: it locks the row.
                state = bank.lock_bank(db_session=db_session)
                seen = state.revision
                time.sleep(
                    0.001
                )  # let other transactions interleave between the read and the write
                state.revision = seen + 1
                db_session.add(state)
                db_session.add(
                    AuditEvent(actor=f"worker:{worker}", action="test.increment", target=str(seen))
                )
        except BaseException as exc:  # noqa: BLE001 - every failure is counted, none may happen
            failures.append(exc)


def test_concurrent_read_then_write_transactions_neither_fail_nor_lose_updates(
    database: Database,
) -> None:
    with database.session(write=True) as db_session:
        db_session.add(BankState(id=1, revision=0))
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(worker: int) -> None:
        start.wait()
        read_then_write(database, worker, failures)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(run, range(THREADS)))
    total = THREADS * TRANSACTIONS_PER_THREAD
    assert failures == [], f"{len(failures)} of {total} failed, first: {failures[:1]}"
    with database.session() as db_session:
        state = db_session.get(BankState, 1)
        assert state is not None and state.revision == total
        seen = [int(e.target) for e in db_session.exec(select(AuditEvent))]
    # Every transaction read a different value: no two wrote on top of the same read.
    assert sorted(seen) == list(range(total))


def test_sqlite_connections_run_in_wal_with_a_busy_timeout_and_foreign_keys(
    database: Database,
) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite pragmas")
    with database.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert int(pragma("PRAGMA busy_timeout").scalar() or 0) >= 5000
        assert pragma("PRAGMA foreign_keys").scalar() == 1


def test_a_write_session_on_sqlite_takes_the_write_lock_when_it_begins(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite locking")
    statements: list[str] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def capture(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with database.session(write=True) as db_session:
        db_session.exec(select(BankState)).all()
    with database.session() as db_session:
        db_session.exec(select(BankState)).all()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_passwords_are_hashed_with_argon2id(database: Database) -> None:
    from app.models import User
    from app.services import accounts

    with database.session(write=True) as db_session:
        user = accounts.create_user(
            db_session=db_session,
            username="kim",
            password="kim-password-123",
            role="viewer",
            actor="test",
        )
        assert user.password_hash.startswith("$argon2id$")
        assert "kim-password-123" not in user.password_hash
    with database.session() as db_session:
        assert db_session.exec(select(User)).one().password_hash.startswith("$argon2id$")
