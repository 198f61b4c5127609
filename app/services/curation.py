"""Curating the answer bank: versioned edits, approval, freshness, conflicts, variables, proposed alternates, moving text in and out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from app.config import Settings
from app.core.bank import (
    CONTENT_FIELDS,
    ENTRY_ID_PATTERN,
    STATUSES,
    Bank,
    Entry,
    check_text,
    load_bank,
    parse_entry,
    render_detail,
    same_wording,
)
from app.core.bank_io import EntryChange, diff_banks, dump_entries, export_csv, export_xlsx
from app.core.errors import BankError, UnreadableWorkbook, VouchError
from app.core.harvest import AlternateProposal, Harvest, harvest_rows, read_answered_rows
from app.core.matching import Match, Matcher, Thresholds
from app.isolation import run_isolated
from app.models import BankEntry, BankEntryVersion, ProfileVariable, ProposedAlternate, utcnow
from app.services import audit
from app.services import bank as bank_service

FRESHNESS_HORIZON_DAYS = 30
# Two statements whose questions score this close against each other ask the same thing;
# the matcher's calibrated auto threshold is where it is sure two wordings mean one question.
CLOSE_PAIR_SCORE = 0.60
CLOSE_PAIR_NEIGHBOURS = 4
MAX_REASON = 500
MAX_VARIABLE_NAME = 64
MAX_SOURCE = 500
PROPOSAL_STATUSES = ("pending", "accepted", "dismissed")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class EntryNotFound(VouchError):
    """No statement has the id asked for."""


class EntryExists(VouchError):
    """A statement with that id exists already."""


class ProposalNotFound(VouchError):
    """No alternate proposal has the id asked for."""


class ProposalRefused(BankError):
    """The proposal cannot be decided: it was decided already, or its statement is gone."""


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


def _reason(text: str | None, fallback: str) -> str:
    reason = " ".join((text or "").split()) or fallback
    return check_text(reason, where="reason")[:MAX_REASON]


def _actor(actor: str) -> str:
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


def _apply(row: BankEntry, entry: Entry) -> None:
    for name in CONTENT_FIELDS:
        value = getattr(entry, name)
        if name in ("alternates", "tags"):
            value = list(value)
        elif name == "refs":
            value = dict(value)
        setattr(row, name, value)


def _locked_row(db_session: Session, entry_id: str) -> BankEntry:
    # Locks the row on PostgreSQL; SQLite write transactions already hold the database lock
    # (BEGIN IMMEDIATE), so the version read here cannot move before the commit.
    row = db_session.exec(
        select(BankEntry)
        .where(BankEntry.id == entry_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise EntryNotFound(f"no entry '{entry_id}'")
    return row


def _record_change(
    db_session: Session,
    *,
    row: BankEntry,
    before: dict[str, Any] | None,
    actor: str,
    reason: str,
    action: str,
) -> None:
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
    if db_session.get(BankEntry, entry_id) is not None:
        raise EntryExists(f"an entry with id '{entry_id}' exists already")
    entry = _validated(raw, profile=bank_service.profile(db_session=db_session))
    actor = _actor(actor)
    row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
    _apply(row, entry)
    db_session.add(row)
    _record_change(
        db_session,
        row=row,
        before=None,
        actor=actor,
        reason=_reason(reason, "created"),
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
    row = _locked_row(db_session, entry_id)
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
    _apply(row, entry)
    bank_service.next_version(row, actor=_actor(actor))
    db_session.add(row)
    _record_change(
        db_session,
        row=row,
        before=before,
        actor=_actor(actor),
        reason=_reason(reason, "edited"),
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
    row = _locked_row(db_session, entry_id)
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
        row = _locked_row(db_session, entry_id)
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


def _is_stale(entry: Entry, *, today: date, default_review_days: int | None) -> bool:
    return entry.is_stale(today=today, default_review_days=default_review_days)


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
            if _is_stale(
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


@dataclass(frozen=True)
class FreshnessItem:
    """A statement that is stale or due for review soon."""

    entry: Entry
    due: date
    stale: bool
    days_left: int


@dataclass(frozen=True)
class OwnerFreshness:
    """What one owner has to review."""

    owner: str
    items: tuple[FreshnessItem, ...]


def freshness(
    entries: Sequence[Entry],
    *,
    today: date,
    default_review_days: int | None,
    horizon_days: int = FRESHNESS_HORIZON_DAYS,
) -> list[OwnerFreshness]:
    """List statements that are stale or due within the horizon, grouped by owner, soonest first."""
    horizon = today + timedelta(days=horizon_days)
    by_owner: dict[str, list[FreshnessItem]] = {}
    for entry in entries:
        if entry.status == "retired":
            continue
        due = entry.review_due(default_review_days=default_review_days)
        if due is None or due > horizon:
            continue
        item = FreshnessItem(
            entry=entry,
            due=due,
            stale=_is_stale(entry, today=today, default_review_days=default_review_days),
            days_left=(due - today).days,
        )
        by_owner.setdefault(entry.owner or "(no owner)", []).append(item)
    return [
        OwnerFreshness(owner=owner, items=tuple(sorted(items, key=lambda i: (i.due, i.entry.id))))
        for owner, items in sorted(by_owner.items())
    ]


def never_reviewed(entries: Sequence[Entry]) -> list[Entry]:
    """List live statements with no review date, which freshness cannot judge."""
    return [e for e in entries if e.status != "retired" and e.reviewed is None]


@dataclass(frozen=True)
class ClosePair:
    """Two statements whose questions match each other closely."""

    first: Entry
    second: Entry
    score: float
    conflicting: bool = field(default=False)


def close_pairs(
    entries: Sequence[Entry], *, threshold: float = CLOSE_PAIR_SCORE
) -> list[ClosePair]:
    """Find statements asking the same question: a conflict when answers differ, else a duplicate."""
    live = [e for e in entries if e.status != "retired"]
    if len(live) < 2:
        return []
    matcher = Matcher(live, thresholds=Thresholds(auto=1.0, suggest=0.0))
    by_id = {e.id: e for e in live}
    queries: list[tuple[str, str | None]] = []
    owners: list[str] = []
    for entry in live:
        for text in (entry.question, *entry.alternates):
            queries.append((text, None))
            owners.append(entry.id)
    best: dict[tuple[str, str], float] = {}
    for source, matches in zip(
        owners, matcher.match_many(queries, top=CLOSE_PAIR_NEIGHBOURS), strict=True
    ):
        for match in matches:
            if match.entry_id == source or match.score < threshold:
                continue
            if _scope_differs(match):
                continue
            key = (min(source, match.entry_id), max(source, match.entry_id))
            best[key] = max(best.get(key, 0.0), match.score)
    pairs = []
    for (a, b), score in best.items():
        first, second = by_id[a], by_id[b]
        differs = first.answer.casefold() != second.answer.casefold()
        pairs.append(ClosePair(first=first, second=second, score=score, conflicting=differs))
    return sorted(pairs, key=lambda p: (not p.conflicting, -p.score, p.first.id, p.second.id))


def _scope_differs(match: Match) -> bool:
    # The matcher's guards see a different scope (another policy domain, frequency, party):
    # the wordings are alike but ask different things. Its rival guard ("entry X matches as
    # well and answers differently") is the very conflict looked for, so it does not count.
    guard = match.explanation.guard
    return guard is not None and not guard.startswith("entry ")


VariableValue = str | int | float | bool | list[str | int | float | bool] | None


def _check_variable(name: str, value: Any) -> None:
    if not name or len(name) > MAX_VARIABLE_NAME or not name.isidentifier():
        raise BankError(
            f"variable name {name[:80]!r} must be letters, digits and '_', starting with a letter"
        )
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is not None and not isinstance(item, str | int | float | bool):
            raise BankError(f"variable {name}: each value must be text, a number or a list of them")
        if isinstance(item, str):
            check_text(item, where=f"variable {name}")


def set_variable(
    *, db_session: Session, name: str, value: VariableValue, actor: str
) -> ProfileVariable:
    """Change a profile variable, refusing a value that would break any statement's detail."""
    _check_variable(name, value)
    current = bank_service.profile(db_session=db_session)
    _check_renders(db_session, {**current, name: value})
    variable = db_session.get(ProfileVariable, name) or ProfileVariable(name=name, value=None)
    before = variable.value if name in current else None
    variable.value = value
    db_session.add(variable)
    bank_service.bump_revision(db_session=db_session)
    audit.record(
        db_session=db_session,
        actor=_actor(actor),
        action="bank.variable",
        target=name,
        details={"before": before, "after": value},
    )
    return variable


def delete_variable(*, db_session: Session, name: str, actor: str) -> None:
    """Remove a profile variable, unless some statement's detail still uses it."""
    variable = db_session.get(ProfileVariable, name)
    if variable is None:
        raise EntryNotFound(f"no variable '{name}'")
    profile = bank_service.profile(db_session=db_session)
    profile.pop(name, None)
    _check_renders(db_session, profile)
    before = variable.value
    db_session.delete(variable)
    bank_service.bump_revision(db_session=db_session)
    audit.record(
        db_session=db_session,
        actor=_actor(actor),
        action="bank.variable",
        target=name,
        details={"before": before, "after": None},
    )


def _check_renders(db_session: Session, profile: Mapping[str, Any]) -> None:
    for entry in live_entries(db_session=db_session):
        render_detail(entry, profile)


def preview(entry: Entry, profile: Mapping[str, Any]) -> tuple[str, str | None]:
    """Render a detail for display: the text, or an empty text and the reason it cannot render."""
    try:
        return render_detail(entry, profile), None
    except BankError as exc:
        return "", str(exc)


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
    current = {
        r.id: bank_service.to_entry(r)
        for r in bank_service.list_entries(db_session=db_session, include_retired=True)
    }
    plan = diff_banks(current, bank.entries)
    merged_profile = {**bank_service.profile(db_session=db_session), **bank.profile}
    for entry in bank.entries:
        render_detail(entry, merged_profile)
    actor = _actor(actor)
    for entry in plan.added:
        row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
        _apply(row, entry)
        db_session.add(row)
        _record_change(
            db_session, row=row, before=None, actor=actor, reason=reason, action="bank.import"
        )
    to_apply = list(plan.changed) + (list(plan.conflicting) if accept_conflicting else [])
    for change in to_apply:
        row = _locked_row(db_session, change.current.id)
        before = bank_service.snapshot(change.current)
        _apply(row, change.incoming)
        bank_service.next_version(row, actor=actor)
        db_session.add(row)
        _record_change(
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
        actor=_actor(actor),
        action="bank.export",
        details={"format": kind, "entries": len(entries)},
    )
    return content


def harvest(
    *,
    db_session: Session,
    content: bytes,
    source_name: str,
    owner: str | None = None,
    settings: Settings | None = None,
) -> Harvest:
    """Harvest a completed questionnaire against the bank in the database (nothing is saved)."""
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
    if not rows:
        raise UnreadableWorkbook(f"{source_name}: no answered questions found to harvest")
    entries = live_entries(db_session=db_session)
    all_ids = {r.id for r in bank_service.list_entries(db_session=db_session, include_retired=True)}
    result = harvest_rows(
        rows,
        source_name=source_name,
        bank={e.id: e for e in entries},
        matcher=Matcher(entries) if entries else None,
        owner=owner,
        unanswered_rows=unanswered,
    )
    clashing = [d.id for d in result.drafts if d.id in all_ids]
    if clashing:
        raise EntryExists(
            f"harvested id '{clashing[0]}' is taken by a retired entry; rename the file"
        )
    return result


@dataclass(frozen=True)
class SavedHarvest:
    """What saving a harvest stored: the new drafts and the alternate proposals queued for review."""

    drafts: tuple[str, ...]
    queued: tuple[int, ...]
    # Proposals not queued: the same wording waits already, or the statement has it.
    skipped: int


def save_harvest(
    *, db_session: Session, result: Harvest, source_name: str, actor: str
) -> SavedHarvest:
    """Store a harvest's drafts as new draft statements and queue its alternate proposals."""
    profile = bank_service.profile(db_session=db_session)
    saved = []
    actor = _actor(actor)
    for entry in result.drafts:
        if db_session.get(BankEntry, entry.id) is not None:
            continue
        render_detail(entry, profile)
        row = BankEntry(id=entry.id, question="", answer="", version=1, updated_by=actor)
        _apply(row, entry)
        db_session.add(row)
        bank_service.save_version(
            db_session=db_session,
            row=row,
            actor=actor,
            reason=_reason(f"harvested from {source_name}", "harvested"),
        )
        saved.append(entry.id)
    if saved:
        bank_service.bump_revision(db_session=db_session)
    queued = _queue_proposals(
        db_session, proposals=result.alternates, source_name=source_name, actor=actor
    )
    skipped = len(result.alternates) - len(queued)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="bank.harvest",
        target=source_name[:200],
        details={
            **result.counts(),
            "saved": len(saved),
            "proposals_queued": len(queued),
            "proposals_skipped": skipped,
        },
    )
    return SavedHarvest(
        drafts=tuple(saved), queued=tuple(p.id for p in queued if p.id is not None), skipped=skipped
    )


def wording_key(question: str) -> str:
    """Key a wording for the proposals index (a hash: a long question outgrows an index)."""
    return hashlib.sha256(same_wording(question).encode()).hexdigest()


def _wording(question: str) -> str:
    return " ".join(question.split())


def _one_line(text: str) -> str:
    # A file name is whatever the uploader's browser sent; it ends up in a version's reason.
    return " ".join(_CONTROL_CHARS.sub(" ", text).split())


def proposal_source(source_name: str, proposal: AlternateProposal) -> str:
    """Name where a proposal came from: the file, its sheet and row, and the control id if any."""
    source = f"{source_name}!{proposal.source}"
    if proposal.control_id:
        source = f"{source} ({proposal.control_id})"
    return _one_line(source)[:MAX_SOURCE]


def _queue_proposals(
    db_session: Session,
    *,
    proposals: Sequence[AlternateProposal],
    source_name: str,
    actor: str,
) -> list[ProposedAlternate]:
    # Pending ones wait for a curator; a dismissed one was judged, and a curator should not be
    # asked again each time another questionnaire words a question that way.
    waiting = {
        (entry_id, key)
        for entry_id, key in db_session.exec(
            select(ProposedAlternate.entry_id, ProposedAlternate.question_key).where(
                ProposedAlternate.status.in_(("pending", "dismissed"))  # type: ignore[attr-defined]
            )
        )
    }
    queued = []
    for proposal in proposals:
        row = db_session.get(BankEntry, proposal.entry_id)
        wording = _wording(proposal.question)
        if row is None or row.status == "retired" or not wording:
            continue
        key = wording_key(wording)
        known = {wording_key(text) for text in (row.question, *row.alternates)}
        if key in known or (row.id, key) in waiting:
            continue
        waiting.add((row.id, key))
        stored = ProposedAlternate(
            entry_id=row.id,
            question=wording,
            question_key=key,
            answer=proposal.answer,
            detail=proposal.detail,
            score=round(proposal.score, 4),
            answers_agree=proposal.answers_agree,
            source=proposal_source(source_name, proposal),
            created_by=actor,
        )
        db_session.add(stored)
        queued.append(stored)
    if queued:
        db_session.flush()
    return queued


@dataclass(frozen=True)
class ProposalWithEntry:
    """A proposed alternate beside the statement it is for, as that statement is now."""

    proposal: ProposedAlternate
    entry: BankEntry | None

    @property
    def acceptable(self) -> bool:
        """Tell whether the statement can still take the wording (it exists and is not retired)."""
        return self.entry is not None and self.entry.status != "retired"

    @property
    def answers_differ(self) -> bool:
        """Tell whether the harvested answer differs from the statement's current answer."""
        if self.entry is None:
            return not self.proposal.answers_agree
        return self.proposal.answer.casefold() != self.entry.answer.casefold()


def list_proposals(
    *, db_session: Session, status: str | None = "pending"
) -> list[ProposalWithEntry]:
    """List alternate proposals in a status (all of them for None), oldest first, with their statements."""
    statement = select(ProposedAlternate).order_by(col(ProposedAlternate.id))
    if status is not None:
        if status not in PROPOSAL_STATUSES:
            raise BankError(f"no proposal status '{status}'; use {', '.join(PROPOSAL_STATUSES)}")
        statement = statement.where(ProposedAlternate.status == status)
    proposals = list(db_session.exec(statement))
    ids = {p.entry_id for p in proposals}
    entries = {
        row.id: row for row in db_session.exec(select(BankEntry).where(col(BankEntry.id).in_(ids)))
    }
    return [ProposalWithEntry(proposal=p, entry=entries.get(p.entry_id)) for p in proposals]


def _pending_proposal(db_session: Session, proposal_id: int) -> ProposedAlternate:
    proposal = db_session.exec(
        select(ProposedAlternate)
        .where(ProposedAlternate.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if proposal is None:
        raise ProposalNotFound(f"no alternate proposal {proposal_id}")
    if proposal.status != "pending":
        raise ProposalRefused(
            f"proposal {proposal_id} was {proposal.status} already by {proposal.decided_by}"
        )
    return proposal


def _decide(
    db_session: Session,
    proposal: ProposedAlternate,
    *,
    status: str,
    action: str,
    actor: str,
    details: dict[str, Any],
) -> None:
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = utcnow()
    db_session.add(proposal)
    audit.record(
        db_session=db_session,
        actor=actor,
        action=action,
        target=proposal.entry_id,
        details={
            "proposal": proposal.id,
            "question": proposal.question,
            "source": proposal.source,
            **details,
        },
    )


def accept_proposal(
    *,
    db_session: Session,
    proposal_id: int,
    actor: str,
    expected_version: int | None = None,
) -> ProposedAlternate:
    """Add a pending proposal's wording to its statement as a new version, and mark it accepted."""
    proposal = _pending_proposal(db_session, proposal_id)
    row = db_session.get(BankEntry, proposal.entry_id)
    if row is None:
        raise ProposalRefused(
            f"entry '{proposal.entry_id}' no longer exists; dismiss proposal {proposal_id}"
        )
    if row.status == "retired":
        raise ProposalRefused(
            f"entry '{proposal.entry_id}' is retired; dismiss proposal {proposal_id} "
            "or bring the entry back first"
        )
    actor = _actor(actor)
    before = row.version
    updated = add_alternate(
        db_session=db_session,
        entry_id=proposal.entry_id,
        expected_version=row.version if expected_version is None else expected_version,
        question=proposal.question,
        actor=actor,
        reason=_reason(f"alternate harvested from {proposal.source}", "harvested alternate"),
    )
    _decide(
        db_session,
        proposal,
        status="accepted",
        action="bank.proposal.accept",
        actor=actor,
        # The statement may have taken the wording some other way since it was proposed.
        details={"version": updated.version, "added": updated.version != before},
    )
    return proposal


def dismiss_proposal(
    *, db_session: Session, proposal_id: int, actor: str, reason: str | None = None
) -> ProposedAlternate:
    """Set a pending proposal aside without changing its statement."""
    proposal = _pending_proposal(db_session, proposal_id)
    actor = _actor(actor)
    _decide(
        db_session,
        proposal,
        status="dismissed",
        action="bank.proposal.dismiss",
        actor=actor,
        details={"reason": _reason(reason, "dismissed")},
    )
    return proposal
