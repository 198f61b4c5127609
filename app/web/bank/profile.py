"""The company profile page: the variables statements' details render with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.errors import VouchError
from app.deps import SessionDep, Writes
from app.services import bank as bank_service
from app.services import bank_variables
from app.web.auth import CsrfProtected, UserCanReadBank, UserCanWriteBank, WebUser
from app.web.bank.forms import FormText, parse_variable, variable_text
from app.web.bank.pages import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


def _profile_page(
    request: Request,
    user: WebUser,
    db_session: SessionDep,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    profile = bank_service.profile(db_session=db_session)
    return render(
        request,
        "bank/profile.html",
        {
            "variables": [(k, variable_text(v)) for k, v in sorted(profile.items())],
            "error": error,
        },
        user=user,
        status_code=status_code,
    )


@router.get("/bank/profile", name="bank_profile")
def profile_page(request: Request, user: UserCanReadBank, db_session: SessionDep) -> HTMLResponse:
    return _profile_page(request, user, db_session)


@router.post("/bank/profile", name="bank_profile_save", dependencies=[Writes])
def save_variable(
    request: Request,
    user: UserCanWriteBank,
    db_session: SessionDep,
    name: Annotated[str, Form(max_length=64)],
    value: FormText = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    try:
        with db_session.begin_nested():
            if action == "delete":
                bank_variables.delete_variable(
                    db_session=db_session, name=name, actor=user.principal.ref
                )
            else:
                bank_variables.set_variable(
                    db_session=db_session,
                    name=name.strip(),
                    value=parse_variable(value),
                    actor=user.principal.ref,
                )
    except VouchError as exc:
        # Refused on the profile page itself, beside the variables it would have changed.
        return _profile_page(request, user, db_session, error=str(exc), status_code=422)
    return RedirectResponse(request.url_for("bank_profile"), status_code=303)
