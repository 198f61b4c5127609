"""Correcting detection: a user says where a sheet's header, questions and answers are."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.workbook import SheetMapping
from app.deps import SessionDep, SettingsDep, StepsDep, WritesInSteps, accept_upload
from app.services import files, jobs
from app.services import questionnaires as questionnaire_service
from app.services.jobs import wait_for_job
from app.web.auth import CsrfProtected, UserCanWriteQuestionnaires
from app.web.home import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
COLUMN = re.compile(r"^[A-Z]{1,3}$")


class MappingInvalid(ValueError):
    """The submitted mapping cannot be used; the message says which field."""


def _column(value: str, field: str, *, required: bool) -> str | None:
    letters = value.strip().upper()
    if not letters:
        if required:
            raise MappingInvalid(f"{field}: give a column letter such as B")
        return None
    if not COLUMN.match(letters):
        raise MappingInvalid(f"{field}: '{value}' is not a column letter")
    return letters


def parse_mapping_form(form: dict[str, Any], sheets: list[str]) -> list[SheetMapping]:
    """Read one mapping per sheet the user filled in; sheets left without a header row are skipped."""
    mappings = []
    for index, sheet in enumerate(sheets):
        header = str(form.get(f"header_row_{index}", "")).strip()
        if not header:
            continue
        if not header.isdigit() or not 1 <= int(header) <= 1_048_576:
            raise MappingInvalid(f"{sheet}: the header row must be a row number")
        answers = [
            _column(part, f"{sheet}: answer columns", required=True)
            for part in str(form.get(f"answer_columns_{index}", "")).split(",")
            if part.strip()
        ]
        if not answers:
            raise MappingInvalid(f"{sheet}: give at least one answer column")
        mappings.append(
            SheetMapping(
                sheet=sheet,
                header_row=int(header),
                question_column=_column(
                    str(form.get(f"question_column_{index}", "")),
                    f"{sheet}: question column",
                    required=True,
                )
                or "",
                answer_columns=tuple(a for a in answers if a),
                detail_column=_column(
                    str(form.get(f"detail_column_{index}", "")),
                    f"{sheet}: detail column",
                    required=False,
                ),
                id_column=_column(
                    str(form.get(f"id_column_{index}", "")), f"{sheet}: ID column", required=False
                ),
            )
        )
    if not mappings:
        raise MappingInvalid("fill in at least one sheet's header row and columns")
    return mappings


def _sheets(questionnaire: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
    detected = {m["sheet"]: m for m in questionnaire.detection.get("mappings", [])}
    skipped = [s.split(":", 1)[0] for s in questionnaire.detection.get("skipped_sheets", [])]
    return [*detected, *[s for s in skipped if s not in detected]], detected


@router.get("/questionnaires/{questionnaire_id}/mapping", name="questionnaire_mapping")
def mapping_page(
    request: Request,
    questionnaire_id: str,
    user: UserCanWriteQuestionnaires,
    db_session: SessionDep,
) -> HTMLResponse:
    questionnaire = questionnaire_service.visible(
        db_session=db_session, principal=user.principal, questionnaire_id=questionnaire_id
    )
    sheets, detected = _sheets(questionnaire)
    return render(
        request,
        "questionnaires/mapping.html",
        {
            "questionnaire": questionnaire,
            "sheets": sheets,
            "detected": detected,
            "error": None,
            "form": {},
        },
        user=user,
    )


@router.post(
    "/questionnaires/{questionnaire_id}/mapping",
    name="questionnaire_mapping_submit",
    dependencies=[WritesInSteps],
    # A sheet takes six fields; a workbook with more sheets than this is mapped in parts.
    form_limits={"max_files": 0, "max_fields": 600},
)
async def mapping_submit(
    request: Request,
    questionnaire_id: str,
    user: UserCanWriteQuestionnaires,
    db_session: SessionDep,
    steps: StepsDep,
    settings: SettingsDep,
) -> Response:
    form = dict(await request.form(max_files=0, max_fields=600))
    questionnaire = await run_in_threadpool(
        questionnaire_service.visible,
        db_session=db_session,
        principal=user.principal,
        questionnaire_id=questionnaire_id,
    )
    sheets, detected = _sheets(questionnaire)
    try:
        mappings = parse_mapping_form(form, sheets)
    except MappingInvalid as exc:
        return render(
            request,
            "questionnaires/mapping.html",
            {
                "questionnaire": questionnaire,
                "sheets": sheets,
                "detected": detected,
                "error": str(exc),
                "form": form,
            },
            status_code=422,
            user=user,
        )
    content = await run_in_threadpool(
        files.load, db_session=db_session, file_id=questionnaire.upload_id
    )
    await run_in_threadpool(
        jobs.check_room,
        database=request.app.state.database,
        owner=user.principal.ref,
        settings=settings,
    )
    corrected, job = await run_in_threadpool(
        accept_upload,
        steps=steps,
        principal=user.principal,
        filename=questionnaire.filename,
        content=content,
        settings=settings,
        mappings=mappings,
    )
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    await wait_for_job(
        database=request.app.state.database, job_id=job.id, seconds=settings.sync_wait_seconds
    )
    return RedirectResponse(
        request.url_for("questionnaire", questionnaire_id=corrected.id), status_code=303
    )
