"""What the bank learns from a reviewer's confirmed match: the customer's wording as an alternate."""

from __future__ import annotations

from sqlmodel import Session

from app.core.bank import check_text, same_wording
from app.core.errors import BankError
from app.models import Questionnaire, QuestionRow
from app.services import audit
from app.services import bank as bank_service
from app.services.accounts import Principal


def learn_alternate(
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
