"""Sign-off: plan from the decisions, fill a copy of the upload, seal it with its log; reopen."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlmodel import Session

from app.config import Settings
from app.core.formats import fill_questionnaire_file
from app.core.workbook import AnswerWrite, Detection, FillResult
from app.isolation import run_isolated
from app.models import Questionnaire, QuestionRow, SignOff, utcnow
from app.services import audit, files, templates, webhooks
from app.services.accounts import Principal
from app.services.review.log import KEPT_NOTE, log_entries, not_written
from app.services.review.queries import WRITES_ANSWER, current_signoff, prefilled, progress_of, rows
from app.services.review.refusals import (
    ReviewConflict,
    ReviewForbidden,
    require_open,
    require_permission,
)
from app.services.row_records import detected_row


@dataclass(frozen=True)
class SignoffPlan:
    """What a sign-off will write, read in one short transaction before the long fill."""

    questionnaire_id: str
    revision: int
    decisions: str  # a digest of every row's decision, to see that none changed meanwhile
    original: bytes
    detection: Detection
    writes: tuple[AnswerWrite, ...]


def _decisions_digest(question_rows: Sequence[QuestionRow]) -> str:
    digest = hashlib.sha256()
    for r in question_rows:
        fields = (r.id, r.review_status, r.answer, r.detail, r.entry_id, r.entry_version)
        digest.update(repr(fields).encode("utf-8"))
    return digest.hexdigest()


def _check_signer(
    *, principal: Principal, questionnaire: Questionnaire, settings: Settings
) -> None:
    require_permission(principal, "questionnaire:signoff")
    if settings.four_eyes and principal.ref == questionnaire.owner:
        raise ReviewForbidden(
            "four-eyes review is on: someone other than the uploader must sign off"
        )
    require_open(questionnaire)


def _detection(questionnaire: Questionnaire, question_rows: Sequence[QuestionRow]) -> Detection:
    """Rebuild the detection the upload was filled with, from what was stored of it."""
    mappings = tuple(
        templates.mapping_from_dict(m) for m in questionnaire.detection.get("mappings", [])
    )
    detected = tuple(detected_row(r) for r in question_rows)
    return Detection(
        rows=detected,
        mappings=mappings,
        warnings=(),
        skipped_sheets=(),
        fingerprint=questionnaire.fingerprint or "",
        confident=True,
    )


def plan_signoff(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    settings: Settings,
) -> SignoffPlan:
    """Checks that the questionnaire may be signed and gathers the decisions to write."""
    _check_signer(principal=principal, questionnaire=questionnaire, settings=settings)
    question_rows = rows(db_session=db_session, questionnaire_id=questionnaire.id)
    done = progress_of(question_rows)
    if not done.complete:
        raise ReviewConflict(
            f"{done.total - done.decided} of {done.total} rows still need a decision "
            "(accept, pick, edit, keep or reject each one)"
        )
    writes = tuple(
        AnswerWrite(
            sheet=r.sheet,
            row=r.row,
            answer=r.answer,
            detail=r.detail,
            replace=prefilled(r) is not None,
        )
        for r in question_rows
        if r.review_status in WRITES_ANSWER
    )
    return SignoffPlan(
        questionnaire_id=questionnaire.id,
        revision=questionnaire.revision,
        decisions=_decisions_digest(question_rows),
        original=files.load(db_session=db_session, file_id=questionnaire.upload_id),
        detection=_detection(questionnaire, question_rows),
        writes=writes,
    )


def fill_signoff(*, plan: SignoffPlan, settings: Settings) -> FillResult:
    """Writes the decisions into a copy of the original upload, in a child process (no database)."""
    return run_isolated(
        fill_questionnaire_file,
        plan.original,
        plan.detection,
        list(plan.writes),
        timeout=settings.parse_timeout_seconds,
        memory=settings.parse_memory_bytes,
    )


def _seal_outcomes(question_rows: Sequence[QuestionRow], result: FillResult) -> None:
    """Record on each row what the signed file holds for it, so the log says exactly that."""
    outcomes = {(o.sheet, o.row): o for o in result.outcomes}
    for r in question_rows:
        outcome = outcomes.get((r.sheet, r.row))
        if r.review_status in WRITES_ANSWER:
            r.written = bool(outcome and outcome.written)
            reason = (outcome.reason if outcome else None) or r.locked_reason
            r.write_note = reason if r.written else f"not written: {reason or 'no outcome'}"
        else:
            r.written = False
            r.write_note = KEPT_NOTE if r.review_status == "kept" else None


def complete_signoff(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    plan: SignoffPlan,
    result: FillResult,
    settings: Settings,
) -> SignOff:
    """Records a filled sign-off, unless a decision changed since the plan was read."""
    _check_signer(principal=principal, questionnaire=questionnaire, settings=settings)
    question_rows = rows(db_session=db_session, questionnaire_id=questionnaire.id)
    if (
        questionnaire.id != plan.questionnaire_id
        or questionnaire.revision != plan.revision
        or _decisions_digest(question_rows) != plan.decisions
    ):
        raise ReviewConflict(
            "a decision changed while the workbook was being signed; nothing was signed, "
            "check the rows and sign off again"
        )
    if not result.fidelity.ok:
        raise ReviewConflict(
            "the signed workbook failed its fidelity check; nothing was signed "
            f"({'; '.join(result.fidelity.notes) or 'cells outside the answers changed'})"
        )
    _seal_outcomes(question_rows, result)
    for r in question_rows:
        db_session.add(r)
    stored = files.store(db_session=db_session, content=result.data)
    sealed_log = log_entries(db_session=db_session, questionnaire_rows=question_rows)
    record = SignOff(
        questionnaire_id=questionnaire.id,
        revision=questionnaire.revision,
        file_id=stored.id,
        sha256=stored.sha256,
        signed_by=principal.ref,
        review_log=sealed_log,
    )
    db_session.add(record)
    questionnaire.status = "signed"
    questionnaire.updated_at = utcnow()
    db_session.add(questionnaire)
    # Queued in this transaction: subscribers hear of a sign-off exactly when it is committed.
    webhooks.emit(
        db_session=db_session,
        event="questionnaire.signed",
        questionnaire=questionnaire,
        base_url=settings.public_url,
    )
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="questionnaire.signoff",
        target=f"questionnaire:{questionnaire.id}",
        details={
            "revision": questionnaire.revision,
            "sha256": stored.sha256,
            "written": sum(1 for o in result.outcomes if o.written),
            "not_written": len(not_written(sealed_log)),
        },
    )
    db_session.flush()
    return record


def signoff(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    settings: Settings,
) -> SignOff:
    """Signs off within one transaction (plan, fill, record); requests split it around the fill."""
    plan = plan_signoff(
        db_session=db_session, principal=principal, questionnaire=questionnaire, settings=settings
    )
    result = fill_signoff(plan=plan, settings=settings)
    return complete_signoff(
        db_session=db_session,
        principal=principal,
        questionnaire=questionnaire,
        plan=plan,
        result=result,
        settings=settings,
    )


def signed_workbook(
    *, db_session: Session, principal: Principal, questionnaire: Questionnaire
) -> tuple[bytes, str, str]:
    """Returns the signed bytes, a download name and the recorded SHA-256 (refused before sign-off)."""
    record = current_signoff(db_session=db_session, questionnaire=questionnaire)
    if record is None:
        raise ReviewConflict("the questionnaire is not signed off yet")
    content = files.load(db_session=db_session, file_id=record.file_id)
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise ReviewConflict("the stored signed workbook no longer matches its recorded hash")
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="questionnaire.download_signed",
        target=f"questionnaire:{questionnaire.id}",
        details={"revision": record.revision, "sha256": record.sha256},
    )
    stem = PurePath(questionnaire.filename).stem or "questionnaire"
    return content, f"{stem}-signed-r{record.revision}{questionnaire.extension}", record.sha256


def reopen(*, db_session: Session, principal: Principal, questionnaire: Questionnaire) -> int:
    """Reopens a signed questionnaire as a new revision; the signed one stays in the history."""
    require_permission(principal, "questionnaire:signoff")
    record = current_signoff(db_session=db_session, questionnaire=questionnaire)
    if record is None:
        raise ReviewConflict("only a signed-off questionnaire can be reopened")
    record.reopened_by = principal.ref
    record.reopened_at = utcnow()
    db_session.add(record)
    questionnaire.revision += 1
    questionnaire.status = "needs_review"
    questionnaire.updated_at = utcnow()
    db_session.add(questionnaire)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="questionnaire.reopen",
        target=f"questionnaire:{questionnaire.id}",
        details={"revision": questionnaire.revision},
    )
    return questionnaire.revision
