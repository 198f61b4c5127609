"""The database fixtures: every test gets its own copy of a starting point built once per run."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.db import Database
from app.models import BankEntry, User
from app.services import accounts


def _usernames(database: Database) -> list[str]:
    with database.session() as db_session:
        return sorted(u.username for u in db_session.exec(select(User)))


@pytest.mark.parametrize("visit", [1, 2])
def test_a_bootstrapped_database_holds_the_first_start_and_nothing_of_other_tests(
    bootstrapped: Database, visit: int
) -> None:
    assert _usernames(bootstrapped) == ["admin"]
    with bootstrapped.session() as db_session:
        assert db_session.exec(select(BankEntry)).first() is not None
    # Left behind on purpose: the next visit must not see it.
    with bootstrapped.session(write=True) as db_session:
        accounts.create_user(
            db_session=db_session,
            username=f"visitor{visit}",
            password="visitor-password-123",
            role="viewer",
            actor="test",
        )
    assert _usernames(bootstrapped) == ["admin", f"visitor{visit}"]


@pytest.mark.parametrize("visit", [1, 2])
def test_a_plain_database_has_every_table_and_no_rows(database: Database, visit: int) -> None:
    assert _usernames(database) == []
    with database.session(write=True) as db_session:
        accounts.create_user(
            db_session=db_session,
            username=f"visitor{visit}",
            password="visitor-password-123",
            role="viewer",
            actor="test",
        )
