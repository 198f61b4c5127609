"""Login sessions and CSRF protection for the pages."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from app.deps import SessionDep, SettingsDep, commit_bookkeeping
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


def require_page(user: WebUser, permission: str) -> None:
    """Refuse a page the user's role may not open."""
    if not user.principal.can(permission):
        raise PageForbidden(permission)
