"""Show and change the concepts a bank entry is linked to (through the framework IDs in its refs)."""

from __future__ import annotations

from sqlmodel import Session

from app.core.bank import Entry
from app.core.concept_links import (
    ConceptLink,
    concept_links,
    shipped_concept_matcher,
    with_concept,
    without_concept,
)
from app.core.concepts import shipped_concepts
from app.core.errors import BankError
from app.models import BankEntry
from app.services import bank as bank_service
from app.services import bank_entries


class UnknownConcept(BankError):
    """No concept has the id asked for."""


def catalogue() -> tuple[Entry, ...]:
    """Return the concepts a curator can link an entry to."""
    return shipped_concepts()


def links(entry: Entry) -> tuple[ConceptLink, ...]:
    """Return the concepts the entry is linked to, and how."""
    return concept_links(entry, catalogue(), matcher=shipped_concept_matcher())


def _concept(concept_id: str) -> Entry:
    for concept in catalogue():
        if concept.id == concept_id:
            return concept
    raise UnknownConcept(f"no concept '{concept_id[:80]}'")


def link(
    *,
    db_session: Session,
    entry_id: str,
    concept_id: str,
    expected_version: int,
    actor: str,
    unlink: bool = False,
) -> BankEntry:
    """Add the concept's framework IDs to the entry's refs (or remove them) as a new version."""
    concept = _concept(concept_id)
    row = bank_entries.locked_row(db_session, entry_id)
    if row.version != expected_version:
        raise bank_entries.StaleEdit(row, expected_version)
    refs = bank_service.to_entry(row).refs
    changed = without_concept(refs, concept) if unlink else with_concept(refs, concept)
    return bank_entries.edit_entry(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=expected_version,
        changes={"refs": changed},
        actor=actor,
        reason=f"{'unlinked from' if unlink else 'linked to'} concept {concept.id}",
    )
