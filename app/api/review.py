"""Review and sign-off over the API, for tools that drive the same decisions as the review page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.api.schemas import Candidate, ErrorBody
from app.deps import (
    ApiError,
    ApiPrincipal,
    CanReadQuestionnaires,
    CanSignOff,
    CanWriteQuestionnaires,
    SessionDep,
    SettingsDep,
    StepsDep,
    Writes,
    WritesInSteps,
    sign_off_in_steps,
)
from app.downloads import XLSX, attachment, log_download
from app.models import QuestionRow, SignOff
from app.services import bank as bank_service
from app.services import questionnaires as questionnaire_service
from app.services import review

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown API key"},
    403: {"model": ErrorBody, "description": "The key's role may not do this (or four-eyes)"},
    404: {"model": ErrorBody, "description": "No such questionnaire or row"},
    409: {"model": ErrorBody, "description": "The questionnaire's state forbids this"},
    422: {"model": ErrorBody, "description": "The request could not be used"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded"},
}

router = APIRouter(prefix="/api/v1", tags=["review"], responses=ERRORS)

RowPosition = Annotated[
    int,
    Path(
        ge=0,
        le=1_000_000,
        description="The row's position: its 0-based index in workbook order, "
        "as listed by GET /questionnaires/{id}/rows (not the sheet's row number)",
    ),
]


class ReviewRowOut(BaseModel):
    position: int = Field(description="0-based index in workbook order; address rows by it")
    sheet: str
    row: int = Field(description="The row number in the sheet")
    question: str
    control_id: str | None
    context: str | None = Field(
        default=None,
        description="The row's section heading or control title, if the sheet has one.",
    )
    answer_cell: str
    choices: list[str]
    existing_answer: str | None = Field(
        default=None,
        description="The answer the customer's file already holds in this row: keep it "
        "(action keep) or replace it (accept, choose or edit); reject is refused here.",
    )
    band: str
    score: float
    entry_id: str | None
    entry_version: int | None
    answer: str | None
    detail: str | None
    explanation: str
    candidates: list[Candidate]
    written: bool = Field(
        description="Whether the last fill wrote this row (the draft's fill; the signed fill "
        "after sign-off)"
    )
    write_note: str | None = Field(
        description="Why the row was not written, or what was left out ('not written: ...')"
    )
    review_status: Literal["pending", "accepted", "chosen", "edited", "rejected", "kept", "flagged"]
    reviewed_by: str | None
    reviewed_at: datetime | None
    comment: str | None
    assignee: str | None
    version: int = Field(
        description="Bumped by every decision; send it back with a decision to have it refused "
        "(409 stale) if someone decided the row since"
    )


class ProgressOut(BaseModel):
    total: int
    decided: int
    flagged: int
    pending: int
    complete: bool


class ReviewRows(BaseModel):
    questionnaire_id: str
    status: str
    revision: int
    progress: ProgressOut
    items: list[ReviewRowOut]
    next_cursor: int | None = Field(
        default=None, description="Where the next page starts; absent on the last page"
    )


# A page of rows stays a few hundred kilobytes: a 100,000-row listing was 90 MB in one response.
DEFAULT_ROWS_PAGE = 500
MAX_ROWS_PAGE = 2_000


class RowAction(BaseModel):
    """One decision on one row."""

    action: Literal["accept", "choose", "edit", "reject", "keep", "flag"]
    entry_id: str | None = Field(default=None, max_length=80, description="choose: the entry")
    answer: str | None = Field(default=None, max_length=32_767, description="edit: short answer")
    detail: str | None = Field(default=None, max_length=32_767, description="edit: detail")
    comment: str | None = Field(default=None, max_length=2_000, description="flag: for the expert")
    assignee: str | None = Field(default=None, max_length=64, description="flag: a username")
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31,
        description="The row's version this decision was made on; when sent, a row decided "
        "since is refused with 409 stale and its current state",
    )


class StaleDetail(BaseModel):
    code: Literal["stale"]
    message: str
    row: ReviewRowOut = Field(description="The row as it is now, as GET .../rows lists it")


class StaleBody(BaseModel):
    error: StaleDetail


class RowActionResult(BaseModel):
    row: ReviewRowOut
    progress: ProgressOut


class NotWrittenOut(BaseModel):
    position: int
    sheet: str
    row: int
    decision: str
    reason: str


class SignOffOut(BaseModel):
    questionnaire_id: str
    revision: int
    sha256: str
    signed_by: str
    signed_at: datetime
    signed_url: str
    not_written: list[NotWrittenOut] = Field(
        description="Decisions the signed file does not hold (a locked or formula cell, ...), "
        "each sealed in the review log with its reason"
    )


class AcceptAutoOut(BaseModel):
    accepted: int
    progress: ProgressOut


def row_out(row: QuestionRow) -> dict[str, Any]:
    """Describe a row with its review state."""
    return {
        "position": row.position,
        "sheet": row.sheet,
        "row": row.row,
        "question": row.question,
        "control_id": row.control_id,
        "context": row.context or None,
        "answer_cell": row.answer_cell,
        "choices": row.choices,
        "existing_answer": review.prefilled(row),
        "band": row.band,
        "score": round(row.score, 4),
        "entry_id": row.entry_id,
        "entry_version": row.entry_version,
        "answer": row.answer or None,
        "detail": row.detail or None,
        "explanation": row.explanation,
        "candidates": row.candidates,
        "written": row.written,
        "write_note": row.write_note,
        "review_status": row.review_status,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at,
        "comment": row.review_comment,
        "assignee": row.assignee,
        "version": row.version,
    }


def _signoff_out(record: SignOff, signed_url: str) -> dict[str, Any]:
    return {
        "questionnaire_id": record.questionnaire_id,
        "revision": record.revision,
        "sha256": record.sha256,
        "signed_by": record.signed_by,
        "signed_at": record.signed_at,
        "signed_url": signed_url,
        "not_written": review.not_written(record.review_log),
    }


@router.get(
    "/questionnaires/{questionnaire_id}/rows",
    response_model=ReviewRows,
    operation_id="list_review_rows",
)
def list_rows(
    questionnaire_id: str,
    principal: CanReadQuestionnaires,
    db_session: SessionDep,
    band: Annotated[str | None, Query(pattern="^(auto|suggest|none)$")] = None,
    status: Annotated[
        str | None, Query(pattern="^(pending|accepted|chosen|edited|rejected|kept|flagged)$")
    ] = None,
    sheet: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS_PAGE, description="Rows per page")] = (
        DEFAULT_ROWS_PAGE
    ),
    cursor: Annotated[
        int | None,
        Query(ge=0, le=2**31, description="The next_cursor of the previous page"),
    ] = None,
) -> dict[str, Any]:
    """List a page of a questionnaire's rows with their review state, and the review's progress.

    Rows come in workbook order; when more match, `next_cursor` is set: send it as `cursor`.
    """
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    keep = review.RowFilter(band=band, status=status, sheet=sheet, assignee=assignee)
    # One row more than asked tells whether another page follows, without counting them all.
    rows = review.rows_page(
        db_session=db_session,
        questionnaire_id=questionnaire.id,
        keep=keep,
        after=None if cursor is None else cursor - 1,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "questionnaire_id": questionnaire.id,
        "status": questionnaire.status,
        "revision": questionnaire.revision,
        "progress": review.progress(
            db_session=db_session, questionnaire_id=questionnaire.id
        ).as_dict(),
        "items": [row_out(r) for r in rows],
        "next_cursor": rows[-1].position + 1 if more else None,
    }


@router.post(
    "/questionnaires/{questionnaire_id}/rows/{position}",
    response_model=RowActionResult,
    operation_id="review_row",
    dependencies=[Writes],
    responses={
        409: {
            "model": StaleBody | ErrorBody,
            "description": "The row was decided since the version sent (stale, with the row as "
            "it is now), or the questionnaire's state forbids this",
        }
    },
)
def act_on_row(
    questionnaire_id: str,
    position: RowPosition,
    body: RowAction,
    principal: CanWriteQuestionnaires,
    db_session: SessionDep,
    settings: SettingsDep,
) -> Any:
    """Decide one row: accept, choose an entry, edit, reject (leave blank), keep the customer's answer or flag."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    row = review.row_at(db_session=db_session, questionnaire=questionnaire, position=position)
    try:
        review.act(
            db_session=db_session,
            principal=principal,
            questionnaire=questionnaire,
            row=row,
            action=body.action,
            entry_id=body.entry_id,
            answer=body.answer,
            detail=body.detail,
            comment=body.comment,
            assignee=body.assignee,
            version=body.version,
            forms=bank_service.question_forms(settings=settings),
        )
    except review.StaleDecision as stale:
        # Nothing was changed; the reviewer gets the row as it is now to decide again on it.
        refusal = StaleDetail(
            code="stale", message=str(stale), row=ReviewRowOut.model_validate(row_out(stale.row))
        )
        return JSONResponse(StaleBody(error=refusal).model_dump(mode="json"), status_code=409)
    db_session.flush()
    return {
        "row": row_out(row),
        "progress": review.progress(
            db_session=db_session, questionnaire_id=questionnaire.id
        ).as_dict(),
    }


@router.post(
    "/questionnaires/{questionnaire_id}/accept-auto",
    response_model=AcceptAutoOut,
    operation_id="accept_auto_rows",
    dependencies=[Writes],
)
def accept_auto(
    questionnaire_id: str,
    principal: CanWriteQuestionnaires,
    db_session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Accept every undecided row matched in the auto band."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    accepted = review.accept_auto(
        db_session=db_session,
        principal=principal,
        questionnaire=questionnaire,
        forms=bank_service.question_forms(settings=settings),
    )
    db_session.flush()
    return {
        "accepted": accepted,
        "progress": review.progress(
            db_session=db_session, questionnaire_id=questionnaire.id
        ).as_dict(),
    }


@router.post(
    "/questionnaires/{questionnaire_id}/signoff",
    response_model=SignOffOut,
    operation_id="sign_off_questionnaire",
    dependencies=[WritesInSteps],  # the fill runs between a read and the write that records it
)
def sign_off(
    questionnaire_id: str,
    principal: CanSignOff,
    db_session: SessionDep,
    steps: StepsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Sign off a fully reviewed questionnaire; the signed workbook is generated once and hashed."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    record = sign_off_in_steps(
        db_session=db_session,
        steps=steps,
        principal=principal,
        questionnaire_id=questionnaire.id,
        settings=settings,
    )
    return _signoff_out(record, f"/api/v1/questionnaires/{questionnaire.id}/signed")


@router.post(
    "/questionnaires/{questionnaire_id}/reopen",
    response_model=ReviewRows,
    operation_id="reopen_questionnaire",
    dependencies=[Writes],
)
def reopen(questionnaire_id: str, principal: CanSignOff, db_session: SessionDep) -> dict[str, Any]:
    """Reopen a signed questionnaire as a new revision; the signed revision stays downloadable in history."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    review.reopen(db_session=db_session, principal=principal, questionnaire=questionnaire)
    rows = review.rows(db_session=db_session, questionnaire_id=questionnaire.id)
    return {
        "questionnaire_id": questionnaire.id,
        "status": questionnaire.status,
        "revision": questionnaire.revision,
        "progress": review.progress_of(rows).as_dict(),
        "items": [row_out(r) for r in rows],
    }


@router.get(
    "/questionnaires/{questionnaire_id}/signed",
    responses={
        200: {
            "content": {XLSX: {}},
            "description": "The signed workbook, byte-identical on every download",
        }
    },
    response_class=Response,
    operation_id="download_signed_workbook",
    dependencies=[Writes],  # the download is audited
)
def download_signed(
    questionnaire_id: str, principal: CanReadQuestionnaires, db_session: SessionDep
) -> Response:
    """Download the signed workbook: the same bytes every time, their SHA-256 in X-Content-SHA256."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    content, name, sha256 = review.signed_workbook(
        db_session=db_session, principal=principal, questionnaire=questionnaire
    )
    response = attachment(content, name)
    response.headers["X-Content-SHA256"] = sha256
    return response


@router.get(
    "/questionnaires/{questionnaire_id}/log",
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}, XLSX: {}},
            "description": "The review log: row, question, answer given, entry and version, who, when",
        }
    },
    response_class=Response,
    operation_id="review_log",
)
def review_log(
    questionnaire_id: str,
    principal: CanReadQuestionnaires,
    db_session: SessionDep,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Response:
    """Return the review log as JSON, CSV or XLSX (text cells that look like formulas are quoted)."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    entries = review.review_log(db_session=db_session, questionnaire=questionnaire)
    if format == "json":
        return Response(
            json.dumps({"questionnaire_id": questionnaire.id, "items": entries}),
            media_type="application/json",
        )
    return log_download(questionnaire, entries, format)


class EntryUseOut(BaseModel):
    questionnaire_id: str
    filename: str
    status: str
    revision: int
    position: int
    sheet: str
    row: int
    entry_version: int | None
    decision: str
    reviewed_at: datetime | None


@router.get(
    "/entries/{entry_id}/usage",
    response_model=list[EntryUseOut],
    operation_id="entry_usage",
)
def entry_usage(
    entry_id: str, principal: ApiPrincipal, db_session: SessionDep
) -> list[dict[str, Any]]:
    """List the questionnaire rows answered from an entry, with the version each used (curators)."""
    if not (principal.can("bank:write") or principal.can("questionnaire:read-all")):
        raise ApiError(403, "forbidden", f"the role '{principal.role}' may not do this")
    return [
        {
            "questionnaire_id": questionnaire.id,
            "filename": questionnaire.filename,
            "status": questionnaire.status,
            "revision": questionnaire.revision,
            "position": row.position,
            "sheet": row.sheet,
            "row": row.row,
            "entry_version": row.entry_version,
            "decision": row.review_status,
            "reviewed_at": row.reviewed_at,
        }
        for questionnaire, row in review.entry_usage(db_session=db_session, entry_id=entry_id)
    ]
