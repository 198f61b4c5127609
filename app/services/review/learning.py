"""What the bank learns from a reviewer's confirmed match: the customer's wording as an alternate."""

from __future__ import annotations

import re

from sqlmodel import Session

from app.core.bank import MAX_ALTERNATES, check_text
from app.core.errors import BankError
from app.core.question_forms import QuestionForms
from app.models import Questionnaire, QuestionRow
from app.services import audit
from app.services import bank as bank_service
from app.services.accounts import Principal

# A bulk accept learns at most this many wordings: as many as a curator can read through in the
# entries' histories afterwards. A 20,000-row accept once wrote 20,700 entry versions.
MAX_LEARNED_PER_BULK = 50
# A wording needs this many plain words to say something of its own beside its identifiers.
MIN_PLAIN_WORDS = 3
_WORD = re.compile(r"\w+")


def learned_key(wording: str) -> str:
    """Key a wording for deduplication: case, spacing and punctuation aside."""
    return " ".join(_WORD.findall(wording.casefold()))


def _identifiers(wording: str) -> set[str]:
    """Return the tokens that carry a digit: row numbers, asset ids, control ids, versions."""
    return {token for token in _WORD.findall(wording.casefold()) if any(c.isdigit() for c in token)}


def worth_learning(wording: str, *, entry_wordings: list[str]) -> bool:
    """Tell whether a confirmed wording teaches the entry something that holds beyond its row.

    A wording mostly of numbers or ids says little, and an identifier the entry's own wordings
    lack is row-specific ("... asset 41"): learned, it makes the next upload's "... asset 20001"
    look like a different subject and holds that row back (a second 20,000-row upload auto-filled
    53 rows instead of 19,671).
    """
    tokens = _WORD.findall(wording.casefold())
    plain = [t for t in tokens if not any(c.isdigit() for c in t)]
    if len(plain) < MIN_PLAIN_WORDS or len(plain) < 2 * (len(tokens) - len(plain)):
        return False
    known: set[str] = set()
    for text in entry_wordings:
        known |= _identifiers(text)
    return _identifiers(wording) <= known


def learn_alternate(
    *,
    db_session: Session,
    principal: Principal,
    questionnaire: Questionnaire,
    row: QuestionRow,
    forms: QuestionForms | None = None,
) -> bool:
    """Adds a confirmed row's wording to its entry's alternates, if it is new and worth keeping.

    With `forms`, a wording that takes its subject from its row's heading is learned read with
    it ("Data Flow Diagrams: Is this documented?"), and one naming no subject with no heading
    to read it with is not learned (QuestionForms.as_learned); without, it is learned as written.
    """
    entry = bank_service.get_entry(
        db_session=db_session, entry_id=row.entry_id or "", for_update=True
    )
    if entry is None or entry.status == "retired":
        return False
    if len(entry.alternates) >= MAX_ALTERNATES:
        return False  # the cap a curator's edit is held to
    wording: str | None = row.question.strip()
    if forms is not None and wording:
        wording = forms.as_learned(wording, row.context)
    known = {learned_key(entry.question), *(learned_key(a) for a in entry.alternates)}
    if not wording or learned_key(wording) in known:
        return False
    if not worth_learning(wording, entry_wordings=[entry.question, *entry.alternates]):
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
