"""Reading a review: rows, pages of rows, progress, sign-off records and entry usage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from app.core.answering import fit_to_choices
from app.core.workbook.writer import match_choice
from app.models import BankEntry, Questionnaire, QuestionRow, SignOff
from app.services import bank as bank_service
from app.services.review.refusals import RowNotFound

# A row is complete when a person accepted, chose, edited or rejected (left blank) it, or kept
# the answer the customer's file already held.
DECIDED = frozenset({"accepted", "chosen", "edited", "rejected", "kept"})


# These decisions put an answer into the signed workbook (replacing one the file held); a
# rejected row stays blank and a kept row keeps the customer's answer untouched.
WRITES_ANSWER = frozenset({"accepted", "chosen", "edited"})


STATUSES = ("pending", "accepted", "chosen", "edited", "rejected", "kept", "flagged")


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


def progress_of(rows: Iterable[QuestionRow]) -> Progress:
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


def _filtered(statement: Any, *, questionnaire_id: str, keep: RowFilter) -> Any:
    """Narrow a statement over question rows to one questionnaire's rows passing the filter."""
    statement = statement.where(QuestionRow.questionnaire_id == questionnaire_id)
    for name in ("band", "sheet", "assignee"):
        wanted = getattr(keep, name)
        if wanted is not None:
            statement = statement.where(getattr(QuestionRow, name) == wanted)
    if keep.status is not None:
        statement = statement.where(QuestionRow.review_status == keep.status)
    return statement


def rows_page(
    *,
    db_session: Session,
    questionnaire_id: str,
    keep: RowFilter,
    after: int | None,
    limit: int,
    before: int | None = None,
) -> list[QuestionRow]:
    """List at most `limit` rows passing the filter, in workbook order, after (or before) a position."""
    statement = _filtered(select(QuestionRow), questionnaire_id=questionnaire_id, keep=keep)
    if after is not None:
        statement = statement.where(col(QuestionRow.position) > after)
    if before is not None:
        # The page that ends just before a position: the nearest rows first, then put in order.
        statement = statement.where(col(QuestionRow.position) < before)
        found = db_session.exec(statement.order_by(col(QuestionRow.position).desc()).limit(limit))
        return list(reversed(list(found)))
    return list(db_session.exec(statement.order_by(col(QuestionRow.position)).limit(limit)))


def count_rows(
    *, db_session: Session, questionnaire_id: str, keep: RowFilter, before: int | None = None
) -> int:
    """Count the rows passing the filter, or only those before a position."""
    statement = _filtered(
        select(func.count()).select_from(QuestionRow), questionnaire_id=questionnaire_id, keep=keep
    )
    if before is not None:
        statement = statement.where(col(QuestionRow.position) < before)
    return int(db_session.exec(statement).one())


def row_facets(*, db_session: Session, questionnaire_id: str) -> tuple[list[str], list[str]]:
    """List the sheets and the assignees a questionnaire's rows name, for the page's filters."""
    mine = QuestionRow.questionnaire_id == questionnaire_id
    sheets = db_session.exec(select(QuestionRow.sheet).where(mine).distinct())
    assignees = db_session.exec(
        select(QuestionRow.assignee).where(mine, col(QuestionRow.assignee).is_not(None)).distinct()
    )
    return sorted(sheets), sorted(a for a in assignees if a)


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


def search_entries(*, db_session: Session, query: str, limit: int = 20) -> list[BankEntry]:
    """Finds approved entries a reviewer may pick for a row."""
    needle = query.strip()[:200]
    if not needle:
        return []
    return bank_service.list_entries(db_session=db_session, query=needle, status="approved")[:limit]
