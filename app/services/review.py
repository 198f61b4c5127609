"""Review and sign-off: a person decides every row, signs once, and the bank learns from it."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.core.answering import fit_to_choices
from app.core.bank import check_text, render_detail, same_wording
from app.core.detail_template import escape_template, render_template
from app.core.errors import BankError, VouchError
from app.core.formats import fill_questionnaire_file
from app.core.formulas import neutralise_formula
from app.core.workbook import AnswerWrite, Detection, FillResult
from app.core.workbook import QuestionRow as DetectedRow
from app.core.workbook.writer import match_choice
from app.isolation import run_isolated
from app.models import (
    ApiKey,
    BankEntry,
    Questionnaire,
    QuestionRow,
    SignOff,
    User,
    utcnow,
)
from app.services import audit, files, templates, webhooks
from app.services import bank as bank_service
from app.services.accounts import Principal

ACTIONS = ("accept", "choose", "edit", "reject", "keep", "flag")
# A row is complete when a person accepted, chose, edited or rejected (left blank) it, or kept
# the answer the customer's file already held.
DECIDED = frozenset({"accepted", "chosen", "edited", "rejected", "kept"})
# These decisions put an answer into the signed workbook (replacing one the file held); a
# rejected row stays blank and a kept row keeps the customer's answer untouched.
WRITES_ANSWER = frozenset({"accepted", "chosen", "edited"})
STATUSES = ("pending", "accepted", "chosen", "edited", "rejected", "kept", "flagged")
KEPT_NOTE = "kept the customer's answer"
MAX_COMMENT = 2000


class ReviewInvalid(VouchError):
    """A review action that cannot be carried out with the input given; the message says why."""


class ReviewConflict(VouchError):
    """The questionnaire's state forbids the action (still processing, signed, incomplete)."""


class ReviewForbidden(VouchError):
    """The principal may not do this (role, or four-eyes)."""


class RowNotFound(LookupError):
    """The questionnaire has no such row."""


@dataclass(frozen=True)
class Progress:
    """How far the review of a questionnaire has come."""

    total: int
    decided: int
    flagged: int

    @property
    def pending(self) -> int:
        """Return the rows nobody has decided or flagged yet."""
        return self.total - self.decided - self.flagged

    @property
    def complete(self) -> bool:
        """Tell whether every row is decided, so the questionnaire may be signed off."""
        return self.total > 0 and self.decided == self.total

    def as_dict(self) -> dict[str, Any]:
        """Return the progress as JSON-ready data."""
        return {
            "total": self.total,
            "decided": self.decided,
            "flagged": self.flagged,
            "pending": self.pending,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class RowFilter:
    """Which rows a reviewer wants to see."""

    band: str | None = None
    status: str | None = None
    sheet: str | None = None
    assignee: str | None = None

    def keeps(self, row: QuestionRow | RowSummary) -> bool:
        """Tell whether the row passes every filter that is set."""
        return (
            (self.band is None or row.band == self.band)
            and (self.status is None or row.review_status == self.status)
            and (self.sheet is None or row.sheet == self.sheet)
            and (self.assignee is None or row.assignee == self.assignee)
        )


@dataclass(frozen=True)
class RowSummary:
    """What filtering and counting need of a row, without loading its text."""

    id: int
    position: int
    band: str
    review_status: str
    sheet: str
    assignee: str | None


def row_summaries(*, db_session: Session, questionnaire_id: str) -> list[RowSummary]:
    """Lists every row's filterable fields in workbook order (cheap even at thousands of rows)."""
    found = db_session.execute(
        select_columns(
            col(QuestionRow.id),
            col(QuestionRow.position),
            col(QuestionRow.band),
            col(QuestionRow.review_status),
            col(QuestionRow.sheet),
            col(QuestionRow.assignee),
        )
        .where(col(QuestionRow.questionnaire_id) == questionnaire_id)
        .order_by(col(QuestionRow.position))
    )
    return [RowSummary(*values) for values in found]


def rows_by_ids(*, db_session: Session, row_ids: Sequence[int]) -> list[QuestionRow]:
    """Loads whole rows by id, in workbook order."""
    if not row_ids:
        return []
    return list(
        db_session.exec(
            select(QuestionRow)
            .where(col(QuestionRow.id).in_(list(row_ids)))
            .order_by(col(QuestionRow.position))
        )
    )


def progress_of(rows: Iterable[QuestionRow | RowSummary]) -> Progress:
    """Count the decided and flagged rows."""
    total = decided = flagged = 0
    for row in rows:
        total += 1
        if row.review_status in DECIDED:
            decided += 1
        elif row.review_status == "flagged":
            flagged += 1
    return Progress(total=total, decided=decided, flagged=flagged)


def rows(*, db_session: Session, questionnaire_id: str) -> list[QuestionRow]:
    """Lists a questionnaire's rows in workbook order."""
    return list(
        db_session.exec(
            select(QuestionRow)
            .where(QuestionRow.questionnaire_id == questionnaire_id)
            .order_by(col(QuestionRow.position))
        )
    )


def rows_page(
    *,
    db_session: Session,
    questionnaire_id: str,
    keep: RowFilter,
    after: int | None,
    limit: int,
) -> list[QuestionRow]:
    """List at most `limit` rows passing the filter, in workbook order, after a position."""
    statement = select(QuestionRow).where(QuestionRow.questionnaire_id == questionnaire_id)
    if after is not None:
        statement = statement.where(col(QuestionRow.position) > after)
    for name in ("band", "sheet", "assignee"):
        wanted = getattr(keep, name)
        if wanted is not None:
            statement = statement.where(getattr(QuestionRow, name) == wanted)
    if keep.status is not None:
        statement = statement.where(QuestionRow.review_status == keep.status)
    return list(db_session.exec(statement.order_by(col(QuestionRow.position)).limit(limit)))


def progress(*, db_session: Session, questionnaire_id: str) -> Progress:
    """Count a questionnaire's decided and flagged rows in the database."""
    counts = dict(
        db_session.exec(
            select(QuestionRow.review_status, func.count())
            .where(QuestionRow.questionnaire_id == questionnaire_id)
            .group_by(QuestionRow.review_status)
        ).all()
    )
    return Progress(
        total=sum(counts.values()),
        decided=sum(n for status, n in counts.items() if status in DECIDED),
        flagged=counts.get("flagged", 0),
    )


def row_at(*, db_session: Session, questionnaire: Questionnaire, position: int) -> QuestionRow:
    """Gets a row by its position (0-based, in workbook order)."""
    row = db_session.exec(
        select(QuestionRow).where(
            QuestionRow.questionnaire_id == questionnaire.id, QuestionRow.position == position
        )
    ).first()
    if row is None:
        raise RowNotFound(position)
    return row


def row_by_id(*, db_session: Session, questionnaire: Questionnaire, row_id: int) -> QuestionRow:
    """Gets a row by its database id, only if it belongs to the questionnaire."""
    row = db_session.get(QuestionRow, row_id)
    if row is None or row.questionnaire_id != questionnaire.id:
        raise RowNotFound(row_id)
    return row


def _require_open(questionnaire: Questionnaire) -> None:
    if questionnaire.status == "signed":
        raise ReviewConflict("the questionnaire is signed off; reopen it to change answers")
    if questionnaire.status != "needs_review":
        raise ReviewConflict(
            f"the questionnaire is {questionnaire.status.replace('_', ' ')}, not ready for review"
        )


def _require(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise ReviewForbidden(f"the role '{principal.role}' may not do this")


def _learn_alternate(
    *, db_session: Session, principal: Principal, questionnaire: Questionnaire, row: QuestionRow
) -> bool:
    """Adds a confirmed row's wording to its entry's alternates, unless the entry already has it."""
    entry = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id or "")
    if entry is None or entry.status == "retired":
        return False
    wording = row.question.strip()
    known = {same_wording(entry.question), *(same_wording(a) for a in entry.alternates)}
    if not wording or same_wording(wording) in known:
        return False
    try:
        check_text(wording, where="question")
    except BankError:
        return False
    reason = f"alternate learned from questionnaire {questionnaire.id} row {row.row}"
    entry.alternates = [*entry.alternates, wording]
    bank_service.next_version(entry, actor=principal.ref)
    db_session.add(entry)
    bank_service.save_version(db_session=db_session, row=entry, actor=principal.ref, reason=reason)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="bank.alternate_learned",
        target=f"entry:{entry.id}",
        details={
            "questionnaire": questionnaire.id,
            "sheet": row.sheet,
            "row": row.row,
            "alternate": wording,
            "version": entry.version,
        },
    )
    return True


def _decide(row: QuestionRow, status: str, principal: Principal) -> None:
    row.review_status = status
    row.reviewed_by = principal.ref
    row.reviewed_at = utcnow()
    if status != "flagged":
        row.review_comment = None
        row.assignee = None


def _fits_choices(row: QuestionRow, answer: str, detail: str, *, what: str) -> tuple[str, str]:
    """Return the answer in the cell's own spelling (a qualifier moves to the detail), or refuse it."""
    if not row.choices:
        return answer, detail
    fitted, detail = fit_to_choices(answer, detail, row.choices)
    chosen = match_choice(fitted, row.choices)
    if chosen is None:
        raise ReviewInvalid(
            f"{what} {answer!r} is not in this cell's list ({', '.join(row.choices)})"
        )
    return chosen, detail


def answer_fits(row: QuestionRow) -> bool:
    """Tell whether the row's answer can go into its cell (any text, or one of its dropdown's)."""
    if not row.answer.strip():
        return False
    if not row.choices:
        return True
    fitted, _ = fit_to_choices(row.answer, row.detail, row.choices)
    return match_choice(fitted, row.choices) is not None


def prefilled(row: QuestionRow) -> str | None:
    """Return the answer the customer's file already holds in the row, if any."""
    held = (row.existing_answer or "").strip()
    return held or None


def _keep(*, row: QuestionRow, principal: Principal) -> None:
    if prefilled(row) is None:
        raise ReviewInvalid("the customer's file holds no answer in this row to keep")
    _decide(row, "kept", principal)


def _reject(*, row: QuestionRow, principal: Principal) -> None:
    held = prefilled(row)
    if held is not None:
        # Rejecting means "leave blank", but the cell is not blank: the log would say one thing
        # and the signed file another. The reviewer says which one they mean.
        raise ReviewInvalid(
            f"the customer's file already says {held!r} here: keep it, "
            "or replace it by accepting, picking or editing an answer"
        )
    _decide(row, "rejected", principal)


def _accept(*, row: QuestionRow, principal: Principal) -> None:
    if not row.answer.strip():
        raise ReviewInvalid(
            "this row has no proposed answer; pick an entry, edit the answer or reject it"
        )
    # A descriptive answer cannot go into a Yes/No list; accepting it would sign a blank cell.
    row.answer, row.detail = _fits_choices(row, row.answer, row.detail, what="the proposed answer")
    _decide(row, "accepted", principal)


def _choose(*, db_session: Session, row: QuestionRow, principal: Principal, entry_id: str) -> None:
    entry = bank_service.get_entry(db_session=db_session, entry_id=entry_id)
    if entry is None:
        raise ReviewInvalid(f"no entry '{entry_id}'")
    if entry.status != "approved":
        raise ReviewInvalid(f"entry '{entry_id}' is {entry.status}; only approved entries answer")
    try:
        detail = render_detail(
            bank_service.to_entry(entry), bank_service.profile(db_session=db_session)
        )
    except BankError as exc:
        raise ReviewInvalid(str(exc)) from exc
    row.answer, row.detail = _fits_choices(
        row, entry.answer, detail, what=f"entry '{entry_id}' answers"
    )
    row.entry_id = entry.id
    row.entry_version = entry.version
    _decide(row, "chosen", principal)


def _draft_id(questionnaire: Questionnaire, row: QuestionRow) -> str:
    return f"DRAFT-{questionnaire.id[:8]}-{row.position + 1}"


def _literal_detail(detail: str) -> str:
    """Return a template that renders exactly the given text, checked like every detail."""
    template = escape_template(detail)
    try:
        if render_template(template, {}) != detail:
            raise ReviewInvalid("this detail cannot be kept word for word; shorten it")
    except BankError as exc:
        raise ReviewInvalid(f"detail {exc}") from exc
    return template


def _edit(
    *,
    db_session: Session,
    questionnaire: Questionnaire,
    row: QuestionRow,
    principal: Principal,
    answer: str,
    detail: str,
) -> BankEntry:
    answer, detail = answer.strip(), detail.strip()
    if not answer:
        raise ReviewInvalid("an edit needs a short answer; reject the row to leave it blank")
    try:
        check_text(answer, where="answer")
        check_text(detail, where="detail")
    except BankError as exc:
        raise ReviewInvalid(str(exc)) from exc
    answer, detail = _fits_choices(row, answer, detail, what="the answer")
    # The reviewer's detail is what the cell says, word for word: the draft keeps it literal,
    # so it renders the same text and never runs as a template.
    draft_detail = _literal_detail(detail)
    draft_id = _draft_id(questionnaire, row)
    base = None
    if row.entry_id and row.entry_id != draft_id:
        base = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id)
    draft = bank_service.get_entry(db_session=db_session, entry_id=draft_id)
    reason = f"draft from the edit of questionnaire {questionnaire.id} row {row.row}" + (
        f", revising {base.id} v{base.version}" if base else ""
    )
    if draft is None:
        draft = BankEntry(
            id=draft_id,
            question=row.question,
            answer=answer,
            detail=draft_detail,
            tags=list(base.tags) if base else [],
            refs=dict(base.refs) if base else {},
            owner=base.owner if base else None,
            status="draft",
            version=1,
            updated_by=principal.ref,
        )
    else:
        draft.answer, draft.detail = answer, draft_detail
        bank_service.next_version(draft, actor=principal.ref)
    db_session.add(draft)
    bank_service.save_version(db_session=db_session, row=draft, actor=principal.ref, reason=reason)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="bank.draft_from_review",
        target=f"entry:{draft.id}",
        details={
            "questionnaire": questionnaire.id,
            "row": row.row,
            "base": base.id if base else None,
        },
    )
    row.answer, row.detail = answer, detail
    row.entry_id, row.entry_version = draft.id, draft.version
    _decide(row, "edited", principal)
    return draft


def _flag(
    *, db_session: Session, row: QuestionRow, principal: Principal, comment: str, assignee: str
) -> None:
    comment, assignee = comment.strip(), assignee.strip().lower()
    if not comment:
        raise ReviewInvalid("say what the expert should look at")
    if len(comment) > MAX_COMMENT:
        raise ReviewInvalid(f"the comment is longer than {MAX_COMMENT} characters")
    if assignee:
        user = db_session.exec(select(User).where(User.username == assignee)).first()
        if user is None or not user.is_active:
            raise ReviewInvalid(f"no active user '{assignee}' to assign to")
    _decide(row, "flagged", principal)
    row.review_comment = comment
    row.assignee = assignee or None


def act(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    row: QuestionRow,
    action: str,
    entry_id: str | None = None,
    answer: str | None = None,
    detail: str | None = None,
    comment: str | None = None,
    assignee: str | None = None,
) -> QuestionRow:
    """Applies one reviewer decision to one row, learning from it where it confirms a match."""
    _require(principal, "questionnaire:write")
    _require_open(questionnaire)
    learned = False
    if action == "accept":
        _accept(row=row, principal=principal)
        learned = _learn_alternate(
            db_session=db_session, principal=principal, questionnaire=questionnaire, row=row
        )
    elif action == "choose":
        if not entry_id:
            raise ReviewInvalid("choose needs an entry_id")
        _choose(db_session=db_session, row=row, principal=principal, entry_id=entry_id)
        learned = _learn_alternate(
            db_session=db_session, principal=principal, questionnaire=questionnaire, row=row
        )
    elif action == "edit":
        _edit(
            db_session=db_session,
            questionnaire=questionnaire,
            row=row,
            principal=principal,
            answer=answer or "",
            detail=detail or "",
        )
        learned = True
    elif action == "reject":
        _reject(row=row, principal=principal)
    elif action == "keep":
        _keep(row=row, principal=principal)
    elif action == "flag":
        _flag(
            db_session=db_session,
            row=row,
            principal=principal,
            comment=comment or "",
            assignee=assignee or "",
        )
    else:
        raise ReviewInvalid(f"unknown action '{action}'; use one of {', '.join(ACTIONS)}")
    if learned:
        bank_service.bump_revision(db_session=db_session)
    db_session.add(row)
    questionnaire.updated_at = utcnow()
    db_session.add(questionnaire)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action=f"review.{action}",
        target=f"questionnaire:{questionnaire.id}",
        details={
            "sheet": row.sheet,
            "row": row.row,
            "entry_id": row.entry_id,
            "entry_version": row.entry_version,
            "answer": row.answer if row.review_status in WRITES_ANSWER else None,
            "comment": row.review_comment,
            "assignee": row.assignee,
        },
    )
    return row


def accept_auto(*, db_session: Session, principal: Principal, questionnaire: Questionnaire) -> int:
    """Accepts every undecided auto-band row whose answer fits an empty cell; returns how many."""
    _require(principal, "questionnaire:write")
    _require_open(questionnaire)
    accepted = 0
    learned = False
    for row in rows(db_session=db_session, questionnaire_id=questionnaire.id):
        if row.review_status != "pending" or row.band != "auto" or not answer_fits(row):
            continue
        if prefilled(row) is not None:
            continue  # replacing the customer's own answer is a decision made row by row
        row.answer, row.detail = _fits_choices(
            row, row.answer, row.detail, what="the proposed answer"
        )
        _decide(row, "accepted", principal)
        db_session.add(row)
        learned |= _learn_alternate(
            db_session=db_session, principal=principal, questionnaire=questionnaire, row=row
        )
        accepted += 1
    if learned:
        bank_service.bump_revision(db_session=db_session)
    questionnaire.updated_at = utcnow()
    db_session.add(questionnaire)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="review.accept_auto",
        target=f"questionnaire:{questionnaire.id}",
        details={"accepted": accepted},
    )
    return accepted


def search_entries(*, db_session: Session, query: str, limit: int = 20) -> list[BankEntry]:
    """Finds approved entries a reviewer may pick for a row."""
    needle = query.strip()[:200]
    if not needle:
        return []
    return bank_service.list_entries(db_session=db_session, query=needle, status="approved")[:limit]


def _detection(questionnaire: Questionnaire, question_rows: Sequence[QuestionRow]) -> Detection:
    """Rebuild the detection the upload was filled with, from what was stored of it."""
    mappings = tuple(
        templates.mapping_from_dict(m) for m in questionnaire.detection.get("mappings", [])
    )
    detected = tuple(
        DetectedRow(
            sheet=r.sheet,
            row=r.row,
            question=r.question,
            control_id=r.control_id,
            answer_cell=r.answer_cell,
            detail_cell=r.detail_cell,
            choices=tuple(r.choices),
            existing_answer=r.existing_answer,
            locked_reason=r.locked_reason,
        )
        for r in question_rows
    )
    return Detection(
        rows=detected,
        mappings=mappings,
        warnings=(),
        skipped_sheets=(),
        fingerprint=questionnaire.fingerprint or "",
        confident=True,
    )


def actor_names(*, db_session: Session, refs: Iterable[str | None]) -> dict[str, str]:
    """Resolve principal refs ('user:3', 'key:2') to the names a log reader recognises."""
    names: dict[str, str] = {}
    for ref in {r for r in refs if r}:
        kind, _, raw_id = ref.partition(":")
        if not raw_id.isdigit():
            names[ref] = ref
            continue
        if kind == "user":
            user = db_session.get(User, int(raw_id))
            names[ref] = user.username if user else ref
        elif kind == "key":
            key = db_session.get(ApiKey, int(raw_id))
            names[ref] = f"API key '{key.name}'" if key else ref
        else:
            names[ref] = ref
    return names


def log_entries(
    *, db_session: Session, questionnaire_rows: Sequence[QuestionRow]
) -> list[dict[str, Any]]:
    """Describe every row's decision: what was answered, from which entry version, by whom, when."""
    names = actor_names(db_session=db_session, refs=(r.reviewed_by for r in questionnaire_rows))
    return [
        {
            "position": r.position,
            "sheet": r.sheet,
            "row": r.row,
            "control_id": r.control_id,
            "question": r.question,
            "customer_answer": prefilled(r),
            "decision": r.review_status,
            "answer": r.answer
            if r.review_status in WRITES_ANSWER
            else (prefilled(r) or "" if r.review_status == "kept" else ""),
            "detail": r.detail if r.review_status in WRITES_ANSWER else "",
            "entry_id": r.entry_id if r.review_status in WRITES_ANSWER else None,
            "entry_version": r.entry_version if r.review_status in WRITES_ANSWER else None,
            "written": r.written,
            "write_note": r.write_note,
            "reviewed_by": names.get(r.reviewed_by or "", r.reviewed_by),
            "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None,
            "comment": r.review_comment,
            "assignee": r.assignee,
        }
        for r in questionnaire_rows
    ]


def current_signoff(*, db_session: Session, questionnaire: Questionnaire) -> SignOff | None:
    """Gets the sign-off of the questionnaire's current revision, if it is signed."""
    if questionnaire.status != "signed":
        return None
    return db_session.exec(
        select(SignOff).where(
            SignOff.questionnaire_id == questionnaire.id,
            SignOff.revision == questionnaire.revision,
        )
    ).first()


def signoffs(*, db_session: Session, questionnaire_id: str) -> list[SignOff]:
    """Lists every signed revision of a questionnaire, newest first."""
    return list(
        db_session.exec(
            select(SignOff)
            .where(SignOff.questionnaire_id == questionnaire_id)
            .order_by(col(SignOff.revision).desc())
        )
    )


def review_log(*, db_session: Session, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Returns the review log: the signed snapshot once signed, the live decisions before."""
    signed = current_signoff(db_session=db_session, questionnaire=questionnaire)
    if signed is not None:
        return list(signed.review_log)
    return log_entries(
        db_session=db_session,
        questionnaire_rows=rows(db_session=db_session, questionnaire_id=questionnaire.id),
    )


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
    _require(principal, "questionnaire:signoff")
    if settings.four_eyes and principal.ref == questionnaire.owner:
        raise ReviewForbidden(
            "four-eyes review is on: someone other than the uploader must sign off"
        )
    _require_open(questionnaire)


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


def not_written(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """List the log's decisions that the signed file does not hold, with the reason each."""
    return [
        {
            "position": e["position"],
            "sheet": e["sheet"],
            "row": e["row"],
            "decision": e["decision"],
            "reason": e.get("write_note") or "not written",
        }
        for e in entries
        if e.get("decision") in WRITES_ANSWER and not e.get("written")
    ]


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
    _require(principal, "questionnaire:signoff")
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


def entry_usage(*, db_session: Session, entry_id: str) -> list[tuple[Questionnaire, QuestionRow]]:
    """Lists the questionnaire rows answered from an entry, with the version each used."""
    found = db_session.exec(
        select(Questionnaire, QuestionRow)
        .join(QuestionRow, col(QuestionRow.questionnaire_id) == col(Questionnaire.id))
        .where(QuestionRow.entry_id == entry_id)
        .where(col(QuestionRow.review_status).in_(sorted(WRITES_ANSWER)))
        .order_by(col(Questionnaire.created_at).desc(), col(QuestionRow.position))
    )
    return [(q, r) for q, r in found]


LOG_COLUMNS = (
    ("row", "Row"),
    ("sheet", "Sheet"),
    ("control_id", "Question ID"),
    ("question", "Question"),
    ("decision", "Decision"),
    ("answer", "Answer given"),
    ("detail", "Detail given"),
    ("entry_id", "Entry"),
    ("entry_version", "Entry version"),
    ("reviewed_by", "Reviewed by"),
    ("reviewed_at", "Reviewed at (UTC)"),
    ("comment", "Comment"),
    ("assignee", "Assigned to"),
    ("customer_answer", "Customer's answer"),
    ("written", "Written"),
    ("write_note", "Write note"),
)


def _log_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def log_table(entries: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Lay out the review log as spreadsheet-safe text, header first."""
    table = [[title for _, title in LOG_COLUMNS]]
    for entry in entries:
        values = (_log_text(entry.get(key)) for key, _ in LOG_COLUMNS)
        table.append([neutralise_formula(value) for value in values])
    return table


def log_csv(entries: Sequence[dict[str, Any]]) -> bytes:
    """Export the review log as CSV (UTF-8 with a BOM so Excel reads accents)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(log_table(entries))
    return buffer.getvalue().encode("utf-8-sig")


def log_xlsx(entries: Sequence[dict[str, Any]]) -> bytes:
    """Export the review log as an XLSX workbook, every cell plain text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Review log")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header, *body = log_table(entries)

    def text_cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        # openpyxl guesses types from text ("#N/A" would become an error); keep it text.
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_cell(name, bold) for name in header])
    for line in body:
        sheet.append([text_cell(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
