"""Reviewer decisions on rows: accept, choose, edit, reject, keep, flag, and accept in bulk."""

from __future__ import annotations

from sqlmodel import Session, select

from app.core.answering import cell_answer, fit_to_choices
from app.core.bank import check_text, render_detail
from app.core.detail_template import escape_template, render_template
from app.core.errors import BankError
from app.core.question_forms import QuestionForms
from app.core.workbook.writer import match_choice
from app.models import BankEntry, Questionnaire, QuestionRow, User, utcnow
from app.services import audit
from app.services import bank as bank_service
from app.services.accounts import Principal
from app.services.review.learning import MAX_LEARNED_PER_BULK, learn_alternate
from app.services.review.log import actor_names
from app.services.review.queries import WRITES_ANSWER, answer_fits, prefilled, rows
from app.services.review.refusals import (
    ReviewInvalid,
    StaleDecision,
    require_open,
    require_permission,
)

ACTIONS = ("accept", "choose", "edit", "reject", "keep", "flag")


MAX_COMMENT = 2000


def _decide(row: QuestionRow, status: str, principal: Principal) -> None:
    row.review_status = status
    # Every decision makes a new version, so a decision made on an older one is refused.
    row.version += 1
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
    answer, detail = cell_answer(row.question, entry.answer, detail, row.choices)
    row.answer, row.detail = _fits_choices(row, answer, detail, what=f"entry '{entry_id}' answers")
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
        base = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id, for_update=True)
    draft = bank_service.get_entry(db_session=db_session, entry_id=draft_id, for_update=True)
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


def _stale_message(*, db_session: Session, row: QuestionRow) -> str:
    """Say what the row holds now, for a reviewer whose decision came too late."""
    now = row.review_status
    if row.review_status in WRITES_ANSWER and row.answer:
        now += f" with the answer {row.answer!r}"
    elif row.review_status == "flagged" and row.assignee:
        now += f" for {row.assignee}"
    if row.reviewed_by:
        who = actor_names(db_session=db_session, refs=[row.reviewed_by])[row.reviewed_by]
        now += f" by {who}"
    return (
        f"someone decided this row while you were looking at it: it is now {now}. "
        "Your decision was not saved; check the row and decide again if needed"
    )


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
    version: int | None = None,
    forms: QuestionForms | None = None,
) -> QuestionRow:
    """Applies one reviewer decision to one row, learning from it where it confirms a match.

    `forms` reads the wording learned as the matcher read it (see learning.learn_alternate).

    With `version`, the decision is refused unless the row is still at the version it was made on.
    """
    require_permission(principal, "questionnaire:write")
    require_open(questionnaire)
    if version is not None and version != row.version:
        raise StaleDecision(_stale_message(db_session=db_session, row=row), row=row)
    learned = False
    if action == "accept":
        _accept(row=row, principal=principal)
        learned = learn_alternate(
            db_session=db_session,
            principal=principal,
            questionnaire=questionnaire,
            row=row,
            forms=forms,
        )
    elif action == "choose":
        if not entry_id:
            raise ReviewInvalid("choose needs an entry_id")
        _choose(db_session=db_session, row=row, principal=principal, entry_id=entry_id)
        learned = learn_alternate(
            db_session=db_session,
            principal=principal,
            questionnaire=questionnaire,
            row=row,
            forms=forms,
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


def accept_auto(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    forms: QuestionForms | None = None,
) -> int:
    """Accepts every undecided auto-band row whose answer fits an empty cell; returns how many."""
    require_permission(principal, "questionnaire:write")
    require_open(questionnaire)
    accepted = 0
    learned = 0
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
        if learned < MAX_LEARNED_PER_BULK:
            learned += learn_alternate(
                db_session=db_session,
                principal=principal,
                questionnaire=questionnaire,
                row=row,
                forms=forms,
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
        details={"accepted": accepted, "alternates_learned": learned},
    )
    return accepted
