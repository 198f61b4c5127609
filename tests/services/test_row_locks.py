"""Writers that read, pause and write the same rows at once lose nothing, with no global lock.

Each test widens the window between a transaction's read and its write (a short sleep where the
service has read what it is about to change) and runs the writers at once. On PostgreSQL nothing
but the row locks of the path under test keeps them apart; on SQLite, BEGIN IMMEDIATE does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import col, select

from app.config import Settings
from app.db import Database
from app.models import BankEntry, BankEntryVersion, BankState, User
from app.services import accounts, idempotency, questionnaires, review
from app.services import bank as bank_service
from tests.services.test_idempotency import HASH, KEY, LEASE, SCOPE, dead_process_name, set_owner
from tests.services.test_review import seed, small_questionnaire

PAUSE = 0.2
T = TypeVar("T")


def at_once(work: Callable[[int], T], count: int) -> list[T | BaseException]:
    """Run work(0..count-1) in threads released together; return each result or its exception."""
    start = threading.Barrier(count)

    def run(index: int) -> T | BaseException:
        start.wait()
        try:
            return work(index)
        except BaseException as exc:  # noqa: BLE001 - returned to the test, which names it
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def paused(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function so it sleeps before running, keeping its caller's reads open meanwhile."""

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(PAUSE)
        return function(*args, **kwargs)

    return slow


def test_the_bank_revision_counts_every_change_made_at_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session(write=True) as db_session:
        start = bank_service.bump_revision(db_session=db_session)
    real_lock = bank_service.lock_bank

    def lock_then_pause(*, db_session: Any) -> BankState:
        state = real_lock(db_session=db_session)
        time.sleep(0.02)  # the revision has been read; others may try to read it too
        return state

    monkeypatch.setattr(bank_service, "lock_bank", lock_then_pause)

    def bump(_: int) -> int:
        with database.session(write=True) as db_session:
            return bank_service.bump_revision(db_session=db_session)

    results = at_once(bump, 8)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(results) == list(range(start + 1, start + 9))  # type: ignore[type-var]
    with database.session() as db_session:
        assert bank_service.revision(db_session=db_session) == start + 8


def test_alternates_learned_from_questionnaires_reviewed_at_once_are_all_kept(
    bootstrapped: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = bootstrapped
    bank_service.matchers.clear()
    with database.session(write=True) as db_session:
        user = accounts.create_user(
            db_session=db_session,
            username="vera",
            password="vera-password-123",
            role="reviewer",
            actor="test",
        )
        reviewer = accounts.principal_for_user(user)
        entry = db_session.exec(
            select(BankEntry).where(col(BankEntry.status) == "approved").order_by(col(BankEntry.id))
        ).first()
        assert entry is not None
        entry_id, version, alternates = entry.id, entry.version, list(entry.alternates)
    # No digits: a wording with an identifier of its own is not learned.
    wordings = [
        f"Is the {name} control of our framework in place?"
        for name in ("alpha", "bravo", "charlie", "delta")
    ]
    ids = [seed(database, settings, reviewer, small_questionnaire((w,))) for w in wordings]
    # Each questionnaire's one row proposes the same statement, as four customers asking alike.
    with database.session(write=True) as db_session:
        for questionnaire_id in ids:
            questionnaire = questionnaires.visible(
                db_session=db_session, principal=reviewer, questionnaire_id=questionnaire_id
            )
            row = review.row_at(db_session=db_session, questionnaire=questionnaire, position=0)
            row.entry_id, row.entry_version, row.band = entry_id, version, "auto"
            row.answer, row.detail = "Yes", ""
            db_session.add(row)
    with database.session() as db_session:
        revision = bank_service.revision(db_session=db_session)
    # Between reading the entry's alternates and saving the new version.
    monkeypatch.setattr(bank_service, "next_version", paused(bank_service.next_version))

    def accept(index: int) -> str:
        with database.session(write=True) as db_session:
            questionnaire = questionnaires.visible(
                db_session=db_session, principal=reviewer, questionnaire_id=ids[index]
            )
            row = review.row_at(db_session=db_session, questionnaire=questionnaire, position=0)
            return review.act(
                db_session=db_session,
                principal=reviewer,
                questionnaire=questionnaire,
                row=row,
                action="accept",
            ).review_status

    results = at_once(accept, len(ids))
    assert results == ["accepted"] * len(ids)
    with database.session() as db_session:
        stored = db_session.get(BankEntry, entry_id)
        assert stored is not None
        assert sorted(stored.alternates) == sorted([*alternates, *wordings])
        assert stored.version == version + len(ids)
        versions = db_session.exec(
            select(BankEntryVersion.version).where(col(BankEntryVersion.entry_id) == entry_id)
        ).all()
        assert sorted(versions)[-len(ids) :] == list(range(version + 1, version + 1 + len(ids)))
        assert bank_service.revision(db_session=db_session) == revision + len(ids)
    bank_service.matchers.clear()


def test_two_retries_of_a_dead_request_take_its_key_over_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = idempotency.begin(
        database=database, scope=SCOPE, key=KEY, request_hash=HASH, lease_seconds=LEASE
    )
    assert isinstance(first, idempotency.Reservation)
    set_owner(database, dead_process_name())
    # Between finding the key abandoned and taking it over.
    monkeypatch.setattr(idempotency, "_abandoned", paused(idempotency._abandoned))

    def retry(_: int) -> object:
        return idempotency.begin(
            database=database, scope=SCOPE, key=KEY, request_hash=HASH, lease_seconds=LEASE
        )

    results = at_once(retry, 2)
    taken = [r for r in results if isinstance(r, idempotency.Reservation)]
    waiting = [r for r in results if isinstance(r, idempotency.IdempotencyInProgress)]
    assert (len(taken), len(waiting)) == (1, 1), results


def test_two_admins_removing_each_other_at_once_leave_one_admin(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session(write=True) as db_session:
        admins = [
            accounts.create_user(
                db_session=db_session,
                username=name,
                password=f"{name}-password-123",
                role="admin",
                actor="test",
            ).id
            for name in ("ada", "bob")
        ]
    real_check = accounts._refuse_removing_last_admin

    def check_then_pause(db_session: Any, user: User) -> None:
        real_check(db_session, user)
        time.sleep(PAUSE)  # checked; the other change may check now too

    monkeypatch.setattr(accounts, "_refuse_removing_last_admin", check_then_pause)

    def demote(index: int) -> str:
        with database.session(write=True) as db_session:
            user_id = admins[index]
            assert user_id is not None
            return accounts.set_user_role(
                db_session=db_session, user_id=user_id, role="reviewer", actor="test"
            ).role

    results = at_once(demote, 2)
    demoted = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, accounts.AccountError)]
    assert (len(demoted), len(refused)) == (1, 1), results
    with database.session() as db_session:
        active_admins = db_session.exec(
            select(User.id).where(col(User.role) == "admin", col(User.is_active))
        ).all()
    assert len(active_admins) == 1


def test_instances_starting_together_on_an_empty_database_fill_it_once(
    database: Database, tmp_path: Path
) -> None:
    from app.services.bootstrap import bootstrap
    from tests.conftest import BUNDLED_BANK, make_settings

    def start(index: int) -> int:
        settings = make_settings(data_dir=tmp_path / f"var{index}", bank_dir=BUNDLED_BANK)
        return bootstrap(database=database, settings=settings).bank_entries_loaded

    results = at_once(start, 3)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(results, reverse=True)[1:] == [0, 0]  # type: ignore[type-var]
    with database.session() as db_session:
        assert accounts.count_users(db_session=db_session) == 1
        loaded = len(db_session.exec(select(BankEntry.id)).all())
    assert loaded == max(results) > 0  # type: ignore[type-var]
