"""The curator API under /api/v1/bank: versioned edits, approval, freshness, conflicts, variables, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.api.questionnaires import ERRORS, NOT_FOUND, entry_out
from app.api.schemas import EntryOut, ErrorBody
from app.core.bank import MAX_ALTERNATES, Entry
from app.deps import ApiError, CanReadBank, CanWriteBank, SessionDep, SettingsDep, Writes
from app.downloads import MEDIA, download
from app.form_parts import refuse_repeated_parts
from app.models import BankEntry
from app.services import bank as bank_service
from app.services import (
    bank_conflicts,
    bank_entries,
    bank_freshness,
    bank_harvest,
    bank_transfer,
    bank_variables,
)

router = APIRouter(prefix="/api/v1/bank", tags=["bank"], responses=ERRORS)

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The entry changed since the version sent"}
}
Text = Annotated[str, Field(max_length=32_767)]


class EntryFields(BaseModel):
    """The curated fields of a statement; on an edit, only those sent change."""

    question: Text | None = None
    alternates: list[Text] | None = Field(default=None, max_length=MAX_ALTERNATES)
    answer: Text | None = None
    detail: Text | None = None
    tags: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=50)
    refs: (
        dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)]] | None
    ) = Field(default=None, max_length=50)
    owner: Annotated[str, Field(max_length=200)] | None = None
    status: Annotated[str, Field(pattern="^(draft|approved|retired)$")] | None = None
    reviewed: date | None = None
    review_every_days: Annotated[int, Field(gt=0, le=36_500)] | None = None


class EntryCreate(EntryFields):
    id: Annotated[str, Field(min_length=1, max_length=80)]
    question: Text
    answer: Text
    reason: Annotated[str, Field(max_length=500)] | None = None


class EntryEdit(EntryFields):
    version: Annotated[int, Field(ge=1, description="The version the edit was made against")]
    reason: Annotated[str, Field(max_length=500)] | None = None


class StatusChange(BaseModel):
    version: Annotated[int, Field(ge=1)]
    reason: Annotated[str, Field(max_length=500)] | None = None


class Restore(BaseModel):
    restore: Annotated[int, Field(ge=1, description="The version whose content comes back")]
    version: Annotated[int, Field(ge=1, description="The entry's current version")]
    reason: Annotated[str, Field(max_length=500)] | None = None


class BulkApprove(BaseModel):
    ids: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=10_000)
    all: bool = False
    reason: Annotated[str, Field(max_length=500)] | None = None


class VariableIn(BaseModel):
    # The type is checked here; the sizes by the profile's own check, which names the variable.
    value: str | int | float | bool | list[str | int | float | bool] | None


class VersionOut(BaseModel):
    version: int
    changed_by: str
    changed_at: datetime
    reason: str
    snapshot: dict[str, Any]


class SearchOut(BaseModel):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int


class FreshnessOut(BaseModel):
    owner: str
    entry_id: str
    due: date
    stale: bool
    days_left: int


class PairOut(BaseModel):
    first: str
    second: str
    score: float
    conflicting: bool
    first_answer: str
    second_answer: str


class AlternateOut(BaseModel):
    entry_id: str
    question: str
    answer: str
    existing_answer: str
    answers_agree: bool
    score: float
    source: str


class HarvestOut(BaseModel):
    counts: dict[str, int]
    saved: list[str]
    alternates: list[AlternateOut]
    updates: list[AlternateOut] = Field(
        default_factory=list,
        description="Rows asking an entry's question with another answer or detail",
    )
    queued_proposals: int = Field(description="Alternates newly queued for a curator's review")
    queued_updates: int = Field(default=0, description="Updates newly queued for a curator")


def _entry(row: BankEntry, db_session: SessionDep) -> dict[str, Any]:
    return entry_out(row, bank_service.profile(db_session=db_session))


def _entry_json(entry: Entry) -> dict[str, Any]:
    return bank_service.snapshot(entry)


def _conflict(exc: bank_entries.StaleEdit) -> JSONResponse:
    return JSONResponse(
        {
            "error": {"code": "stale_version", "message": str(exc)},
            "current": {
                **_entry_json(exc.current),
                "updated_by": exc.updated_by,
                "updated_at": exc.updated_at.isoformat(),
            },
        },
        status_code=409,
    )


def _versioned(db_session: Session, change: Callable[[], BankEntry]) -> Any:
    """Apply a versioned change: the entry, or 409 with the current version to merge with."""
    try:
        row = change()
    except bank_entries.StaleEdit as exc:
        # Richer than the refusal table's 409: the client gets the version it must merge with.
        return _conflict(exc)
    return _entry(row, db_session)


@router.get("/entries", response_model=SearchOut, operation_id="search_bank")
def search_entries(
    principal: CanReadBank,
    db_session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(pattern="^(draft|approved|retired)$")] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    stale: bool = False,
    conflicts: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Search statements by text and filter by status, tag, owner, staleness or conflicts."""
    rows = bank_entries.search(
        db_session=db_session,
        query=q,
        status=status,
        tag=tag,
        owner=owner,
        stale=stale,
        conflicts=conflicts,
        default_review_days=settings.default_review_days,
    )
    profile = bank_service.profile(db_session=db_session)
    return {
        "items": [entry_out(r, profile) for r in rows[offset : offset + limit]],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
    }


@router.post(
    "/entries",
    status_code=201,
    response_model=EntryOut,
    responses=CONFLICT,
    operation_id="create_entry",
    dependencies=[Writes],
)
def create_entry(body: EntryCreate, principal: CanWriteBank, db_session: SessionDep) -> Any:
    """Add a statement (a draft unless a status is given) as its version 1."""
    fields = body.model_dump(exclude_none=True, exclude={"reason"})
    row = bank_entries.create_entry(
        db_session=db_session, fields=fields, actor=principal.ref, reason=body.reason
    )
    return _entry(row, db_session)


@router.patch(
    "/entries/{entry_id}",
    response_model=EntryOut,
    responses={**NOT_FOUND, **CONFLICT},
    operation_id="edit_entry",
    dependencies=[Writes],
)
def edit_entry(
    entry_id: str, body: EntryEdit, principal: CanWriteBank, db_session: SessionDep
) -> Any:
    """Save changes as a new version; 409 with the current version if the entry moved on."""
    changes = body.model_dump(exclude_unset=True, exclude={"version", "reason"})
    return _versioned(
        db_session,
        lambda: bank_entries.edit_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=body.version,
            changes=changes,
            actor=principal.ref,
            reason=body.reason,
        ),
    )


@router.post(
    "/entries/{entry_id}/approve",
    response_model=EntryOut,
    responses={**NOT_FOUND, **CONFLICT},
    operation_id="approve_entry",
    dependencies=[Writes],
)
def approve_entry(
    entry_id: str, body: StatusChange, principal: CanWriteBank, db_session: SessionDep
) -> Any:
    """Approve a statement as reviewed today."""
    return _versioned(
        db_session,
        lambda: bank_entries.approve_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=body.version,
            actor=principal.ref,
            reason=body.reason,
        ),
    )


@router.post(
    "/entries/{entry_id}/retire",
    response_model=EntryOut,
    responses={**NOT_FOUND, **CONFLICT},
    operation_id="retire_entry",
    dependencies=[Writes],
)
def retire_entry(
    entry_id: str, body: StatusChange, principal: CanWriteBank, db_session: SessionDep
) -> Any:
    """Retire a statement; it is never matched again but keeps its history."""
    return _versioned(
        db_session,
        lambda: bank_entries.retire_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=body.version,
            actor=principal.ref,
            reason=body.reason,
        ),
    )


@router.get(
    "/entries/{entry_id}/versions",
    response_model=list[VersionOut],
    responses=NOT_FOUND,
    operation_id="entry_versions",
)
def entry_versions(
    entry_id: str, principal: CanReadBank, db_session: SessionDep
) -> list[dict[str, Any]]:
    """List a statement's versions, newest first, with who changed it, when and why."""
    if bank_service.get_entry(db_session=db_session, entry_id=entry_id) is None:
        raise ApiError(404, "not_found", f"no entry '{entry_id}'")
    return [
        {
            "version": v.version,
            "changed_by": v.changed_by,
            "changed_at": v.changed_at,
            "reason": v.reason,
            "snapshot": v.snapshot,
        }
        for v in bank_service.history(db_session=db_session, entry_id=entry_id)
    ]


@router.post(
    "/entries/{entry_id}/restore",
    response_model=EntryOut,
    responses={**NOT_FOUND, **CONFLICT},
    operation_id="restore_entry",
    dependencies=[Writes],
)
def restore_entry(
    entry_id: str, body: Restore, principal: CanWriteBank, db_session: SessionDep
) -> Any:
    """Bring back an earlier version's content as a new version."""
    return _versioned(
        db_session,
        lambda: bank_entries.restore_version(
            db_session=db_session,
            entry_id=entry_id,
            version=body.restore,
            expected_version=body.version,
            actor=principal.ref,
            reason=body.reason,
        ),
    )


@router.post("/approve-drafts", operation_id="approve_drafts", dependencies=[Writes])
def approve_drafts(
    body: BulkApprove, principal: CanWriteBank, db_session: SessionDep
) -> dict[str, list[str]]:
    """Approve every draft (all=true) or the drafts named, each recorded as a version."""
    if not body.all and body.ids is None:
        raise ApiError(422, "invalid", "send ids, or all=true after reading the drafts")
    approved = bank_entries.approve_drafts(
        db_session=db_session,
        actor=principal.ref,
        entry_ids=None if body.all else body.ids,
        reason=body.reason,
    )
    return {"approved": approved}


@router.get("/freshness", response_model=list[FreshnessOut], operation_id="bank_freshness")
def freshness(
    principal: CanReadBank, db_session: SessionDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """List statements that are stale or due for review within 30 days, by owner."""
    groups = bank_freshness.freshness(
        bank_entries.live_entries(db_session=db_session),
        today=date.today(),
        default_review_days=settings.default_review_days,
    )
    return [
        {
            "owner": group.owner,
            "entry_id": item.entry.id,
            "due": item.due,
            "stale": item.stale,
            "days_left": item.days_left,
        }
        for group in groups
        for item in group.items
    ]


@router.get("/conflicts", response_model=list[PairOut], operation_id="bank_conflicts")
def conflicts(principal: CanReadBank, db_session: SessionDep) -> list[dict[str, Any]]:
    """List statements whose questions match closely: conflicting answers first, then duplicates."""
    return [
        {
            "first": p.first.id,
            "second": p.second.id,
            "score": p.score,
            "conflicting": p.conflicting,
            "first_answer": p.first.answer,
            "second_answer": p.second.answer,
        }
        for p in bank_conflicts.close_pairs(bank_entries.live_entries(db_session=db_session))
    ]


@router.get("/profile", operation_id="bank_profile")
def get_profile(principal: CanReadBank, db_session: SessionDep) -> dict[str, Any]:
    """Return the profile variables statements render with."""
    return bank_service.profile(db_session=db_session)


@router.put("/profile/{name}", operation_id="set_profile_variable", dependencies=[Writes])
def set_variable(
    name: Annotated[str, Field(max_length=64)],
    body: VariableIn,
    principal: CanWriteBank,
    db_session: SessionDep,
) -> dict[str, Any]:
    """Set a profile variable; refused (422, naming the entry) if some detail would not render."""
    variable = bank_variables.set_variable(
        db_session=db_session, name=name, value=body.value, actor=principal.ref
    )
    return {"name": variable.name, "value": variable.value}


@router.delete(
    "/profile/{name}",
    status_code=204,
    responses=NOT_FOUND,
    operation_id="delete_variable",
    dependencies=[Writes],
)
def delete_variable(name: str, principal: CanWriteBank, db_session: SessionDep) -> Response:
    """Remove a profile variable no statement uses."""
    bank_variables.delete_variable(db_session=db_session, name=name, actor=principal.ref)
    return Response(status_code=204)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {MEDIA["csv"]: {}, MEDIA["xlsx"]: {}}}},
    operation_id="export_bank",
    dependencies=[Writes],
)
def export_bank(
    principal: CanReadBank,
    db_session: SessionDep,
    settings: SettingsDep,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
) -> Response:
    """Download the live bank as .xlsx or .csv, details rendered, for people outside Vouch."""
    content = bank_transfer.export_table(
        db_session=db_session,
        kind=format,
        default_review_days=settings.default_review_days,
        actor=principal.ref,
    )
    return download(content, format)


@router.post(
    "/harvest",
    status_code=201,
    response_model=HarvestOut,
    operation_id="harvest_questionnaire",
    dependencies=[Writes, Depends(refuse_repeated_parts)],
)
async def harvest(
    principal: CanWriteBank,
    db_session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A questionnaire the company already answered")],
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Turn an answered questionnaire into draft statements; near-duplicates are queued as alternates."""
    from fastapi.concurrency import run_in_threadpool

    from app.services.questionnaires import precheck

    content = await file.read()
    name = file.filename or "questionnaire.xlsx"
    precheck(filename=name, content=content, settings=settings)
    result = await run_in_threadpool(
        bank_harvest.harvest,
        db_session=db_session,
        content=content,
        source_name=name,
        owner=owner,
        settings=settings,
    )
    saved = await run_in_threadpool(
        bank_harvest.save_harvest,
        db_session=db_session,
        result=result,
        source_name=name,
        actor=principal.ref,
    )
    return {
        "counts": result.counts(),
        "saved": list(saved.drafts),
        "queued_proposals": len(saved.queued),
        "alternates": [
            {
                "entry_id": a.entry_id,
                "question": a.question,
                "answer": a.answer,
                "existing_answer": a.existing_answer,
                "answers_agree": a.answers_agree,
                "score": a.score,
                "source": a.source,
            }
            for a in result.alternates
        ],
        "updates": [
            {
                "entry_id": a.entry_id,
                "question": a.question,
                "answer": a.answer,
                "existing_answer": a.existing_answer,
                "answers_agree": a.answers_agree,
                "score": a.score,
                "source": a.source,
            }
            for a in result.updates
        ],
        "queued_updates": len(saved.updates_queued),
    }
