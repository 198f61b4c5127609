"""Edit the answer bank's statements as versions: create, edit, approve, retire, restore, search."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, select

from app.core.bank import (
    CONTENT_FIELDS,
    ENTRY_ID_PATTERN,
    STATUSES,
    Entry,
    check_text,
    parse_entry,
    render_detail,
    same_wording,
)
from app.core.errors import BankError, VouchError
from app.models import BankEntry, BankEntryVersion
from app.services import audit
from app.services import bank as bank_service
from app.services.bank_conflicts import close_pairs
from app.services.bank_freshness import is_stale

MAX_REASON = 500


class EntryNotFound(VouchError):
    """No statement has the id asked for."""


class EntryExists(VouchError):
    """A statement with that id exists already."""


class StaleEdit(VouchError):
    """The edit was made against an older version than the current one; nothing was saved."""

    def __init__(self, row: BankEntry, expected: int) -> None:
        super().__init__(
            f"entry {row.id} is at version {row.version}, not {expected}: "
            f"{row.updated_by} changed it; review their version and apply your change again"
        )
        # A copy, since the transaction that read the row is rolled back.
        self.current = bank_service.to_entry(row)
        self.updated_by = row.updated_by
        self.updated_at = row.updated_at
        self.expected = expected


def reason_text(text: str | None, fallback: str) -> str:
    """Make a one-line, checked reason for a version or an audit event."""
    reason = " ".join((text or "").split()) or fallback
    return check_text(reason, where="reason")[:MAX_REASON]


def actor_name(actor: str) -> str:
    """Cut an actor name to what the version and audit tables hold."""
    return actor[:64]


def _validated(raw: Mapping[str, Any], *, profile: Mapping[str, Any]) -> Entry:
    """Build an entry from curator input with the bank file rules, and check its detail renders."""
    entry = parse_entry(dict(raw), where="entry")
    if entry.owner is not None:
        check_text(entry.owner, where=f"entry {entry.id}: field 'owner'")
    for scheme, ref in entry.refs.items():
        check_text(f"{scheme}{ref}", where=f"entry {entry.id}: field 'refs'")
    render_detail(entry, profile)
    return entry


def _raw_of(entry: Entry) -> dict[str, Any]:
    data = bank_service.snapshot(entry)
    data.pop("version")
    return data


def apply_content(row: BankEntry, entry: Entry) -> None:
    """Copy an entry's content fields onto its table row."""
    for name in CONTENT_FIELDS:
        value = getattr(entry, name)
        if name in ("alternates", "tags"):
            value = list(value)
        elif name == "refs":
            value = dict(value)
        setattr(row, name, value)


def locked_row(db_session: Session, entry_id: str) -> BankEntry:
    """Lock the bank, then read a statement's row for update, or raise EntryNotFound."""
    # Locks the rows on PostgreSQL; SQLite write transactions already hold the database lock
    # (BEGIN IMMEDIATE), so the version read here cannot move before the commit.
    bank_service.lock_bank(db_session=db_session)
    row = db_session.exec(
        select(BankEntry)
        .where(BankEntry.id == entry_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise EntryNotFound(f"no entry '{entry_id}'")
    return row


def record_change(
    db_session: Session,
    *,
    row: BankEntry,
    before: dict[str, Any] | None,
    actor: str,
    reason: str,
    action: str,
) -> None:
    """Save the row's new version, bump the bank revision and audit the change."""
    bank_service.save_version(db_session=db_session, row=row, actor=actor, reason=reason)
    bank_service.bump_revision(db_session=db_session)
    audit.record(
        db_session=db_session,
        actor=actor,
        action=action,
        target=row.id,
        details={
            "version": row.version,
            "reason": reason,
            "before": before,
            "after": bank_service.snapshot(bank_service.to_entry(row)),
        },
    )


def create_entry(
    *,
    db_session: Session,
    fields: Mapping[str, Any],
    actor: str,
    reason: str | None = None,
) -> BankEntry:
    """Add a new statement (a draft unless said otherwise) as its version 1."""
    raw = {k: v for k, v in fields.items() if k in (*CONTENT_FIELDS, "id")}
    raw.setdefault("status", "draft")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ENTRY_ID_PATTERN.match(entry_id):
        raise BankError(
            f"field 'id' must be letters, digits, '.', '_', '&' or '-' (got {entry_id!r})"
        )
    # Under the bank's lock, so a twin creation waits and then finds this one.
    bank_service.lock_bank(db_session=db_session)
    if db_session.get(BankEntry, entry_id) is not None:
        raise EntryExists(f"an entry with id '{entry_id}' exists already")
    entry = _validated(raw, profile=bank_service.profile(db_session=db_session))
    actor = actor_name(actor)
    row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
    apply_content(row, entry)
    db_session.add(row)
    record_change(
        db_session,
        row=row,
        before=None,
        actor=actor,
        reason=reason_text(reason, "created"),
        action="bank.create",
    )
    return row


def edit_entry(
    *,
    db_session: Session,
    entry_id: str,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: str,
    reason: str | None = None,
) -> BankEntry:
    """Save changes as a new version, only if the entry is still at the version the editor saw."""
    row = locked_row(db_session, entry_id)
    if row.version != expected_version:
        raise StaleEdit(row, expected_version)
    current = bank_service.to_entry(row)
    raw = _raw_of(current)
    unknown = sorted(set(changes) - set(CONTENT_FIELDS))
    if unknown:
        raise BankError(f"entry {entry_id}: field '{unknown[0]}' cannot be edited")
    raw.update(changes)
    raw["id"] = entry_id
    entry = _validated(raw, profile=bank_service.profile(db_session=db_session))
    if _raw_of(entry) == _raw_of(current):
        return row
    before = bank_service.snapshot(current)
    apply_content(row, entry)
    bank_service.next_version(row, actor=actor_name(actor))
    db_session.add(row)
    record_change(
        db_session,
        row=row,
        before=before,
        actor=actor_name(actor),
        reason=reason_text(reason, "edited"),
        action="bank.edit",
    )
    return row


def approve_entry(
    *,
    db_session: Session,
    entry_id: str,
    expected_version: int,
    actor: str,
    reason: str | None = None,
    today: date | None = None,
) -> BankEntry:
    """Approve a statement as reviewed today, so it may auto-fill."""
    return edit_entry(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=expected_version,
        changes={"status": "approved", "reviewed": today or date.today()},
        actor=actor,
        reason=reason or "approved",
    )


def retire_entry(
    *,
    db_session: Session,
    entry_id: str,
    expected_version: int,
    actor: str,
    reason: str | None = None,
) -> BankEntry:
    """Retire a statement: it stays in history but is never matched again."""
    return edit_entry(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=expected_version,
        changes={"status": "retired"},
        actor=actor,
        reason=reason or "retired",
    )


def restore_version(
    *,
    db_session: Session,
    entry_id: str,
    version: int,
    expected_version: int,
    actor: str,
    reason: str | None = None,
) -> BankEntry:
    """Bring back an earlier version's content as a new version."""
    old = db_session.exec(
        select(BankEntryVersion).where(
            BankEntryVersion.entry_id == entry_id, BankEntryVersion.version == version
        )
    ).first()
    if old is None:
        raise EntryNotFound(f"entry '{entry_id}' has no version {version}")
    changes = {k: v for k, v in old.snapshot.items() if k in CONTENT_FIELDS}
    return edit_entry(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=expected_version,
        changes=changes,
        actor=actor,
        reason=f"restored version {version}: {reason}" if reason else f"restored version {version}",
    )


def add_alternate(
    *,
    db_session: Session,
    entry_id: str,
    expected_version: int,
    question: str,
    actor: str,
    reason: str | None = None,
) -> BankEntry:
    """Add another wording of a statement's question, as a new version."""
    row = locked_row(db_session, entry_id)
    wording = " ".join(question.split())
    if not wording:
        raise BankError("the alternate question is empty")
    known = {same_wording(row.question), *(same_wording(a) for a in row.alternates)}
    alternates = list(row.alternates)
    if same_wording(wording) not in known:
        alternates.append(wording)
    return edit_entry(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=expected_version,
        changes={"alternates": alternates},
        actor=actor,
        reason=reason or "added an alternate wording",
    )


def approve_drafts(
    *,
    db_session: Session,
    actor: str,
    entry_ids: Sequence[str] | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> list[str]:
    """Approve drafts in bulk (all of them, or those named), each as a recorded version."""
    statement = select(BankEntry.id).where(BankEntry.status == "draft").order_by(BankEntry.id)
    drafts = list(db_session.exec(statement))
    if entry_ids is not None:
        wanted = set(entry_ids)
        drafts = [d for d in drafts if d in wanted]
    approved = []
    for entry_id in drafts:
        row = locked_row(db_session, entry_id)
        approve_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=row.version,
            actor=actor,
            reason=reason or "approved in bulk after reading the starter set",
            today=today,
        )
        approved.append(entry_id)
    return approved


def search(
    *,
    db_session: Session,
    query: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    owner: str | None = None,
    stale: bool = False,
    conflicts: bool = False,
    today: date | None = None,
    default_review_days: int | None = None,
) -> list[BankEntry]:
    """Search statements by text (question, alternates, answer, tags, refs) and filters."""
    today = today or date.today()
    rows = bank_service.list_entries(
        db_session=db_session, query=query, status=status if status in STATUSES else None
    )
    if tag:
        rows = [r for r in rows if tag.casefold() in (t.casefold() for t in r.tags)]
    if owner:
        rows = [r for r in rows if (r.owner or "").casefold() == owner.casefold()]
    if stale:
        rows = [
            r
            for r in rows
            if is_stale(
                bank_service.to_entry(r), today=today, default_review_days=default_review_days
            )
        ]
    if conflicts:
        involved = {
            entry_id
            for pair in close_pairs(live_entries(db_session=db_session))
            if pair.conflicting
            for entry_id in (pair.first.id, pair.second.id)
        }
        rows = [r for r in rows if r.id in involved]
    return rows


def live_entries(*, db_session: Session) -> list[Entry]:
    """Return every statement that is not retired, as core entries."""
    return [bank_service.to_entry(r) for r in bank_service.list_entries(db_session=db_session)]
