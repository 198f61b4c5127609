"""Idempotency keys after a crash: a dead request's key is resolved exactly, a live one still holds."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.db import Database
from app.models import IdempotencyRecord, utcnow
from app.services import idempotency, liveness

SCOPE, KEY, HASH = "key:1", "deal-4711", "a" * 64
LEASE = 150.0


def dead_process_name() -> str:
    """Name a process of this host that ran and has exited, as a killed server leaves it."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    name = f"{liveness.host()}:{child.pid}:{liveness.start_token(child.pid)}"
    child.kill()
    child.wait()
    return name


def reserve(database: Database) -> idempotency.Reservation:
    found = idempotency.begin(
        database=database, scope=SCOPE, key=KEY, request_hash=HASH, lease_seconds=LEASE
    )
    assert isinstance(found, idempotency.Reservation)
    return found


def set_owner(database: Database, owner: str, *, reserved_ago: float = 0.0) -> None:
    with database.session(write=True) as db_session:
        db_session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.key) == KEY)
            .values(owner=owner, reserved_at=utcnow() - timedelta(seconds=reserved_ago))
        )


def test_a_process_name_tells_a_live_process_from_a_dead_one_and_from_a_reused_pid() -> None:
    assert liveness.state_of(liveness.process_name()) == "alive"
    assert liveness.state_of(dead_process_name()) == "dead"
    pid = os.getpid()
    assert liveness.state_of(f"{liveness.host()}:{pid}:0badc0de-1") == "dead"
    assert liveness.state_of(f"elsewhere.example:{pid}:x") == "unknown"
    assert liveness.state_of("host-thread-name-of-old") == "unknown"


def test_a_key_held_by_a_live_request_is_still_in_progress(database: Database) -> None:
    reserve(database)
    with pytest.raises(idempotency.IdempotencyInProgress):
        reserve(database)


def test_a_dead_request_that_committed_nothing_leaves_the_retry_to_run_it(
    database: Database,
) -> None:
    first = reserve(database)
    set_owner(database, dead_process_name())
    retry = reserve(database)
    assert retry.resource_id is None and retry.token != first.token
    # Were the first request only slow, its commit is now refused, so the work happens once.
    with (
        database.session(write=True) as db_session,
        pytest.raises(idempotency.IdempotencyTakenOver),
    ):
        idempotency.attach(db_session=db_session, reservation=first, resource_id="q-first")
    with database.session(write=True) as db_session:
        idempotency.attach(db_session=db_session, reservation=retry, resource_id="q-retry")
    idempotency.complete(
        database=database, reservation=retry, status_code=201, body="{}", headers={}
    )
    replayed = idempotency.begin(
        database=database, scope=SCOPE, key=KEY, request_hash=HASH, lease_seconds=LEASE
    )
    assert replayed == idempotency.StoredResponse(201, "{}", {})


def test_a_dead_request_that_committed_gives_the_retry_what_it_created(
    database: Database,
) -> None:
    first = reserve(database)
    with database.session(write=True) as db_session:
        idempotency.attach(db_session=db_session, reservation=first, resource_id="q-1")
    set_owner(database, dead_process_name())
    retry = reserve(database)
    assert retry.resource_id == "q-1"


def test_a_key_attached_in_a_transaction_that_rolled_back_was_never_committed(
    database: Database,
) -> None:
    first = reserve(database)
    with pytest.raises(RuntimeError), database.session(write=True) as db_session:
        idempotency.attach(db_session=db_session, reservation=first, resource_id="q-1")
        raise RuntimeError("the upload's transaction failed")
    set_owner(database, dead_process_name())
    assert reserve(database).resource_id is None


def test_a_key_held_on_another_host_waits_for_its_lease(database: Database) -> None:
    reserve(database)
    set_owner(database, "other-host:1234:boot-99", reserved_ago=LEASE - 30)
    with pytest.raises(idempotency.IdempotencyInProgress):
        reserve(database)
    set_owner(database, "other-host:1234:boot-99", reserved_ago=LEASE + 1)
    assert reserve(database).resource_id is None


def test_a_failed_request_releases_its_key_but_keeps_what_it_created(database: Database) -> None:
    first = reserve(database)
    idempotency.abandon(database=database, reservation=first)
    second = reserve(database)  # nothing was created: the key is free again
    with database.session(write=True) as db_session:
        idempotency.attach(db_session=db_session, reservation=second, resource_id="q-2")
    idempotency.abandon(database=database, reservation=second)
    assert reserve(database).resource_id == "q-2"
