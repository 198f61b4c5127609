"""Questionnaires: take an upload, find its questions, match, fill, and keep every step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import PurePath
from typing import Any

from sqlmodel import Session, col, func, select

from app.config import Settings
from app.core.answering import Proposal, propose, report_rows, summarize
from app.core.errors import UnreadableWorkbook
from app.core.formats import questionnaire_kind
from app.core.workbook import Detection, SheetMapping
from app.db import Database, locked
from app.models import Job, Questionnaire, QuestionRow, utcnow
from app.services import audit, files, idempotency, jobs, templates, webhooks
from app.services.accounts import Principal
from app.services.bank import MatchContext, match_context
from app.services.row_records import detected_fields
from app.services.workbooks import fill, too_many_rows

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FILL = "questionnaire.fill"


class QuestionnaireNotFound(LookupError):
    """No questionnaire with that id is visible to the caller."""


# The names a kind of upload may keep; the first is given to one named otherwise.
SUFFIXES = {
    "workbook": (".xlsx", ".xlsm"),
    "document": (".docx",),
    "delimited": (".csv", ".tsv", ".txt"),
}


def clean_filename(name: str | None) -> str:
    """Keeps only the base name of an uploaded file, without path or control characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return base[:200] or "questionnaire.xlsx"


def workbook_name(name: str, *, content: bytes = b"", extension: str | None = None) -> str:
    """Name an upload for what its content is: `evil.exe` holding a workbook becomes `evil.xlsx`."""
    path = PurePath(name)
    if extension is None:
        suffixes = SUFFIXES[questionnaire_kind(content)]
        extension = path.suffix.lower() if path.suffix.lower() in suffixes else suffixes[0]
    return f"{(path.stem if path.suffix else name) or 'questionnaire'}{extension}"


def refuse_too_many_rows(*, detection: Detection, settings: Settings) -> None:
    """Refuse a workbook with more question rows than a questionnaire may have, before matching."""
    if len(detection.rows) > settings.max_rows_per_questionnaire:
        raise too_many_rows(found=len(detection.rows), settings=settings)


def precheck(*, filename: str, content: bytes, settings: Settings) -> None:
    """Refuses what is plainly not a questionnaire file before any parser sees it."""
    if not content:
        raise UnreadableWorkbook("the file is empty")
    if len(content) > settings.max_upload_bytes:
        raise UnreadableWorkbook(
            f"the file is larger than {settings.max_upload_bytes // (1024 * 1024)} MB"
        )
    suffix = PurePath(filename).suffix.lower()
    if content.startswith(OLE_SIGNATURE):
        questionnaire_kind(content)  # names a legacy Word file or a password-protected one
        if suffix == ".xls":
            raise UnreadableWorkbook(
                "legacy .xls workbooks are not supported; save it as .xlsx and upload again"
            )
        raise UnreadableWorkbook(
            "the workbook is encrypted or password-protected; remove the password and upload again"
        )
    if suffix == ".xlsb":
        raise UnreadableWorkbook(
            "binary .xlsb workbooks are not supported; save it as .xlsx and upload again"
        )
    questionnaire_kind(content)  # refuses, naming the formats Vouch reads, what is none of them


def _row_record(
    questionnaire_id: str,
    position: int,
    proposal: Proposal,
    report: dict[str, Any],
    context: MatchContext,
) -> QuestionRow:
    row = proposal.row
    best = proposal.best
    entry = context.entries.get(best.entry_id) if best and proposal.band != "none" else None
    return QuestionRow(
        questionnaire_id=questionnaire_id,
        position=position,
        **detected_fields(row),
        entry_id=entry.id if entry else None,
        entry_version=entry.version if entry else None,
        score=proposal.score,
        band=proposal.band,
        explanation=report["explanation"],
        candidates=[
            {
                "entry_id": m.entry_id,
                "score": round(m.score, 4),
                "band": m.band,
                "explanation": m.explanation.text(),
            }
            for m in proposal.matches
        ],
        answer=proposal.answer,
        detail=proposal.detail,
        written=report["written"],
        write_note=report["note"],
    )


def record_rejection(
    *, db_session: Session, principal: Principal, filename: str, content: bytes, reason: str
) -> None:
    """Audits an upload refused by the quick checks (in a transaction of its own)."""
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="upload.reject",
        target=clean_filename(filename),
        details={"reason": reason, "size": len(content)},
    )


def accept(
    *,
    db_session: Session,
    principal: Principal,
    filename: str,
    content: bytes,
    settings: Settings,
    mappings: Sequence[SheetMapping] | None = None,
    reservation: idempotency.Reservation | None = None,
) -> tuple[Questionnaire, Job]:
    """Stores an upload that passes the quick checks and queues it for processing.

    The caller commits at once, so the original is safe before any further work and a failure
    later can never lose it; a refused upload raises UnreadableWorkbook (see record_rejection).
    """
    filename = clean_filename(filename)
    precheck(filename=filename, content=content, settings=settings)
    filename = workbook_name(filename, content=content)
    upload = files.store(db_session=db_session, content=content)
    questionnaire = Questionnaire(
        filename=filename, owner=principal.ref, status="queued", upload_id=upload.id
    )
    db_session.add(questionnaire)
    db_session.flush()
    job = jobs.enqueue(
        db_session=db_session,
        kind=FILL,
        questionnaire=questionnaire,
        payload={"mappings": [asdict(m) for m in mappings or ()]},
        settings=settings,
    )
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="questionnaire.upload",
        target=f"questionnaire:{questionnaire.id}",
        details={"filename": filename, "sha256": upload.sha256, "size": upload.size},
    )
    if reservation is not None:
        # In this transaction, so a retry after a crash knows for certain whether it committed.
        idempotency.attach(
            db_session=db_session, reservation=reservation, resource_id=questionnaire.id
        )
    return questionnaire, job


def _mappings_from(payload: dict[str, Any]) -> list[SheetMapping] | None:
    items = payload.get("mappings") or []
    return [templates.mapping_from_dict(item) for item in items] or None


def process(*, database: Database, claim: jobs.Claim, settings: Settings) -> str:
    """Reads, matches and fills a queued upload; stores the filled copy and every row in one go."""
    with database.session() as db_session:
        questionnaire = db_session.get(Questionnaire, claim.questionnaire_id)
        if questionnaire is None:
            raise jobs.LeaseLost("the questionnaire was deleted")
        content = files.load(db_session=db_session, file_id=questionnaire.upload_id)
        owner = questionnaire.owner
        context = match_context(db_session=db_session, settings=settings)
    try:
        jobs.report(
            database=database, claim=claim, stage="detecting", progress=10, settings=settings
        )
        found = templates.detect_with_memory(
            database=database,
            content=content,
            settings=settings,
            mappings=_mappings_from(claim.payload),
            actor=owner,
        )
        detection = found.detection
        refuse_too_many_rows(detection=detection, settings=settings)
        jobs.report(
            database=database, claim=claim, stage="matching", progress=40, settings=settings
        )
        proposals = propose(
            detection.rows,
            matcher=context.matcher,
            entries=context.entries,
            profile=context.profile,
        )
        jobs.report(database=database, claim=claim, stage="filling", progress=60, settings=settings)
        result = fill(content=content, detection=detection, proposals=proposals, settings=settings)
    except UnreadableWorkbook as exc:
        with database.session(write=True) as db_session:
            job = jobs.hold(db_session=db_session, claim=claim)
            job.stage = "rejected"
            questionnaire = fail(
                db_session=db_session, job=job, reason=str(exc), base_url=settings.public_url
            )
            audit.record(
                db_session=db_session,
                actor=questionnaire.owner,
                action="upload.reject",
                target=f"questionnaire:{questionnaire.id}",
                details={"reason": str(exc), "filename": questionnaire.filename},
            )
        return "failed"
    reports = report_rows(proposals, result.outcomes)
    jobs.report(database=database, claim=claim, stage="saving", progress=90, settings=settings)
    with database.session(write=True) as db_session:
        # Checked under the row lock: a worker whose lease lapsed must not write a second set of rows.
        job = jobs.hold(db_session=db_session, claim=claim)
        questionnaire = locked(db_session, Questionnaire, claim.questionnaire_id)
        assert questionnaire is not None
        filled = files.store(db_session=db_session, content=result.data)
        for position, (proposal, report) in enumerate(zip(proposals, reports, strict=True)):
            db_session.add(_row_record(questionnaire.id, position, proposal, report, context))
        questionnaire.fingerprint = found.template
        questionnaire.detection = {
            "mapping_source": found.source,
            "confident": detection.confident or found.source != "detected",
            "warnings": list(detection.warnings),
            "skipped_sheets": list(detection.skipped_sheets),
            "mappings": [asdict(m) for m in detection.mappings],
        }
        questionnaire.filled_id = filled.id
        questionnaire.extension = result.extension
        questionnaire.filename = workbook_name(questionnaire.filename, extension=result.extension)
        questionnaire.fidelity = result.fidelity.to_dict()
        questionnaire.summary = summarize(reports, result)
        questionnaire.status = "needs_review"
        questionnaire.error = None
        questionnaire.updated_at = utcnow()
        db_session.add(questionnaire)
        jobs.finish(db_session=db_session, job=job)
        audit.record(
            db_session=db_session,
            actor=questionnaire.owner,
            action="questionnaire.fill",
            target=f"questionnaire:{questionnaire.id}",
            details={"job": job.id, "attempt": job.attempts, **questionnaire.summary},
        )
        webhooks.emit(
            db_session=db_session,
            event="questionnaire.filled",
            questionnaire=questionnaire,
            base_url=settings.public_url,
        )
    return "done"


def fail(*, db_session: Session, job: Job, reason: str, base_url: str = "") -> Questionnaire:
    """Marks a job and its questionnaire failed with a reason and tells the subscribers."""
    jobs.fail(db_session=db_session, job=job, reason=reason)
    questionnaire = locked(db_session, Questionnaire, job.questionnaire_id)
    assert questionnaire is not None
    questionnaire.status = "failed"
    questionnaire.error = reason
    questionnaire.updated_at = utcnow()
    db_session.add(questionnaire)
    webhooks.emit(
        db_session=db_session,
        event="questionnaire.failed",
        questionnaire=questionnaire,
        base_url=base_url,
    )
    return questionnaire


# What a worker does with a queued upload; registered where the app and the command line start.
FILL_JOB = jobs.JobKind(name=FILL, run=process, give_up=fail)


def visible(*, db_session: Session, principal: Principal, questionnaire_id: str) -> Questionnaire:
    """Gets a questionnaire the principal may see; anyone else's is not found.

    In a write transaction the row is locked until commit: what a request does to one
    questionnaire (decide a row, accept all, sign off, reopen) runs after the others' on it.
    """
    if db_session.info.get("write"):
        questionnaire = locked(db_session, Questionnaire, questionnaire_id)
    else:
        questionnaire = db_session.get(Questionnaire, questionnaire_id)
    if questionnaire is None or not (
        principal.can("questionnaire:read-all") or questionnaire.owner == principal.ref
    ):
        raise QuestionnaireNotFound(questionnaire_id)
    return questionnaire


def _visible_query(principal: Principal, status: str | None) -> Any:
    query = select(Questionnaire)
    if not principal.can("questionnaire:read-all"):
        query = query.where(Questionnaire.owner == principal.ref)
    if status:
        query = query.where(Questionnaire.status == status)
    return query


def list_visible(
    *,
    db_session: Session,
    principal: Principal,
    limit: int = 100,
    offset: int = 0,
    status: str | None = None,
) -> list[Questionnaire]:
    """Lists the questionnaires the principal may see, newest first."""
    query = (
        _visible_query(principal, status)
        .order_by(col(Questionnaire.created_at).desc(), col(Questionnaire.id))
        .offset(offset)
        .limit(limit)
    )
    return list(db_session.exec(query))


def count_visible(*, db_session: Session, principal: Principal, status: str | None = None) -> int:
    """Counts the questionnaires the principal may see."""
    query = _visible_query(principal, status).subquery()
    return int(db_session.exec(select(func.count()).select_from(query)).one())


def rows(*, db_session: Session, questionnaire_id: str) -> list[QuestionRow]:
    """Lists a questionnaire's rows in workbook order."""
    return list(
        db_session.exec(
            select(QuestionRow)
            .where(QuestionRow.questionnaire_id == questionnaire_id)
            .order_by(col(QuestionRow.position))
        )
    )


def row_report(row: QuestionRow) -> dict[str, Any]:
    """Returns a row in the report shape the CLI and API share."""
    return {
        "sheet": row.sheet,
        "row": row.row,
        "question": row.question,
        "control_id": row.control_id,
        "context": row.context or None,
        "entry_id": row.entry_id,
        "entry_version": row.entry_version,
        "score": round(row.score, 4),
        "band": row.band,
        "answer": row.answer or None,
        "detail": row.detail or None,
        "answer_cell": row.answer_cell,
        "written": row.written,
        "note": row.write_note,
        "explanation": row.explanation,
        "candidates": row.candidates,
    }


def filled_workbook(
    *, db_session: Session, principal: Principal, questionnaire: Questionnaire
) -> tuple[bytes, str]:
    """Returns the filled workbook's bytes and a download name that marks it as a draft."""
    if questionnaire.filled_id is None:
        raise QuestionnaireNotFound(questionnaire.id)
    content = files.load(db_session=db_session, file_id=questionnaire.filled_id)
    stem = PurePath(questionnaire.filename).stem or "questionnaire"
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="questionnaire.download",
        target=f"questionnaire:{questionnaire.id}",
    )
    return content, f"{stem}-filled-draft{questionnaire.extension}"
