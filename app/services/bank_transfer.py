"""Move the answer bank in and out: import a bank directory, export YAML, CSV or Excel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app.core.bank import (
    Bank,
    load_bank,
    render_detail,
)
from app.core.bank_io import EntryChange, diff_banks, dump_entries, export_csv, export_xlsx
from app.core.errors import BankError
from app.models import BankEntry, ProfileVariable
from app.services import audit
from app.services import bank as bank_service
from app.services.bank_entries import (
    actor_name,
    apply_content,
    live_entries,
    locked_row,
    record_change,
)


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did, with the changes it held back because they need a curator."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    conflicting: tuple[EntryChange, ...]
    applied_conflicting: bool

    def counts(self) -> dict[str, int]:
        """Summarise the import in numbers."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "conflicting": len(self.conflicting),
        }


def import_bank(
    *,
    db_session: Session,
    bank: Bank,
    actor: str,
    reason: str,
    accept_conflicting: bool = False,
) -> ImportOutcome:
    """Upsert statements by id; an approved answer the import would change waits for a curator."""
    # Before the diff is read: what it compares against cannot change until this commits.
    bank_service.lock_bank(db_session=db_session)
    current = {
        r.id: bank_service.to_entry(r)
        for r in bank_service.list_entries(db_session=db_session, include_retired=True)
    }
    plan = diff_banks(current, bank.entries)
    merged_profile = {**bank_service.profile(db_session=db_session), **bank.profile}
    for entry in bank.entries:
        render_detail(entry, merged_profile)
    actor = actor_name(actor)
    for entry in plan.added:
        row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
        apply_content(row, entry)
        db_session.add(row)
        record_change(
            db_session, row=row, before=None, actor=actor, reason=reason, action="bank.import"
        )
    to_apply = list(plan.changed) + (list(plan.conflicting) if accept_conflicting else [])
    for change in to_apply:
        row = locked_row(db_session, change.current.id)
        before = bank_service.snapshot(change.current)
        apply_content(row, change.incoming)
        bank_service.next_version(row, actor=actor)
        db_session.add(row)
        record_change(
            db_session, row=row, before=before, actor=actor, reason=reason, action="bank.import"
        )
    for name, value in bank.profile.items():
        variable = db_session.get(ProfileVariable, name) or ProfileVariable(name=name, value=None)
        if variable.value != value:
            variable.value = value
            db_session.add(variable)
            bank_service.bump_revision(db_session=db_session)
    return ImportOutcome(
        added=tuple(e.id for e in plan.added),
        changed=tuple(c.current.id for c in plan.changed),
        unchanged=tuple(e.id for e in plan.unchanged),
        conflicting=plan.conflicting,
        applied_conflicting=accept_conflicting,
    )


def import_directory(
    *, db_session: Session, directory: Path, actor: str, accept_conflicting: bool = False
) -> ImportOutcome:
    """Load, validate and import a bank directory."""
    return import_bank(
        db_session=db_session,
        bank=load_bank(directory),
        actor=actor,
        reason=f"import from {directory.name}/",
        accept_conflicting=accept_conflicting,
    )


def export_directory(*, db_session: Session, directory: Path) -> list[Path]:
    """Write the whole bank (retired statements included) and its profile as canonical YAML."""
    entries = [
        bank_service.to_entry(r)
        for r in bank_service.list_entries(db_session=db_session, include_retired=True)
    ]
    return dump_entries(entries, directory, profile=bank_service.profile(db_session=db_session))


def export_table(
    *, db_session: Session, kind: str, default_review_days: int | None, actor: str
) -> bytes:
    """Export the live bank as .csv or .xlsx for people outside Vouch, and log the download."""
    entries = live_entries(db_session=db_session)
    profile = bank_service.profile(db_session=db_session)
    if kind == "csv":
        content = export_csv(entries, profile, default_review_days=default_review_days)
    elif kind == "xlsx":
        content = export_xlsx(entries, profile, default_review_days=default_review_days)
    else:
        raise BankError(f"cannot export as '{kind}'; choose csv or xlsx")
    audit.record(
        db_session=db_session,
        actor=actor_name(actor),
        action="bank.export",
        details={"format": kind, "entries": len(entries)},
    )
    return content
