"""Admin pages: accounts and roles, API keys, the audit log; and changing one's own password."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.deps import RowId, SessionDep, Writes
from app.security import ROLES, new_password
from app.services import accounts, audit
from app.services.accounts import AccountError
from app.web.auth import SESSION_COOKIE, CsrfProtected, CurrentWebUser, UserIsAdmin, WebUser
from app.web.home import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
AUDIT_PAGE_LIMIT = 500
# Pages that show a secret once must not be kept by the browser or any proxy.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _users_page(
    request: Request,
    user: WebUser,
    db_session: Session,
    *,
    error: str | None = None,
    created: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "admin/users.html",
        {
            "users": accounts.list_users(db_session=db_session),
            "roles": ROLES,
            "error": error,
            "created": created,
        },
        user=user,
        status_code=status_code,
    )
    if created:
        response.headers.update(NO_STORE)
    return response


@router.get("/admin/users", name="admin_users")
def users_page(request: Request, user: UserIsAdmin, db_session: SessionDep) -> Response:
    return _users_page(request, user, db_session)


@router.post("/admin/users", name="admin_user_create", dependencies=[Writes])
def user_create(
    request: Request,
    user: UserIsAdmin,
    db_session: SessionDep,
    username: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
) -> Response:
    password = new_password()
    try:
        with db_session.begin_nested():
            created = accounts.create_user(
                db_session=db_session,
                username=username,
                password=password,
                role=role,
                actor=user.principal.ref,
            )
    except AccountError as exc:
        return _users_page(request, user, db_session, error=str(exc), status_code=422)
    return _users_page(request, user, db_session, created=(created.username, password))


@router.post("/admin/users/{user_id}/role", name="admin_user_role", dependencies=[Writes])
def user_role(
    request: Request,
    user_id: RowId,
    user: UserIsAdmin,
    db_session: SessionDep,
    role: Annotated[str, Form(max_length=32)],
) -> Response:
    try:
        with db_session.begin_nested():
            accounts.set_user_role(
                db_session=db_session, user_id=user_id, role=role, actor=user.principal.ref
            )
    except AccountError as exc:
        return _users_page(request, user, db_session, error=str(exc), status_code=422)
    return RedirectResponse(request.url_for("admin_users"), status_code=303)


@router.post("/admin/users/{user_id}/active", name="admin_user_active", dependencies=[Writes])
def user_active(
    request: Request,
    user_id: RowId,
    user: UserIsAdmin,
    db_session: SessionDep,
    active: Annotated[bool, Form()],
) -> Response:
    try:
        with db_session.begin_nested():
            accounts.set_user_active(
                db_session=db_session, user_id=user_id, active=active, actor=user.principal.ref
            )
    except AccountError as exc:
        return _users_page(request, user, db_session, error=str(exc), status_code=422)
    return RedirectResponse(request.url_for("admin_users"), status_code=303)


def _keys_page(
    request: Request,
    user: WebUser,
    db_session: Session,
    *,
    error: str | None = None,
    new_secret: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "admin/keys.html",
        {
            "keys": accounts.list_api_keys(db_session=db_session),
            "roles": ROLES,
            "error": error,
            "new_secret": new_secret,
        },
        user=user,
        status_code=status_code,
    )
    if new_secret:
        response.headers.update(NO_STORE)
    return response


@router.get("/admin/keys", name="admin_keys")
def keys_page(request: Request, user: UserIsAdmin, db_session: SessionDep) -> Response:
    return _keys_page(request, user, db_session)


@router.post("/admin/keys", name="admin_key_create", dependencies=[Writes])
def key_create(
    request: Request,
    user: UserIsAdmin,
    db_session: SessionDep,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
) -> Response:
    try:
        with db_session.begin_nested():
            _, secret = accounts.create_api_key(
                db_session=db_session, name=name, role=role, actor=user.principal.ref
            )
    except AccountError as exc:
        return _keys_page(request, user, db_session, error=str(exc), status_code=422)
    return _keys_page(request, user, db_session, new_secret=secret)


@router.post("/admin/keys/{key_id}/revoke", name="admin_key_revoke", dependencies=[Writes])
def key_revoke(
    request: Request,
    key_id: RowId,
    user: UserIsAdmin,
    db_session: SessionDep,
) -> Response:
    try:
        with db_session.begin_nested():
            accounts.revoke_api_key(db_session=db_session, key_id=key_id, actor=user.principal.ref)
    except AccountError as exc:
        return _keys_page(request, user, db_session, error=str(exc), status_code=404)
    return RedirectResponse(request.url_for("admin_keys"), status_code=303)


@router.get("/admin/audit", name="admin_audit")
def audit_page(
    request: Request,
    user: UserIsAdmin,
    db_session: SessionDep,
    action: str | None = None,
) -> Response:
    action = (action or "")[:64] or None
    events = audit.recent(db_session=db_session, limit=AUDIT_PAGE_LIMIT, action=action)
    return render(
        request,
        "admin/audit.html",
        {"events": events, "action": action or "", "limit": AUDIT_PAGE_LIMIT},
        user=user,
    )


@router.get("/admin/audit.csv", name="admin_audit_csv", dependencies=[Writes])
def audit_csv(user: UserIsAdmin, db_session: SessionDep, action: str | None = None) -> Response:
    events = audit.all_events(db_session=db_session, action=(action or "")[:64] or None)
    audit.record(
        db_session=db_session,
        actor=user.principal.ref,
        action="audit.export",
        details={"events": len(events)},
    )
    name = f"vouch-audit-{date.today().isoformat()}.csv"
    return Response(
        audit.as_csv(events),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


@router.get("/account/password", name="password")
def password_page(request: Request, user: CurrentWebUser) -> Response:
    return render(request, "admin/password.html", {"error": None, "done": False}, user=user)


@router.post("/account/password", name="password_submit", dependencies=[Writes])
def password_submit(
    request: Request,
    user: CurrentWebUser,
    db_session: SessionDep,
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    confirm: Annotated[str, Form(max_length=1000)],
) -> Response:
    assert user.user.id is not None
    # The current password is a second factor for this form; guessing it is throttled like a login.
    if not request.app.state.login_limiter.allow(f"user:{user.user.username}"):
        return render(
            request,
            "admin/password.html",
            {"error": "Too many attempts. Wait a minute and try again.", "done": False},
            user=user,
            status_code=429,
        )
    try:
        with db_session.begin_nested():
            if new != confirm:
                raise AccountError("the new password and its confirmation differ")
            accounts.change_password(
                db_session=db_session,
                user_id=user.user.id,
                current=current,
                new=new,
                keep_session=request.cookies.get(SESSION_COOKIE),
            )
    except AccountError as exc:
        return render(
            request,
            "admin/password.html",
            {"error": str(exc), "done": False},
            user=user,
            status_code=422,
        )
    return render(request, "admin/password.html", {"error": None, "done": True}, user=user)
