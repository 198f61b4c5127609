"""Why a review action is refused, and the checks that refuse it."""

from __future__ import annotations

from app.core.errors import VouchError
from app.models import Questionnaire, QuestionRow
from app.services.accounts import Principal


class ReviewInvalid(VouchError):
    """A review action that cannot be carried out with the input given; the message says why."""


class ReviewConflict(VouchError):
    """The questionnaire's state forbids the action (still processing, signed, incomplete)."""


class ReviewForbidden(VouchError):
    """The principal may not do this (role, or four-eyes)."""


class StaleDecision(ReviewConflict):
    """The row was decided since the version the reviewer saw; `row` holds its current state."""

    def __init__(self, message: str, *, row: QuestionRow) -> None:
        super().__init__(message)
        self.row = row


class RowNotFound(LookupError):
    """The questionnaire has no such row."""


def require_open(questionnaire: Questionnaire) -> None:
    """Refuse a change unless the questionnaire is waiting for review."""
    if questionnaire.status == "signed":
        raise ReviewConflict("the questionnaire is signed off; reopen it to change answers")
    if questionnaire.status != "needs_review":
        raise ReviewConflict(
            f"the questionnaire is {questionnaire.status.replace('_', ' ')}, not ready for review"
        )


def require_permission(principal: Principal, permission: str) -> None:
    """Refuse a principal whose role lacks the permission."""
    if not principal.can(permission):
        raise ReviewForbidden(f"the role '{principal.role}' may not do this")
