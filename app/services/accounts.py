"""Accounts, login sessions and API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from app.db import locked
from app.models import ApiKey, User, WebSession, utcnow
from app.security import (
    ROLES,
    api_key_matches,
    api_key_prefix,
    can,
    digest,
    hash_password,
    make_api_key,
    new_token,
    verify_password,
)
from app.services import audit

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class AccountError(ValueError):
    """A request about accounts or keys that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user or an API key, with the role it acts in."""

    kind: str  # "user" | "key"
    id: int
    name: str
    role: str

    @property
    def ref(self) -> str:
        """Return the stable reference stored as an owner or an actor, e.g. 'user:3'."""
        return f"{self.kind}:{self.id}"

    def can(self, permission: str) -> bool:
        """Tell whether this principal holds a permission."""
        return can(self.role, permission)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}'; choose one of {', '.join(ROLES)}")
    return role


def create_user(
    *, db_session: Session, username: str, password: str, role: str, actor: str
) -> User:
    """Creates an account with an Argon2id password hash."""
    name = username.strip().lower()
    if not name or len(name) > 64 or not set(name) <= USERNAME_CHARS:
        raise AccountError("a username is 1–64 characters: letters, digits, '.', '_', '-', '@'")
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    if db_session.exec(select(User).where(User.username == name)).first():
        raise AccountError(f"user '{name}' already exists")
    user = User(username=name, password_hash=hash_password(password), role=_check_role(role))
    db_session.add(user)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="user.create",
        target=f"user:{user.id}",
        details={"username": name, "role": role},
    )
    return user


def count_users(*, db_session: Session) -> int:
    """Counts the accounts."""
    return len(db_session.exec(select(User.id)).all())


def list_users(*, db_session: Session) -> list[User]:
    """Lists every account."""
    return list(db_session.exec(select(User).order_by(User.username)))


def set_user_active(*, db_session: Session, user_id: int, active: bool, actor: str) -> User:
    """Enables or disables an account; disabling ends its sessions at once."""
    _lock_admins(db_session)
    user = locked(db_session, User, user_id)
    if user is None:
        raise AccountError("no such user")
    if not active:
        _refuse_removing_last_admin(db_session, user)
    user.is_active = active
    db_session.add(user)
    if not active:
        for session in db_session.exec(select(WebSession).where(WebSession.user_id == user_id)):
            db_session.delete(session)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        target=f"user:{user_id}",
    )
    return user


def _lock_admins(db_session: Session) -> None:
    # Two admins demoting each other at once would each see the other still admin; locking the
    # active admins (in one order, before the account itself) makes the second see the first's
    # change. Taken before the account's row, so two changes never wait on each other in a circle.
    db_session.exec(
        select(User.id)
        .where(User.role == "admin", User.is_active)
        .order_by(col(User.id))
        .with_for_update()
    ).all()


def _refuse_removing_last_admin(db_session: Session, user: User) -> None:
    # An instance with no active admin can only be repaired from the command line.
    others = db_session.exec(
        select(User.id).where(User.role == "admin", User.is_active, User.id != user.id)
    ).first()
    if user.role == "admin" and user.is_active and others is None:
        raise AccountError("this is the last active admin; make another admin first")


def set_user_role(*, db_session: Session, user_id: int, role: str, actor: str) -> User:
    """Changes an account's role; it applies from the account's next request."""
    _lock_admins(db_session)
    user = locked(db_session, User, user_id)
    if user is None:
        raise AccountError("no such user")
    _check_role(role)
    if role == user.role:
        return user
    if role != "admin":
        _refuse_removing_last_admin(db_session, user)
    before = user.role
    user.role = role
    db_session.add(user)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="user.role",
        target=f"user:{user_id}",
        details={"before": before, "after": role},
    )
    return user


def change_password(
    *, db_session: Session, user_id: int, current: str, new: str, keep_session: str | None
) -> None:
    """Changes a user's own password after checking the current one; ends their other sessions."""
    user = db_session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, current):
        raise AccountError("the current password is wrong")
    if len(new) < 12:
        raise AccountError("a password needs at least 12 characters")
    if new == current:
        raise AccountError("the new password must differ from the current one")
    user.password_hash = hash_password(new)
    db_session.add(user)
    kept = digest(keep_session) if keep_session else None
    for session in db_session.exec(select(WebSession).where(WebSession.user_id == user_id)):
        if session.id_digest != kept:
            db_session.delete(session)
    audit.record(
        db_session=db_session,
        actor=f"user:{user_id}",
        action="user.password",
        target=f"user:{user_id}",
    )


def user_for_external_identity(*, db_session: Session, username: str) -> User | None:
    """Returns the active account an identity verified by a single sign-on provider maps to.

    The seam for single sign-on: a future OIDC or SAML callback verifies the provider's assertion,
    calls this with the asserted username (never one taken from the request), and on a match calls
    `start_session`, exactly as the password login does. Accounts are not created on first sight;
    an admin creates them with a role first.
    """
    user = db_session.exec(select(User).where(User.username == username.strip().lower())).first()
    return user if user is not None and user.is_active else None


def authenticate(*, db_session: Session, username: str, password: str) -> User | None:
    """Returns the active user whose password matches, or None."""
    user = db_session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        # Spend the same time as a real check so timing does not reveal which names exist.
        verify_password(
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$0000000000000000000000", password
        )
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user


@dataclass(frozen=True)
class LoginSession:
    """A new login session: the cookie value is shown to the browser once."""

    cookie: str
    csrf_token: str


def start_session(*, db_session: Session, user: User) -> LoginSession:
    """Starts a login session with a fresh random id."""
    assert user.id is not None
    cookie = new_token()
    csrf = secrets.token_urlsafe(32)
    db_session.add(WebSession(id_digest=digest(cookie), user_id=user.id, csrf_token=csrf))
    audit.record(
        db_session=db_session, actor=f"user:{user.id}", action="login", target=f"user:{user.id}"
    )
    return LoginSession(cookie=cookie, csrf_token=csrf)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def resume_session(
    *, db_session: Session, cookie: str, idle: timedelta, absolute: timedelta
) -> tuple[User, WebSession] | None:
    """Returns the user and session behind a cookie, ending it if idle or too old."""
    web_session = db_session.get(WebSession, digest(cookie))
    if web_session is None:
        return None
    now = utcnow()
    if (
        now - _aware(web_session.last_seen_at) > idle
        or now - _aware(web_session.created_at) > absolute
    ):
        db_session.delete(web_session)
        return None
    user = db_session.get(User, web_session.user_id)
    if user is None or not user.is_active:
        db_session.delete(web_session)
        return None
    if now - _aware(web_session.last_seen_at) > timedelta(minutes=1):
        web_session.last_seen_at = now
        db_session.add(web_session)
    return user, web_session


def end_session(*, db_session: Session, cookie: str) -> None:
    """Ends a login session."""
    web_session = db_session.get(WebSession, digest(cookie))
    if web_session is not None:
        audit.record(db_session=db_session, actor=f"user:{web_session.user_id}", action="logout")
        db_session.delete(web_session)


def create_api_key(*, db_session: Session, name: str, role: str, actor: str) -> tuple[ApiKey, str]:
    """Creates an API key; returns its record and the secret, which is never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("an API key needs a name of 1–100 characters")
    made = make_api_key()
    key = ApiKey(
        name=name, prefix=made.prefix, digest=made.digest, role=_check_role(role), created_by=actor
    )
    db_session.add(key)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="apikey.create",
        target=f"key:{key.id}",
        details={"name": name, "role": role},
    )
    return key, made.secret


def list_api_keys(*, db_session: Session) -> list[ApiKey]:
    """Lists every API key, newest first."""
    return list(db_session.exec(select(ApiKey).order_by(col(ApiKey.id).desc())))


def revoke_api_key(*, db_session: Session, key_id: int, actor: str) -> ApiKey:
    """Revokes an API key at once."""
    key = db_session.get(ApiKey, key_id)
    if key is None:
        raise AccountError("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db_session.add(key)
        audit.record(
            db_session=db_session, actor=actor, action="apikey.revoke", target=f"key:{key_id}"
        )
    return key


def authenticate_api_key(*, db_session: Session, secret: str) -> ApiKey | None:
    """Returns the live key a presented secret belongs to, or None."""
    prefix = api_key_prefix(secret)
    if prefix is None:
        return None
    key = db_session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None or not api_key_matches(key.digest, secret):
        return None
    return key


def principal_for_user(user: User) -> Principal:
    """Describes a logged-in user as a principal."""
    assert user.id is not None
    return Principal(kind="user", id=user.id, name=user.username, role=user.role)


def principal_for_key(key: ApiKey) -> Principal:
    """Describes an API key as a principal."""
    assert key.id is not None
    return Principal(kind="key", id=key.id, name=key.name, role=key.role)
