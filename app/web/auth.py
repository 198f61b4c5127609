"""Login sessions, the permissions pages declare, and CSRF protection for the pages."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from app.deps import Permission, SessionDep, SettingsDep, commit_bookkeeping
from app.models import User, WebSession
from app.services import accounts
from app.services.accounts import Principal

SESSION_COOKIE = "vouch_session"
LOGIN_CSRF_COOKIE = "vouch_login_csrf"


class LoginRequired(Exception):
    """The page needs a logged-in user; the handler redirects to the login page."""


class CsrfFailure(Exception):
    """An unsafe request came without a valid CSRF token or from another origin."""


class PageForbidden(Exception):
    """The user's role may not open this page."""


@dataclass(frozen=True)
class WebUser:
    """The logged-in user of a page request, with the session's CSRF token."""

    user: User
    session: WebSession
    principal: Principal

    @property
    def csrf_token(self) -> str:
        """Return the token forms must send back."""
        return self.session.csrf_token


# Methods a browser may send across sites without the user meaning to change anything.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_origin(request: Request) -> None:
    """Refuse unsafe requests that a browser says came from another site."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfFailure("cross-site request refused")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        parsed = urlsplit(origin)
        if f"{parsed.scheme}://{parsed.netloc}" != expected:
            raise CsrfFailure("request from another origin refused")
    elif origin == "null":
        raise CsrfFailure("request from an opaque origin refused")


def verify_csrf(expected: str, presented: str | None) -> None:
    """Compare a form's CSRF token with the session's in constant time."""
    if not presented or not hmac.compare_digest(expected, presented):
        raise CsrfFailure(
            "the form expired or did not come from Vouch; reload the page and try again"
        )


def current_web_user(request: Request, db_session: SessionDep, settings: SettingsDep) -> WebUser:
    """Return the logged-in user, or send the browser to the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequired
    found = accounts.resume_session(
        db_session=db_session,
        cookie=cookie,
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    if found is None:
        commit_bookkeeping(db_session)
        raise LoginRequired
    user, web_session = found
    check_origin(request)
    commit_bookkeeping(db_session)
    return WebUser(user=user, session=web_session, principal=accounts.principal_for_user(user))


CurrentWebUser = Annotated[WebUser, Depends(current_web_user)]


def new_login_csrf() -> str:
    """Return a token for the login form's double-submit cookie."""
    return secrets.token_urlsafe(32)


class RequirePage(Permission):
    """Let a page request through only if the user's role holds the permission; return the user."""

    def __call__(self, user: CurrentWebUser) -> WebUser:
        if not user.principal.can(self.permission):
            raise PageForbidden(self.permission)
        return user


def require_page(permission: str) -> RequirePage:
    """Return the dependency that refuses with 403 a user whose role lacks the permission."""
    return RequirePage(permission)


# The pages' users, each checked for one permission before the handler runs.
UserCanWriteQuestionnaires = Annotated[WebUser, Depends(require_page("questionnaire:write"))]
UserCanSignOff = Annotated[WebUser, Depends(require_page("questionnaire:signoff"))]
UserCanReadBank = Annotated[WebUser, Depends(require_page("bank:read"))]
UserCanWriteBank = Annotated[WebUser, Depends(require_page("bank:write"))]
UserIsAdmin = Annotated[WebUser, Depends(require_page("admin"))]


async def csrf_protected(request: Request, user: CurrentWebUser) -> None:
    """Refuse an unsafe page request whose form does not carry the login session's CSRF token.

    The form is parsed once per request: under the route's own `form_limits` when it declares
    them (a route that takes files declares them as parameters, which FastAPI parses first).
    """
    if request.method in SAFE_METHODS:
        return
    limits = {"max_files": 0, **(getattr(request.scope.get("route"), "form_limits", None) or {})}
    token = (await request.form(**limits)).get("csrf_token")
    verify_csrf(user.csrf_token, token if isinstance(token, str) else None)


async def login_csrf_protected(request: Request) -> None:
    """Refuse a login form not sent from Vouch's own login page (double-submit cookie)."""
    check_origin(request)
    token = (await request.form()).get("csrf_token")
    verify_csrf(
        request.cookies.get(LOGIN_CSRF_COOKIE, ""), token if isinstance(token, str) else None
    )


# On every page router but the login form's: unsafe requests need the session's token.
CsrfProtected = Depends(csrf_protected)
LoginCsrfProtected = Depends(login_csrf_protected)
