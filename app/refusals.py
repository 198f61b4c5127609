"""The refusals a request can meet, each with its HTTP status and stable code, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import BankError, UnreadableWorkbook, VouchError
from app.services import bank_entries, bank_proposals, review
from app.services.accounts import AccountError
from app.services.questionnaires import QuestionnaireNotFound
from app.services.webhooks import SubscriptionNotFound, WebhookRefused


@dataclass(frozen=True)
class Refusal:
    """How a refusal is answered: its status, its code, and a fixed message if it has one."""

    status: int
    code: str
    message: str | None = None


# Looked up by the exception's class and then its bases, so the most specific entry wins
# (ProposalRefused is a BankError, and every domain refusal a VouchError).
REFUSALS: dict[type[Exception], Refusal] = {
    UnreadableWorkbook: Refusal(422, "unreadable_workbook"),
    BankError: Refusal(422, "invalid_bank"),
    AccountError: Refusal(422, "invalid"),
    WebhookRefused: Refusal(422, "webhook_refused"),
    SubscriptionNotFound: Refusal(404, "not_found", "no such webhook subscription or delivery"),
    QuestionnaireNotFound: Refusal(404, "not_found", "no such questionnaire"),
    review.ReviewInvalid: Refusal(422, "invalid"),
    review.ReviewConflict: Refusal(409, "conflict"),
    review.StaleDecision: Refusal(409, "stale"),
    review.ReviewForbidden: Refusal(403, "forbidden"),
    review.RowNotFound: Refusal(404, "not_found", "no such row"),
    bank_entries.EntryNotFound: Refusal(404, "not_found"),
    bank_entries.EntryExists: Refusal(409, "exists"),
    bank_entries.StaleEdit: Refusal(409, "conflict"),
    bank_proposals.ProposalNotFound: Refusal(404, "not_found"),
    bank_proposals.ProposalRefused: Refusal(409, "conflict"),
    VouchError: Refusal(422, "invalid"),
}


def refusal_for(exc: Exception) -> Refusal:
    """Return how to answer a refusal: the entry of its class or of its nearest base."""
    for kind in type(exc).__mro__:
        if kind in REFUSALS:
            return REFUSALS[kind]
    raise LookupError(f"{type(exc).__name__} is not a refusal")


def refusal_message(exc: Exception) -> str:
    """Return the words a refusal is answered with."""
    return refusal_for(exc).message or str(exc)
