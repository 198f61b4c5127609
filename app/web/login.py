"""The login form: the one unsafe page a visitor sends before having a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.config import Settings
from app.deps import SessionDep, SettingsDep, Writes
from app.services import accounts, audit
from app.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, LoginCsrfProtected, new_login_csrf
from app.web.home import render

# Not under the pages' session CSRF check: the login form has none yet, so it carries its own
# double-submit token (LoginCsrfProtected) instead.
router = APIRouter(include_in_schema=False)


def login_form(
    request: Request, settings: Settings, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render the login form with a fresh double-submit CSRF cookie."""
    token = new_login_csrf()
    response = render(
        request, "login.html", {"login_csrf": token, "error": error}, status_code=status_code
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookies_secure,
        max_age=3600,
    )
    return response


@router.get("/login", name="login")
def login_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return login_form(request, settings)


@router.post("/login", name="login_submit", dependencies=[Writes, LoginCsrfProtected])
def login_submit(
    request: Request,
    db_session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    client = request.client.host if request.client else "unknown"
    limiter = request.app.state.login_limiter
    throttled = not (
        limiter.allow(f"ip:{client}") and limiter.allow(f"user:{username.strip().lower()}")
    )
    user = (
        None
        if throttled
        else accounts.authenticate(db_session=db_session, username=username, password=password)
    )
    if user is None:
        audit.record(
            db_session=db_session,
            actor="anonymous",
            action="login.throttled" if throttled else "login.fail",
            target=username[:64],
            details={"client": client},
        )
        if throttled:
            return login_form(
                request,
                settings,
                error="Too many attempts. Wait a minute and try again.",
                status_code=429,
            )
        return login_form(request, settings, error="Wrong username or password.", status_code=401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        accounts.end_session(db_session=db_session, cookie=old)
    login = accounts.start_session(db_session=db_session, user=user)
    redirect = RedirectResponse(request.url_for("home"), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        login.cookie,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        max_age=settings.session_absolute_hours * 3600,
    )
    redirect.delete_cookie(LOGIN_CSRF_COOKIE)
    return redirect
