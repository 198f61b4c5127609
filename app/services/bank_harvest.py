"""Harvest a completed questionnaire into the bank: drafts saved, proposals queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.config import Settings
from app.core.bank import render_detail
from app.core.harvest import Harvest, harvest_read, read_answered_rows
from app.core.matching import Matcher
from app.isolation import run_isolated
from app.models import BankEntry
from app.services import audit
from app.services import bank as bank_service
from app.services.bank_entries import (
    EntryExists,
    actor_name,
    apply_content,
    live_entries,
    reason_text,
)
from app.services.bank_proposals import queue_proposals


def harvest(
    *,
    db_session: Session,
    content: bytes,
    source_name: str,
    owner: str | None = None,
    settings: Settings | None = None,
) -> Harvest:
    """Harvest a completed questionnaire against the bank in the database (nothing is saved)."""
    return harvest_files(
        db_session=db_session, files=[(source_name, content)], owner=owner, settings=settings
    )


def harvest_files(
    *,
    db_session: Session,
    files: Sequence[tuple[str, bytes]],
    owner: str | None = None,
    settings: Settings | None = None,
) -> Harvest:
    """Harvest completed questionnaires together against the bank (nothing is saved)."""
    read = []
    for name, content in files:
        if settings is not None:
            # An uploaded workbook is parsed in a child process with a memory cap and a timeout.
            rows, unanswered = run_isolated(
                read_answered_rows,
                content,
                timeout=settings.parse_timeout_seconds,
                memory=settings.parse_memory_bytes,
            )
        else:
            rows, unanswered = read_answered_rows(content)
        read.append((name, rows, unanswered))
    entries = live_entries(db_session=db_session)
    all_ids = {r.id for r in bank_service.list_entries(db_session=db_session, include_retired=True)}
    result = harvest_read(
        read,
        bank={e.id: e for e in entries},
        matcher=Matcher(entries) if entries else None,
        owner=owner,
        profile=bank_service.profile(db_session=db_session),
    )
    clashing = [d.id for d in result.drafts if d.id in all_ids]
    if clashing:
        raise EntryExists(
            f"harvested id '{clashing[0]}' is taken by a retired entry; rename the file"
        )
    return result


@dataclass(frozen=True)
class SavedHarvest:
    """What saving a harvest stored: the new drafts and the proposals queued for review."""

    drafts: tuple[str, ...]
    queued: tuple[int, ...]
    # Proposals not queued: the same one waits or was dismissed already, or the statement has
    # the wording and the answer already.
    skipped: int
    updates_queued: tuple[int, ...] = ()


def save_harvest(
    *, db_session: Session, result: Harvest, source_name: str, actor: str
) -> SavedHarvest:
    """Store a harvest's drafts as new draft statements and queue its proposals for curators."""
    # Before reading what exists: two harvests saved at once neither add a statement twice nor
    # queue the same proposal twice.
    bank_service.lock_bank(db_session=db_session)
    profile = bank_service.profile(db_session=db_session)
    saved = []
    actor = actor_name(actor)
    # An update whose statement went away since the harvest was read is a draft of its own.
    updates = [u for u in result.updates if _live(db_session, u.entry_id)]
    orphaned = [u.draft for u in result.updates if u.draft is not None and u not in updates]
    for entry in (*result.drafts, *orphaned):
        if db_session.get(BankEntry, entry.id) is not None:
            continue
        render_detail(entry, profile)
        row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
        apply_content(row, entry)
        db_session.add(row)
        bank_service.save_version(
            db_session=db_session,
            row=row,
            actor=actor,
            reason=reason_text(f"harvested from {source_name}", "harvested"),
        )
        saved.append(entry.id)
    if saved:
        bank_service.bump_revision(db_session=db_session)
    queued = queue_proposals(
        db_session, proposals=result.alternates, source_name=source_name, actor=actor
    )
    queued_updates = queue_proposals(
        db_session, proposals=updates, source_name=source_name, actor=actor
    )
    skipped = len(result.alternates) + len(updates) - len(queued) - len(queued_updates)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="bank.harvest",
        target=source_name[:200],
        details={
            **result.counts(),
            "saved": len(saved),
            "proposals_queued": len(queued),
            "updates_queued": len(queued_updates),
            "proposals_skipped": skipped,
        },
    )
    return SavedHarvest(
        drafts=tuple(saved),
        queued=tuple(p.id for p in queued if p.id is not None),
        skipped=skipped,
        updates_queued=tuple(p.id for p in queued_updates if p.id is not None),
    )


def _live(db_session: Session, entry_id: str) -> bool:
    row = db_session.get(BankEntry, entry_id)
    return row is not None and row.status != "retired"
