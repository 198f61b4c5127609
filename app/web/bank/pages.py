"""Rendering a curator's page: the user, the CSRF token, and whether the user may edit."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.web.auth import WebUser
from app.web.templating import templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: WebUser,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a bank page with the user, the CSRF token, and whether the user may edit."""
    base = {
        "user": user,
        "csrf_token": user.csrf_token,
        "can_edit": user.principal.can("bank:write"),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
