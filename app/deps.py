"""Request dependencies shared by the web pages and the API: settings, sessions, principals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings
from app.core.errors import UnreadableWorkbook
from app.core.workbook import SheetMapping
from app.db import Database, locked
from app.models import Job, Questionnaire, SignOff, utcnow
from app.ratelimit import RateLimiter
from app.services import accounts, audit, review
from app.services import questionnaires as questionnaire_service
from app.services.accounts import Principal
from app.services.idempotency import Reservation

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


def writes() -> None:
    """Declare that a route writes: its request runs in one write transaction."""


def reads() -> None:
    """Declare that a route with an unsafe method (a POST that computes) only reads."""


def writes_in_steps() -> None:
    """Declare that a route reads in the request's transaction and writes in later steps."""


# A route says what it does with its transaction, whatever its HTTP method: `dependencies=[Writes]`
# for one write transaction (committed when the handler returns, rolled back when it raises), or
# `dependencies=[WritesInSteps]` for a read transaction plus `Steps` that commit one at a time
# (long work such as sign-off's fill runs between them, holding no lock). Routes that declare
# neither read; an unsafe method must declare one, `Reads` included (checked when the app is built).
Writes = Depends(writes)
WritesInSteps = Depends(writes_in_steps)
Reads = Depends(reads)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def declared(route: object) -> Callable[[], None] | None:
    """Return the route's declaration (writes, writes_in_steps or reads), or None."""
    for dependency in getattr(route, "dependencies", ()):
        if dependency.dependency in (writes, writes_in_steps, reads):
            return dependency.dependency  # type: ignore[no-any-return]
    return None


def route_writes(request: Request) -> bool:
    """Tell whether the request's route declared one write transaction."""
    return declared(request.scope.get("route")) is writes


def every_route(routes: Iterable[object]) -> Iterator[object]:
    """Yield every route, looking inside included routers (FastAPI keeps them whole)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from every_route(included.routes)
        else:
            yield route


def undeclared_routes(routes: Iterable[object]) -> list[str]:
    """List the routes with an unsafe method that do not say whether they write."""
    return [
        f"{sorted(methods)} {getattr(route, 'path', '?')}"
        for route in every_route(routes)
        if (methods := set(getattr(route, "methods", None) or ()) & UNSAFE_METHODS)
        and declared(route) is None
    ]


def get_session(request: Request, database: DatabaseDep) -> Iterator[Session]:
    """Open the request's transaction: a write (committed at the end) if the route declares it."""
    with database.session(write=route_writes(request)) as session:
        yield session


# scope="function": the session commits before the response is sent, so a client that acts on
# the response (a browser following a redirect) sees the write, and a failed commit is an error
# response rather than a success already on the wire.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def end_read(db_session: Session) -> None:
    """End a read transaction so its connection goes back to the pool (objects stay loaded)."""
    if db_session.info.get("write") or not db_session.in_transaction():
        return
    try:
        db_session.commit()  # a read transaction: nothing to write but authentication's touch
    except OperationalError:
        db_session.rollback()


def release_if_in_steps(request: Request, db_session: Session) -> None:
    """Give back the request's connection once a route that writes in steps has authenticated.

    Such a route's steps, job checks and waits each take a connection of their own: holding the
    request's one meanwhile makes every busy moment need two per request, and as many concurrent
    uploads as pooled connections then wait on each other until the pool times out.
    """
    if declared(request.scope.get("route")) is writes_in_steps:
        end_read(db_session)


class Steps:
    """The later transactions of a route that declared WritesInSteps; each commits on success.

    Before each step the request's own read transaction, if the handler reopened it, is ended:
    a request holds one connection at a time.
    """

    def __init__(self, database: Database, request_session: Session) -> None:
        self._database = database
        self._request_session = request_session

    def write(self) -> AbstractContextManager[Session]:
        """Open one write transaction: committed when the block ends, rolled back if it raises."""
        end_read(self._request_session)
        return self._database.session(write=True)

    def read(self) -> AbstractContextManager[Session]:
        """Open a fresh read transaction (it sees what earlier steps committed)."""
        end_read(self._request_session)
        return self._database.session()


def get_steps(request: Request, database: DatabaseDep, db_session: SessionDep) -> Steps:
    """Return the step transactions, only to a route that declared WritesInSteps."""
    if declared(request.scope.get("route")) is not writes_in_steps:
        raise RuntimeError("a route that writes in steps must declare WritesInSteps")
    end_read(db_session)
    return Steps(database, db_session)


StepsDep = Annotated[Steps, Depends(get_steps)]


def accept_upload(
    *,
    steps: Steps,
    principal: Principal,
    filename: str,
    content: bytes,
    settings: Settings,
    mappings: Sequence[SheetMapping] | None = None,
    reservation: Reservation | None = None,
) -> tuple[Questionnaire, Job]:
    """Store and queue an upload in a step of its own, or audit its refusal in one and re-raise."""
    try:
        with steps.write() as db_session:
            return questionnaire_service.accept(
                db_session=db_session,
                principal=principal,
                filename=filename,
                content=content,
                settings=settings,
                mappings=mappings,
                reservation=reservation,
            )
    except UnreadableWorkbook as exc:
        with steps.write() as db_session:
            questionnaire_service.record_rejection(
                db_session=db_session,
                principal=principal,
                filename=filename,
                content=content,
                reason=str(exc),
            )
        raise


def sign_off_in_steps(
    *,
    db_session: Session,
    steps: Steps,
    principal: Principal,
    questionnaire_id: str,
    settings: Settings,
) -> SignOff:
    """Plan on the request's read, fill holding no lock, then record in a write that re-checks."""
    questionnaire = db_session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise review.ReviewConflict("the questionnaire is gone")
    plan = review.plan_signoff(
        db_session=db_session, principal=principal, questionnaire=questionnaire, settings=settings
    )
    result = review.fill_signoff(plan=plan, settings=settings)
    with steps.write() as write_session:
        # Locked: a decision cannot commit between the check of the decisions and the sign-off.
        current = locked(write_session, Questionnaire, questionnaire_id)
        if current is None:
            raise review.ReviewConflict("the questionnaire is gone")
        return review.complete_signoff(
            db_session=write_session,
            principal=principal,
            questionnaire=current,
            plan=plan,
            result=result,
            settings=settings,
        )


def commit_bookkeeping(db_session: Session) -> None:
    """Commit what authentication touched (last use of a key or login session) on a read request.

    On SQLite a read transaction cannot write once another connection has committed since it
    began; the touch is then skipped rather than failing the request (the next one touches it).
    """
    if db_session.info.get("write"):
        return  # committed with the request's own write
    try:
        db_session.commit()
    except OperationalError:
        db_session.rollback()


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
    # first, or a write request would wait on a lock it holds itself (SQLite's write lock).
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
        commit_bookkeeping(db_session)
    principal = accounts.principal_for_key(key)
    release_if_in_steps(request, db_session)
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


class Permission:
    """A route's permission, declared as a dependency so the route cannot run without its check."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.permission!r})"


class Require(Permission):
    """Let an API call through only if its key's role holds the permission; return the principal."""

    def __call__(self, principal: ApiPrincipal) -> Principal:
        if not principal.can(self.permission):
            raise ApiError(403, "forbidden", f"the role '{principal.role}' may not do this")
        return principal


def require(permission: str) -> Require:
    """Return the dependency that refuses with 403 a key whose role lacks the permission."""
    return Require(permission)


# The API's callers, each checked for one permission before the handler runs.
CanReadQuestionnaires = Annotated[Principal, Depends(require("questionnaire:read"))]
CanWriteQuestionnaires = Annotated[Principal, Depends(require("questionnaire:write"))]
CanSignOff = Annotated[Principal, Depends(require("questionnaire:signoff"))]
CanReadBank = Annotated[Principal, Depends(require("bank:read"))]
CanWriteBank = Annotated[Principal, Depends(require("bank:write"))]
CanMatch = Annotated[Principal, Depends(require("match"))]
