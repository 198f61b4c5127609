"""Queue harvested wordings as proposed alternates and record a curator's decision on each."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.core.bank import same_wording
from app.core.detail_template import escape_template
from app.core.errors import BankError, VouchError
from app.core.harvest import AlternateProposal
from app.models import BankEntry, BankEntryVersion, ProposedAlternate, utcnow
from app.services import audit
from app.services import bank as bank_service
from app.services.bank_entries import (
    actor_name,
    add_alternate,
    create_entry,
    edit_entry,
    reason_text,
)

MAX_SOURCE = 500
PROPOSAL_STATUSES = ("pending", "accepted", "kept", "dismissed")
PROPOSAL_KINDS = ("alternate", "update")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class ProposalNotFound(VouchError):
    """No alternate proposal has the id asked for."""


class ProposalRefused(BankError):
    """The proposal cannot be decided: it was decided already, or its statement is gone."""


def wording_key(question: str) -> str:
    """Key a wording for the proposals index (a hash: a long question outgrows an index)."""
    return hashlib.sha256(same_wording(question).encode()).hexdigest()


def update_key(question: str, *, answer: str, detail: str) -> str:
    """Key an update by its wording and what it says: the same row harvested again is one proposal."""
    said = "\x00".join((same_wording(question), same_wording(answer), same_wording(detail)))
    return hashlib.sha256(said.encode()).hexdigest()


def _wording(question: str) -> str:
    return " ".join(question.split())


def _one_line(text: str) -> str:
    # A file name is whatever the uploader's browser sent; it ends up in a version's reason.
    return " ".join(_CONTROL_CHARS.sub(" ", text).split())


def proposal_source(source_name: str, proposal: AlternateProposal) -> str:
    """Name where a proposal came from: the file, its sheet and row, and the control id if any."""
    source = f"{proposal.source_file or source_name}!{proposal.source}"
    if proposal.control_id:
        source = f"{source} ({proposal.control_id})"
    return _one_line(source)[:MAX_SOURCE]


def queue_proposals(
    db_session: Session,
    *,
    proposals: Sequence[AlternateProposal],
    source_name: str,
    actor: str,
) -> list[ProposedAlternate]:
    """Queue harvested rows for curators, skipping those waiting, dismissed, or already known."""
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
        if proposal.kind == "update":
            key = update_key(wording, answer=proposal.answer, detail=proposal.detail)
            known: set[str] = set()
        else:
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
            kind=proposal.kind,
            draft=bank_service.snapshot(proposal.draft) if proposal.draft is not None else None,
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

    # The statement has never been approved (a starter draft): the harvested answer is the
    # company's own, so taking it is the proposed choice.
    never_approved: bool = False

    @property
    def take_by_default(self) -> bool:
        """Tell whether taking the harvested answer is the proposed choice for an update."""
        return self.proposal.kind == "update" and self.never_approved

    @property
    def answers_differ(self) -> bool:
        """Tell whether the harvested answer differs from the statement's current answer."""
        if self.entry is None:
            return not self.proposal.answers_agree
        return self.proposal.answer.casefold() != self.entry.answer.casefold()


def list_proposals(
    *, db_session: Session, status: str | None = "pending"
) -> list[ProposalWithEntry]:
    """List proposals in a status (all of them for None), oldest first, with their statements."""
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
    approved_once = _approved_once(db_session, [e for e in entries.values() if e.status == "draft"])
    return [
        ProposalWithEntry(
            proposal=p,
            entry=(entry := entries.get(p.entry_id)),
            never_approved=entry is not None
            and entry.status == "draft"
            and entry.id not in approved_once,
        )
        for p in proposals
    ]


def _approved_once(db_session: Session, drafts: Sequence[BankEntry]) -> set[str]:
    """Return which of these draft statements had an approved version at some point."""
    if not drafts:
        return set()
    versions = db_session.exec(
        select(BankEntryVersion.entry_id, BankEntryVersion.snapshot).where(
            col(BankEntryVersion.entry_id).in_([d.id for d in drafts])
        )
    )
    return {entry_id for entry_id, snapshot in versions if snapshot.get("status") == "approved"}


def _pending_proposal(db_session: Session, proposal_id: int) -> ProposedAlternate:
    # The bank's lock first, as every bank change takes it, then the proposal's row.
    bank_service.lock_bank(db_session=db_session)
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
    actor = actor_name(actor)
    before = row.version
    expected = row.version if expected_version is None else expected_version
    if proposal.kind == "update":
        return _take_update(db_session, proposal, row=row, expected_version=expected, actor=actor)
    updated = add_alternate(
        db_session=db_session,
        entry_id=proposal.entry_id,
        expected_version=expected,
        question=proposal.question,
        actor=actor,
        reason=reason_text(f"alternate harvested from {proposal.source}", "harvested alternate"),
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


def _take_update(
    db_session: Session,
    proposal: ProposedAlternate,
    *,
    row: BankEntry,
    expected_version: int,
    actor: str,
) -> ProposedAlternate:
    """Make the harvested answer and detail the statement's new version, with its wording."""
    changes: dict[str, Any] = {"answer": proposal.answer}
    if proposal.detail:
        # Customer text is not a template: it renders as written.
        changes["detail"] = escape_template(proposal.detail)
    elif proposal.answer.casefold() != row.answer.casefold():
        # The old detail explains the old answer; it must not stand beside a new one.
        changes["detail"] = ""
    known = {same_wording(text) for text in (row.question, *row.alternates)}
    if same_wording(proposal.question) not in known:
        changes["alternates"] = [*row.alternates, proposal.question]
    before = {"answer": row.answer, "detail": row.detail, "version": row.version}
    updated = edit_entry(
        db_session=db_session,
        entry_id=row.id,
        expected_version=expected_version,
        changes=changes,
        actor=actor,
        reason=reason_text(f"answer harvested from {proposal.source}", "harvested answer"),
    )
    _decide(
        db_session,
        proposal,
        status="accepted",
        action="bank.proposal.take",
        actor=actor,
        details={"version": updated.version, "before": before, "answer": proposal.answer},
    )
    return proposal


def keep_entry(*, db_session: Session, proposal_id: int, actor: str) -> ProposedAlternate:
    """Leave an update's statement as it is and save the harvested row as a draft of its own."""
    proposal = _pending_proposal(db_session, proposal_id)
    if proposal.kind != "update" or proposal.draft is None:
        raise ProposalRefused(
            f"proposal {proposal_id} is an alternate wording: accept or dismiss it"
        )
    actor = actor_name(actor)
    fields = {k: v for k, v in proposal.draft.items() if k != "version"}
    fields["id"] = _free_id(db_session, str(fields.get("id") or f"harvest-{proposal_id}"))
    created = create_entry(
        db_session=db_session,
        fields=fields,
        actor=actor,
        reason=f"harvested from {proposal.source}; {proposal.entry_id} kept as it is",
    )
    _decide(
        db_session,
        proposal,
        status="kept",
        action="bank.proposal.keep",
        actor=actor,
        details={"draft": created.id},
    )
    return proposal


def _free_id(db_session: Session, wanted: str) -> str:
    """Return the draft's id, or the first numbered form of it that no statement has."""
    candidate, n = wanted, 2
    while db_session.get(BankEntry, candidate) is not None:
        candidate = f"{wanted[:72]}-{n}"
        n += 1
    return candidate


def dismiss_proposal(
    *, db_session: Session, proposal_id: int, actor: str, reason: str | None = None
) -> ProposedAlternate:
    """Set a pending proposal aside without changing its statement."""
    proposal = _pending_proposal(db_session, proposal_id)
    actor = actor_name(actor)
    _decide(
        db_session,
        proposal,
        status="dismissed",
        action="bank.proposal.dismiss",
        actor=actor,
        details={"reason": reason_text(reason, "dismissed")},
    )
    return proposal
