"""The review page: decide each row, accept the sure ones in bulk, sign off, download the record."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from app.deps import (
    RowId,
    SessionDep,
    SettingsDep,
    StepsDep,
    Writes,
    WritesInSteps,
    sign_off_in_steps,
)
from app.downloads import attachment, log_download
from app.models import BankEntry, Questionnaire, QuestionRow, User
from app.services import bank as bank_service
from app.services import questionnaires as questionnaire_service
from app.services import review
from app.web.auth import (
    CsrfProtected,
    CurrentWebUser,
    UserCanSignOff,
    UserCanWriteQuestionnaires,
    WebUser,
)
from app.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

# Rows a review page shows at once: enough to work through, few enough to render at once.
PAGE_SIZE = 200
FRAGMENT_HEADER = "x-vouch-fragment"


def _wants_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def _latest_job(db_session: Session, questionnaire: Questionnaire) -> Any:
    """Return the questionnaire's latest processing job, where background processing exists."""
    try:
        from app.services import jobs
    except ImportError:
        return None
    latest = getattr(jobs, "latest_for", None)
    if latest is None:
        return None
    return latest(db_session=db_session, questionnaire_ids=[questionnaire.id]).get(questionnaire.id)


def _entries_for(db_session: Session, rows: list[QuestionRow]) -> dict[str, BankEntry]:
    ids = {c["entry_id"] for r in rows for c in r.candidates} | {
        r.entry_id for r in rows if r.entry_id
    }
    if not ids:
        return {}
    found = db_session.exec(select(BankEntry).where(col(BankEntry.id).in_(sorted(ids))))
    return {e.id: e for e in found}


def runners_up(row: QuestionRow, *, limit: int = 2) -> list[dict[str, Any]]:
    """Return the candidates a reviewer may pick instead of the row's current entry."""
    return [c for c in row.candidates if c["entry_id"] != row.entry_id][:limit]


def _row_context(
    request: Request, user: WebUser, questionnaire: Questionnaire, entries: dict[str, BankEntry]
) -> dict[str, Any]:
    # Links are built once per page: url_for walks every route, which dominated a 500-row render.
    row_base = str(request.url_for("review_row", questionnaire_id=questionnaire.id, row_id=0))
    entry_base = str(request.url_for("entry", entry_id="0"))
    return {
        "row_base": row_base[: -len("0")],
        "entry_base": entry_base[: -len("0")],
        "questionnaire": questionnaire,
        "entries": entries,
        "runners_up": runners_up,
        "answer_fits": review.answer_fits,
        "can_write": user.principal.can("questionnaire:write")
        and questionnaire.status == "needs_review",
        "csrf_token": user.csrf_token,
        "user": user,
    }


def _progress_header(progress: review.Progress) -> dict[str, str]:
    return {"X-Review-Progress": json.dumps(progress.as_dict())}


@router.get("/questionnaires/{questionnaire_id}", name="questionnaire")
def review_page(
    request: Request,
    questionnaire_id: str,
    user: CurrentWebUser,
    db_session: SessionDep,
    settings: SettingsDep,
    band: Annotated[str | None, Query(max_length=16)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    sheet: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=-1, le=2**31)] = None,
    before: Annotated[int | None, Query(ge=0, le=2**31)] = None,
) -> HTMLResponse:
    started = time.perf_counter()
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    chosen = review.RowFilter(
        band=band or None, status=status or None, sheet=sheet or None, assignee=assignee or None
    )
    # One page is read and counted in the database, as the API's listing does: a 50,000-row
    # questionnaire never loads more than a page of rows into the request.
    on_page = review.rows_page(
        db_session=db_session,
        questionnaire_id=questionnaire.id,
        keep=chosen,
        after=after if before is None else None,
        before=before,
        limit=PAGE_SIZE,
    )
    if not on_page and (after is not None or before is not None):
        on_page = review.rows_page(
            db_session=db_session,
            questionnaire_id=questionnaire.id,
            keep=chosen,
            after=None,
            limit=PAGE_SIZE,
        )
    shown = review.count_rows(db_session=db_session, questionnaire_id=questionnaire.id, keep=chosen)
    start = (
        review.count_rows(
            db_session=db_session,
            questionnaire_id=questionnaire.id,
            keep=chosen,
            before=on_page[0].position,
        )
        if on_page
        else 0
    )
    entries = _entries_for(db_session, on_page)
    users = [
        u.username
        for u in db_session.exec(
            select(User).where(User.is_active == True).order_by(User.username)  # noqa: E712
        )
    ]
    signed = review.current_signoff(db_session=db_session, questionnaire=questionnaire)
    history = review.signoffs(db_session=db_session, questionnaire_id=questionnaire.id)
    signers = {h.signed_by for h in history} | {h.reopened_by for h in history if h.reopened_by}
    names = review.actor_names(db_session=db_session, refs=signers)
    progress = review.progress(db_session=db_session, questionnaire_id=questionnaire.id)
    sheets, assignees = review.row_facets(db_session=db_session, questionnaire_id=questionnaire.id)
    four_eyes_blocked = settings.four_eyes and questionnaire.owner == user.principal.ref
    filters = {"band": band, "status": status, "sheet": sheet, "assignee": assignee}
    context = {
        **_row_context(request, user, questionnaire, entries),
        "job": _latest_job(db_session, questionnaire),
        "rows": on_page,
        "all_rows": progress.total,
        "shown_rows": shown,
        "page_size": PAGE_SIZE,
        "first_shown": start + 1 if on_page else 0,
        "last_shown": start + len(on_page),
        "previous_page": on_page[0].position if on_page and start > 0 else None,
        "next_page": on_page[-1].position if start + len(on_page) < shown else None,
        "filters": filters,
        "query": {k: v for k, v in filters.items() if v},
        "band": band,
        "bands": ("auto", "suggest", "none"),
        "statuses": review.STATUSES,
        "sheets": sheets,
        "assignees": assignees,
        "users": users,
        "progress": progress,
        "signed": signed,
        "not_written": review.not_written(signed.review_log) if signed else [],
        "history": history,
        "names": names,
        "can_signoff": user.principal.can("questionnaire:signoff"),
        "four_eyes_blocked": four_eyes_blocked,
    }
    response = templates.TemplateResponse(request, "questionnaires/detail.html", context)
    response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@router.post(
    "/questionnaires/{questionnaire_id}/rows/{row_id}", name="review_row", dependencies=[Writes]
)
def review_row(
    request: Request,
    questionnaire_id: str,
    row_id: RowId,
    user: UserCanWriteQuestionnaires,
    db_session: SessionDep,
    settings: SettingsDep,
    action: Annotated[str, Form(max_length=16)] = "",
    choose: Annotated[str, Form(max_length=80)] = "",
    entry_id: Annotated[str, Form(max_length=80)] = "",
    answer: Annotated[str, Form(max_length=32_767)] = "",
    detail: Annotated[str, Form(max_length=32_767)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    assignee: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[int | None, Form(ge=1, le=2**31)] = None,
) -> Response:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    if choose:
        action, entry_id = "choose", choose
    row = review.row_by_id(db_session=db_session, questionnaire=questionnaire, row_id=row_id)
    review.act(
        db_session=db_session,
        principal=user.principal,
        questionnaire=questionnaire,
        row=row,
        action=action,
        entry_id=entry_id or None,
        answer=answer,
        detail=detail,
        comment=comment,
        assignee=assignee,
        version=version,
        forms=bank_service.question_forms(settings=settings),
    )
    if not _wants_fragment(request):
        return RedirectResponse(
            str(request.url_for("questionnaire", questionnaire_id=questionnaire.id))
            + f"?after={row.position - 1}#row-{row.id}",
            status_code=303,
        )
    entries = _entries_for(db_session, [row])
    progress = review.progress(db_session=db_session, questionnaire_id=questionnaire.id)
    return templates.TemplateResponse(
        request,
        "questionnaires/_row.html",
        {**_row_context(request, user, questionnaire, entries), "r": row},
        headers=_progress_header(progress),
    )


def _questionnaire_action(
    request: Request,
    questionnaire_id: str,
    user: WebUser,
    db_session: Session,
    act: Callable[[Questionnaire], object],
) -> Response:
    """Run one action on a whole questionnaire, then show it again (or say why it was refused)."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    act(questionnaire)
    return RedirectResponse(
        request.url_for("questionnaire", questionnaire_id=questionnaire.id), status_code=303
    )


@router.post(
    "/questionnaires/{questionnaire_id}/accept-auto",
    name="review_accept_auto",
    dependencies=[Writes],
)
def review_accept_auto(
    request: Request,
    questionnaire_id: str,
    user: UserCanWriteQuestionnaires,
    db_session: SessionDep,
    settings: SettingsDep,
) -> Response:
    return _questionnaire_action(
        request,
        questionnaire_id,
        user,
        db_session,
        lambda q: review.accept_auto(
            db_session=db_session,
            principal=user.principal,
            questionnaire=q,
            forms=bank_service.question_forms(settings=settings),
        ),
    )


@router.post(
    "/questionnaires/{questionnaire_id}/signoff",
    name="review_signoff",
    dependencies=[WritesInSteps],
)
def review_signoff(
    request: Request,
    questionnaire_id: str,
    user: UserCanSignOff,
    db_session: SessionDep,
    steps: StepsDep,
    settings: SettingsDep,
) -> Response:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    sign_off_in_steps(
        db_session=db_session,
        steps=steps,
        principal=user.principal,
        questionnaire_id=questionnaire.id,
        settings=settings,
    )
    return RedirectResponse(
        request.url_for("questionnaire", questionnaire_id=questionnaire.id), status_code=303
    )


@router.post(
    "/questionnaires/{questionnaire_id}/reopen", name="review_reopen", dependencies=[Writes]
)
def review_reopen(
    request: Request,
    questionnaire_id: str,
    user: UserCanSignOff,
    db_session: SessionDep,
) -> Response:
    return _questionnaire_action(
        request,
        questionnaire_id,
        user,
        db_session,
        lambda q: review.reopen(db_session=db_session, principal=user.principal, questionnaire=q),
    )


@router.get(
    "/questionnaires/{questionnaire_id}/signed", name="review_signed", dependencies=[Writes]
)
def review_signed(
    request: Request, questionnaire_id: str, user: CurrentWebUser, db_session: SessionDep
) -> Response:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    content, name, sha256 = review.signed_workbook(
        db_session=db_session, principal=user.principal, questionnaire=questionnaire
    )
    response = attachment(content, name)
    response.headers["X-Content-SHA256"] = sha256
    return response


@router.get("/questionnaires/{questionnaire_id}/log.{fmt}", name="review_log")
def review_log(
    request: Request,
    questionnaire_id: str,
    fmt: str,
    user: CurrentWebUser,
    db_session: SessionDep,
) -> Response:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    entries = review.review_log(db_session=db_session, questionnaire=questionnaire)
    return log_download(questionnaire, entries, fmt)


@router.get("/questionnaires/{questionnaire_id}/entry-search", name="review_search")
def review_search(
    questionnaire_id: str,
    user: CurrentWebUser,
    db_session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> JSONResponse:
    questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    found = review.search_entries(db_session=db_session, query=q)
    return JSONResponse([{"id": e.id, "question": e.question, "answer": e.answer} for e in found])
