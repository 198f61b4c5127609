"""The HTTP API under /api/v1: thin routes over the services, authenticated by API key."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from app.api.idempotent import respond_once
from app.api.schemas import (
    MAX_MAPPED_SHEETS,
    MAX_MAPPING_CHARS,
    EntryDetailOut,
    EntryList,
    ErrorBody,
    MatchQuery,
    MatchRequest,
    MatchResult,
    QuestionnaireDetail,
    QuestionnaireList,
    SheetMappingIn,
)
from app.core.bank import render_detail
from app.core.errors import BankError
from app.core.formats import SUPPORTED_FORMATS
from app.core.workbook import SheetMapping
from app.deps import (
    ApiError,
    CanMatch,
    CanReadBank,
    CanReadQuestionnaires,
    CanWriteQuestionnaires,
    DatabaseDep,
    Reads,
    SessionDep,
    SettingsDep,
    StepsDep,
    Writes,
    WritesInSteps,
    accept_upload,
)
from app.downloads import XLSX, attachment
from app.form_parts import refuse_repeated_parts
from app.models import BankEntry, Job, Questionnaire
from app.services import bank as bank_service
from app.services import bank_concepts, jobs
from app.services import questionnaires as questionnaire_service
from app.services.bank import match_context
from app.services.idempotency import Reservation
from app.services.jobs import wait_for_job

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown API key"},
    403: {"model": ErrorBody, "description": "The key's role may not do this"},
    422: {"model": ErrorBody, "description": "The request or the file could not be used"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such object"}
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)


def job_out(job: Job | None) -> dict[str, Any] | None:
    """Describe a questionnaire's processing job for the API."""
    if job is None:
        return None
    return {
        "id": job.id,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def questionnaire_out(
    request: Request, questionnaire: Questionnaire, job: Job | None = None
) -> dict[str, Any]:
    """Describe a questionnaire for the API."""
    return {
        "id": questionnaire.id,
        "filename": questionnaire.filename,
        "status": questionnaire.status,
        "error": questionnaire.error,
        "created_at": questionnaire.created_at,
        "summary": questionnaire.summary,
        "fidelity": questionnaire.fidelity,
        "detection": questionnaire.detection,
        "workbook_url": str(
            request.url_for("api_questionnaire_workbook", questionnaire_id=questionnaire.id)
        )
        if questionnaire.filled_id
        else None,
        "job": job_out(job),
    }


def questionnaire_detail(
    request: Request, db_session: Session, questionnaire: Questionnaire
) -> dict[str, Any]:
    """Describe a questionnaire with its job and every row."""
    job = jobs.latest_for(db_session=db_session, questionnaire_ids=[questionnaire.id]).get(
        questionnaire.id
    )
    rows = questionnaire_service.rows(db_session=db_session, questionnaire_id=questionnaire.id)
    return {
        **questionnaire_out(request, questionnaire, job),
        "rows": [questionnaire_service.row_report(r) for r in rows],
    }


_MAPPINGS = TypeAdapter(list[SheetMappingIn])
_MAPPING_SHAPE = (
    "[{sheet, header_row, question_column, answer_columns, detail_column?, id_column?}]"
)


def _where(location: tuple[int | str, ...]) -> str:
    return "mapping" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location)


def _parse_mappings(raw: str | None) -> list[SheetMapping] | None:
    """Read the optional mapping field: bounded JSON of the stated shape, or a 422 naming the field."""
    if not raw:
        return None
    try:
        # pydantic's parser stops at 200 levels of nesting (json.loads recursed until it crashed).
        items = pydantic_core.from_json(raw)
    except ValueError as exc:
        raise ApiError(
            422, "invalid_mapping", f"mapping: not JSON ({exc}); send {_MAPPING_SHAPE}"
        ) from exc
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ApiError(422, "invalid_mapping", f"mapping: send {_MAPPING_SHAPE}")
    if len(items) > MAX_MAPPED_SHEETS:
        raise ApiError(
            422, "invalid_mapping", f"mapping: at most {MAX_MAPPED_SHEETS} sheets, not {len(items)}"
        )
    try:
        parsed = _MAPPINGS.validate_python(items)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ApiError(
            422, "invalid_mapping", f"{_where(tuple(first['loc']))}: {first['msg']}"
        ) from exc
    return [
        SheetMapping(
            sheet=item.sheet,
            header_row=item.header_row,
            question_column=item.question_column.upper(),
            answer_columns=tuple(c.upper() for c in item.answer_columns),
            detail_column=item.detail_column.upper() if item.detail_column else None,
            id_column=item.id_column.upper() if item.id_column else None,
        )
        for item in parsed
    ]


@router.post(
    "/questionnaires",
    status_code=201,
    response_model=QuestionnaireDetail,
    responses={
        201: {"description": "Processed within the wait: every row is in the body"},
        202: {
            "model": QuestionnaireDetail,
            "description": "Accepted and still processing: poll the Location until the status "
            "leaves queued/running",
        },
        409: {"model": ErrorBody, "description": "The same Idempotency-Key is still in flight"},
        429: {
            "model": ErrorBody,
            "description": "Rate limit exceeded, or too many uploads are waiting to be processed "
            "(this key's or everyone's): retry after `Retry-After` seconds",
        },
    },
    operation_id="upload_questionnaire",
    dependencies=[WritesInSteps, Depends(refuse_repeated_parts)],
)
async def upload_questionnaire(
    request: Request,
    principal: CanWriteQuestionnaires,
    steps: StepsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description=f"The customer's questionnaire; {SUPPORTED_FORMATS}")
    ],
    mapping: Annotated[
        str | None,
        Form(
            max_length=MAX_MAPPING_CHARS,
            description=f"Optional explicit sheet mapping as JSON: {_MAPPING_SHAPE}",
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Repeat-safe key; see the README"),
    ] = None,
) -> Response:
    """Upload a questionnaire: Vouch finds its questions, matches them and fills the answers it is sure of.

    Returns 201 with every row when done within `VOUCH_SYNC_WAIT_SECONDS`, else 202 with a
    `Location` to poll; a workbook found unreadable within the wait is a 422.
    """
    content = await file.read()
    filename = file.filename or "questionnaire.xlsx"
    digest = await run_in_threadpool(lambda: hashlib.sha256(content).digest())
    mappings = _parse_mappings(mapping)

    async def respond_for(questionnaire_id: str, job_id: str) -> Response:
        finished = await wait_for_job(
            database=database, job_id=job_id, seconds=settings.sync_wait_seconds
        )

        def fresh_detail() -> tuple[Questionnaire, dict[str, Any]]:
            # The worker changed these rows in its own transactions; a new read sees them.
            with steps.read() as db_session:
                found = questionnaire_service.visible(
                    db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
                )
                return found, questionnaire_detail(request, db_session, found)

        current, body = await run_in_threadpool(fresh_detail)
        location = str(request.url_for("get_questionnaire", questionnaire_id=questionnaire_id))
        if finished and current.status == "failed" and body["job"]["stage"] == "rejected":
            return JSONResponse(
                {"error": {"code": "unreadable_workbook", "message": current.error}},
                status_code=422,
            )
        return JSONResponse(
            jsonable_encoder(QuestionnaireDetail.model_validate(body)),
            status_code=201 if finished else 202,
            headers={"Location": location},
        )

    async def produce(reservation: Reservation | None) -> Response:
        await run_in_threadpool(
            jobs.check_room, database=database, owner=principal.ref, settings=settings
        )
        questionnaire, job = await run_in_threadpool(
            accept_upload,
            steps=steps,
            principal=principal,
            filename=filename,
            content=content,
            settings=settings,
            mappings=mappings,
            reservation=reservation,
        )
        worker = getattr(request.app.state, "worker", None)
        if worker is not None:
            worker.wake()
        return await respond_for(questionnaire.id, job.id)

    async def resume(questionnaire_id: str) -> Response:
        # The first request with this key committed the upload, then died: answer for it.
        def committed_job() -> str:
            with steps.read() as read_session:
                latest = jobs.latest_for(
                    db_session=read_session, questionnaire_ids=[questionnaire_id]
                )
            if questionnaire_id not in latest:
                raise questionnaire_service.QuestionnaireNotFound(questionnaire_id)
            return latest[questionnaire_id].id

        return await respond_for(questionnaire_id, await run_in_threadpool(committed_job))

    return await respond_once(
        request,
        principal=principal,
        database=database,
        settings=settings,
        body_parts=[
            b"file",
            filename.encode("utf-8"),
            digest,
            b"mapping",
            (mapping or "").encode("utf-8"),
        ],
        produce=produce,
        resume=resume,
    )


@router.get("/questionnaires", response_model=QuestionnaireList, operation_id="list_questionnaires")
def list_questionnaires(
    request: Request,
    principal: CanReadQuestionnaires,
    db_session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: Annotated[
        str | None,
        Query(
            pattern="^(queued|running|needs_review|signed|failed)$", description="Only this status"
        ),
    ] = None,
) -> dict[str, Any]:
    """List the questionnaires this key may see, newest first, with their total."""
    items = questionnaire_service.list_visible(
        db_session=db_session, principal=principal, limit=limit, offset=offset, status=status
    )
    total = questionnaire_service.count_visible(
        db_session=db_session, principal=principal, status=status
    )
    latest = jobs.latest_for(db_session=db_session, questionnaire_ids=[q.id for q in items])
    return {
        "items": [questionnaire_out(request, q, latest.get(q.id)) for q in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get(
    "/questionnaires/{questionnaire_id}",
    response_model=QuestionnaireDetail,
    name="get_questionnaire",
    responses=NOT_FOUND,
    operation_id="get_questionnaire",
)
def get_questionnaire(
    request: Request,
    questionnaire_id: str,
    principal: CanReadQuestionnaires,
    db_session: SessionDep,
) -> dict[str, Any]:
    """Return a questionnaire's status, summary, fidelity check and every row."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    return questionnaire_detail(request, db_session, questionnaire)


@router.get(
    "/questionnaires/{questionnaire_id}/workbook",
    name="api_questionnaire_workbook",
    responses={**NOT_FOUND, 200: {"content": {XLSX: {}}, "description": "The filled workbook"}},
    response_class=Response,
    operation_id="download_workbook",
    dependencies=[Writes],  # the download is audited
)
def download_workbook(
    questionnaire_id: str, principal: CanReadQuestionnaires, db_session: SessionDep
) -> Response:
    """Download the filled workbook (a draft until it is signed off)."""
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=principal, questionnaire_id=questionnaire_id
    )
    content, name = questionnaire_service.filled_workbook(
        db_session=db_session, principal=principal, questionnaire=questionnaire
    )
    return attachment(content, name)


@router.post(
    "/match",
    response_model=list[MatchResult],
    operation_id="match_questions",
    dependencies=[Reads],
)
def match_questions(
    body: MatchRequest, principal: CanMatch, db_session: SessionDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Match questions against the bank; each gets its best statements, best first."""
    context = match_context(db_session=db_session, settings=settings)
    queries = [q if isinstance(q, MatchQuery) else MatchQuery(question=q) for q in body.questions]
    results = context.matcher.match_many(
        [(q.question, q.control_id, q.context) for q in queries], top=body.top
    )
    return [
        {
            "question": q.question,
            "matches": [
                {
                    "entry_id": m.entry_id,
                    "score": round(m.score, 4),
                    "band": m.band,
                    "explanation": m.explanation.text(),
                }
                for m in matches
            ],
        }
        for q, matches in zip(queries, results, strict=True)
    ]


def entry_out(row: BankEntry, profile: dict[str, Any]) -> dict[str, Any]:
    """Describe a bank entry for the API, with its detail rendered over the profile."""
    try:
        rendered: str | None = render_detail(bank_service.to_entry(row), profile)
    except BankError:
        rendered = None
    return {**row.model_dump(), "rendered_detail": rendered}


@router.get("/entries", response_model=EntryList, operation_id="list_entries")
def list_entries(
    principal: CanReadBank,
    db_session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Text to search for")] = None,
    status: Annotated[str | None, Query(pattern="^(draft|approved|retired)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """List bank entries, optionally searched and filtered by status."""
    rows = bank_service.list_entries(db_session=db_session, query=q, status=status)
    profile = bank_service.profile(db_session=db_session)
    return {
        "items": [entry_out(r, profile) for r in rows[offset : offset + limit]],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
    }


@router.get(
    "/entries/{entry_id}",
    response_model=EntryDetailOut,
    responses=NOT_FOUND,
    operation_id="get_entry",
)
def get_entry(entry_id: str, principal: CanReadBank, db_session: SessionDep) -> dict[str, Any]:
    """Return one bank entry, with the concepts it is linked to and how."""
    row = bank_service.get_entry(db_session=db_session, entry_id=entry_id)
    if row is None:
        raise ApiError(404, "not_found", f"no entry '{entry_id}'")
    links = bank_concepts.links(bank_service.to_entry(row))
    return {
        **entry_out(row, bank_service.profile(db_session=db_session)),
        "concepts": [{**asdict(link), "how": link.how} for link in links],
    }
