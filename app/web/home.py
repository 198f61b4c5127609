"""The pages: log out, upload a questionnaire, see its rows, download the filled workbook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.errors import UnreadableWorkbook
from app.deps import SessionDep, SettingsDep, StepsDep, Writes, WritesInSteps, accept_upload
from app.downloads import attachment
from app.form_parts import refuse_repeated_parts
from app.services import accounts, jobs
from app.services import bank as bank_service
from app.services import questionnaires as questionnaire_service
from app.services.jobs import wait_for_job
from app.web.auth import (
    SESSION_COOKIE,
    CsrfProtected,
    CurrentWebUser,
    UserCanWriteQuestionnaires,
    WebUser,
)
from app.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    user: WebUser | None = None,
) -> HTMLResponse:
    """Render a page with the user and CSRF token every layout needs."""
    base = {"user": user, "csrf_token": user.csrf_token if user else None}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


@router.post("/logout", name="logout", dependencies=[Writes])
def logout(
    request: Request,
    user: CurrentWebUser,
    db_session: SessionDep,
) -> Response:
    accounts.end_session(db_session=db_session, cookie=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(request.url_for("login"), status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", name="home")
def home(request: Request, user: CurrentWebUser, db_session: SessionDep) -> HTMLResponse:
    items = questionnaire_service.list_visible(db_session=db_session, principal=user.principal)
    statuses = bank_service.count_by_status(db_session=db_session)
    return render(
        request,
        "questionnaires/list.html",
        {"questionnaires": items, "error": None, "bank_statuses": statuses},
        user=user,
    )


@router.post(
    "/questionnaires",
    name="upload",
    dependencies=[WritesInSteps, Depends(refuse_repeated_parts)],
)
async def upload(
    request: Request,
    user: UserCanWriteQuestionnaires,
    db_session: SessionDep,
    steps: StepsDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    content = await file.read()
    await run_in_threadpool(
        jobs.check_room,
        database=request.app.state.database,
        owner=user.principal.ref,
        settings=settings,
    )
    try:
        questionnaire, job = await run_in_threadpool(
            accept_upload,
            steps=steps,
            principal=user.principal,
            filename=file.filename or "questionnaire.xlsx",
            content=content,
            settings=settings,
        )
    except UnreadableWorkbook as exc:
        items = await run_in_threadpool(
            questionnaire_service.list_visible, db_session=db_session, principal=user.principal
        )
        return render(
            request,
            "questionnaires/list.html",
            {"questionnaires": items, "error": str(exc)},
            status_code=422,
            user=user,
        )
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    # Most workbooks are done within the wait; the page polls for the ones that are not.
    await wait_for_job(
        database=request.app.state.database, job_id=job.id, seconds=settings.sync_wait_seconds
    )
    return RedirectResponse(
        request.url_for("questionnaire", questionnaire_id=questionnaire.id), status_code=303
    )


@router.get(
    "/questionnaires/{questionnaire_id}/workbook",
    name="questionnaire_workbook",
    dependencies=[Writes],
)
def questionnaire_workbook(
    questionnaire_id: str, user: CurrentWebUser, db_session: SessionDep
) -> Response:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    content, name = questionnaire_service.filled_workbook(
        db_session=db_session, principal=user.principal, questionnaire=questionnaire
    )
    return attachment(content, name)
