"""Request dependencies shared by the web pages and the API: settings, sessions, principals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings
from app.db import Database
from app.models import utcnow
from app.ratelimit import RateLimiter
from app.services import accounts, audit
from app.services.accounts import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A row id in a URL: bounded so an absurd number is a 422, not an overflow in the database driver.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def get_settings_dep(request: Request) -> Settings:
    """Return the app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_database_dep(request: Request) -> Database:
    """Return the app's database."""
    return request.app.state.database  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database_dep)]


def get_session(request: Request, database: DatabaseDep) -> Iterator[Session]:
    """Open a session for the request: a write session (committed at the end) for unsafe methods."""
    with database.session(write=request.method not in SAFE_METHODS) as session:
        yield session


# scope="function": the session commits before the response is sent, so a client that acts on
# the response (a browser following a redirect) sees the write, and a failed commit is an error
# response rather than a success already on the wire.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_write_session(database: DatabaseDep) -> Iterator[Session]:
    """Open a write session whatever the method, for reads that also record (downloads are audited).

    On SQLite a read transaction cannot become a write once another connection has committed
    since it began (it fails at once instead of waiting), so such a request writes from the start.
    """
    with database.session(write=True) as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


class ApiError(HTTPException):
    """An API error with a stable machine-readable code."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code


def _audit_throttled(request: Request, db_session: Session, *, key_id: int | None) -> None:
    # One audit event per key per minute of throttling, so a flood cannot flood the log too.
    state = request.app.state
    if not hasattr(state, "throttle_log_limiter"):
        state.throttle_log_limiter = RateLimiter(limit=1)
    if not state.throttle_log_limiter.allow(f"key:{key_id}"):
        return
    database: Database = request.app.state.database
    # Its own write transaction, since the request's rolls back with the 429; end the request's
    # first, or a write request would wait on the write lock it holds itself.
    db_session.rollback()
    with database.session(write=True) as audit_session:
        audit.record(
            db_session=audit_session,
            actor=f"key:{key_id}",
            action="apikey.throttled",
            target=request.url.path[:200],
        )


def api_principal(request: Request, db_session: SessionDep) -> Principal:
    """Authenticate an API call by its bearer key (never a cookie, never the URL)."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "send an API key as 'Authorization: Bearer <key>'",
            {"WWW-Authenticate": "Bearer"},
        )
    key = accounts.authenticate_api_key(db_session=db_session, secret=secret.strip())
    if key is None:
        raise ApiError(
            401,
            "unauthenticated",
            "the API key is unknown or revoked",
            {"WWW-Authenticate": "Bearer"},
        )
    limiter = request.app.state.api_limiter
    if not limiter.allow(f"key:{key.id}"):
        _audit_throttled(request, db_session, key_id=key.id)
        raise ApiError(
            429,
            "rate_limited",
            "too many requests for this API key; slow down",
            {"Retry-After": "60"},
        )
    now = utcnow()
    last = key.last_used_at
    if (
        last is None
        or (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))).total_seconds() > 60
    ):
        key.last_used_at = now
        db_session.add(key)
        if request.method in SAFE_METHODS:
            try:
                db_session.commit()
            except OperationalError:
                # Bookkeeping only: on SQLite a read that upgrades to a write fails at once when a
                # background worker wrote meanwhile, and that must not fail the request itself.
                db_session.rollback()
    return accounts.principal_for_key(key)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def require(principal: Principal, permission: str) -> None:
    """Refuse with 403 unless the principal holds the permission."""
    if not principal.can(permission):
        raise ApiError(403, "forbidden", f"the role '{principal.role}' may not do this")
