"""Accounts, login sessions and API keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.db import Database
from app.models import ApiKey, AuditEvent, User, WebSession, utcnow
from app.security import digest
from app.services import accounts
from app.services.accounts import AccountError

IDLE = timedelta(minutes=60)
ABSOLUTE = timedelta(hours=12)


def make_user(database: Database, name: str = "alice", role: str = "responder") -> User:
    with database.session(write=True) as db_session:
        return accounts.create_user(
            db_session=db_session,
            username=name,
            password="correct horse battery",
            role=role,
            actor="test",
        )


def test_passwords_are_stored_as_argon2id_and_checked(database: Database) -> None:
    user = make_user(database)
    assert user.password_hash.startswith("$argon2id$")
    with database.session() as db_session:
        assert (
            accounts.authenticate(
                db_session=db_session, username="Alice", password="correct horse battery"
            )
            is not None
        )
        assert (
            accounts.authenticate(db_session=db_session, username="alice", password="wrong") is None
        )
        assert (
            accounts.authenticate(db_session=db_session, username="nobody", password="whatever")
            is None
        )


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [
        ("", "long enough password", "viewer"),
        ("bob", "short", "viewer"),
        ("bob", "long enough password", "emperor"),
        ("bad name!", "long enough password", "viewer"),
    ],
)
def test_bad_account_requests_are_refused_with_a_reason(
    database: Database, name: str, password: str, role: str
) -> None:
    with database.session(write=True) as db_session, pytest.raises(AccountError):
        accounts.create_user(
            db_session=db_session, username=name, password=password, role=role, actor="test"
        )


def test_a_session_cookie_is_random_and_stored_only_as_a_digest(database: Database) -> None:
    user = make_user(database)
    with database.session(write=True) as db_session:
        login = accounts.start_session(db_session=db_session, user=user)
    assert len(login.cookie) >= 43  # 256 bits in URL-safe base64
    with database.session() as db_session:
        stored = db_session.exec(select(WebSession)).one()
        assert stored.id_digest == digest(login.cookie) != login.cookie
        found = accounts.resume_session(
            db_session=db_session, cookie=login.cookie, idle=IDLE, absolute=ABSOLUTE
        )
        assert found is not None and found[0].username == "alice"


def test_an_idle_session_ends(database: Database) -> None:
    user = make_user(database)
    with database.session(write=True) as db_session:
        login = accounts.start_session(db_session=db_session, user=user)
        stored = db_session.exec(select(WebSession)).one()
        stored.last_seen_at = utcnow() - IDLE - timedelta(minutes=1)
        db_session.add(stored)
    with database.session(write=True) as db_session:
        assert (
            accounts.resume_session(
                db_session=db_session, cookie=login.cookie, idle=IDLE, absolute=ABSOLUTE
            )
            is None
        )
    with database.session() as db_session:
        assert db_session.exec(select(WebSession)).all() == []


def test_disabling_a_user_ends_their_sessions_at_once(database: Database) -> None:
    user = make_user(database)
    assert user.id is not None
    with database.session(write=True) as db_session:
        login = accounts.start_session(db_session=db_session, user=user)
    with database.session(write=True) as db_session:
        accounts.set_user_active(
            db_session=db_session, user_id=user.id, active=False, actor="user:1"
        )
    with database.session(write=True) as db_session:
        assert (
            accounts.resume_session(
                db_session=db_session, cookie=login.cookie, idle=IDLE, absolute=ABSOLUTE
            )
            is None
        )
        assert (
            accounts.authenticate(
                db_session=db_session, username="alice", password="correct horse battery"
            )
            is None
        )


def test_an_api_key_is_shown_once_stored_as_a_digest_and_revocable(database: Database) -> None:
    with database.session(write=True) as db_session:
        key, secret = accounts.create_api_key(
            db_session=db_session, name="crm", role="responder", actor="user:1"
        )
    with database.session() as db_session:
        stored = db_session.exec(select(ApiKey)).one()
        assert secret not in (stored.digest, stored.prefix) and stored.digest == digest(secret)
        assert accounts.authenticate_api_key(db_session=db_session, secret=secret) is not None
        assert (
            accounts.authenticate_api_key(db_session=db_session, secret=secret[:-1] + "x") is None
        )
    assert key.id is not None
    with database.session(write=True) as db_session:
        accounts.revoke_api_key(db_session=db_session, key_id=key.id, actor="user:1")
    with database.session() as db_session:
        assert accounts.authenticate_api_key(db_session=db_session, secret=secret) is None
        actions = [e.action for e in db_session.exec(select(AuditEvent))]
    assert actions == ["apikey.create", "apikey.revoke"]
