"""Harvest's proposals on SQLite and PostgreSQL: queued once, then taken, kept or dismissed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from app.core.errors import BankError
from app.db import Database
from app.models import AuditEvent, BankEntry, BankState, ProposedAlternate
from app.services import bank as bank_service
from app.services import bank_entries, bank_harvest, bank_proposals
from tests.core.test_harvest import completed_workbook

WORDING = "Is MFA enforced for all administrator accounts?"


VENDOR = completed_workbook(
    [
        ("Q-1", WORDING, "Yes", ""),
        ("Q-2", "Do you keep a register of every sub-processor?", "Yes", ""),
    ]
)
# The same question, answered otherwise: an update of the entry, not another wording of it.
DIFFERENT = completed_workbook([("Q-1", WORDING, "No", "Only for the production console.")])


@pytest.fixture
def db(database: Database) -> Database:
    with database.session(write=True) as s:
        s.add(BankState(id=1, revision=0))
        bank_entries.create_entry(
            db_session=s,
            fields={
                "id": "IAM-MFA-01",
                "question": "Is multi-factor authentication enforced for administrators?",
                "answer": "Yes",
                "status": "approved",
            },
            actor="test",
        )
    return database


def harvest(
    db: Database, content: bytes = VENDOR, name: str = "vendor.xlsx"
) -> bank_harvest.SavedHarvest:
    with db.session(write=True) as s:
        result = bank_harvest.harvest(db_session=s, content=content, source_name=name)
        return bank_harvest.save_harvest(
            db_session=s, result=result, source_name=name, actor="carol"
        )


def pending(db: Database) -> list[ProposedAlternate]:
    with db.session() as s:
        return [item.proposal for item in bank_proposals.list_proposals(db_session=s)]


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_saving_a_harvest_queues_its_alternate_proposals_as_pending(db: Database) -> None:
    saved = harvest(db)
    assert len(saved.drafts) == 1 and len(saved.queued) == 1 and saved.skipped == 0
    (proposal,) = pending(db)
    assert proposal.id == saved.queued[0]
    assert (proposal.entry_id, proposal.question, proposal.answer) == ("IAM-MFA-01", WORDING, "Yes")
    assert proposal.kind == "alternate" and proposal.draft is None
    assert proposal.answers_agree and proposal.score >= 0.6
    assert proposal.source == "vendor.xlsx!Questions!2 (Q-1)"
    assert (proposal.status, proposal.created_by, proposal.decided_by) == ("pending", "carol", None)
    (event,) = events(db, "bank.harvest")
    assert event.details["proposals_queued"] == 1 and event.details["alternates"] == 1


def test_a_second_harvest_does_not_queue_the_same_pending_wording_again(db: Database) -> None:
    harvest(db)
    again = completed_workbook(
        [("Z-9", "IS MFA ENFORCED FOR ALL  ADMINISTRATOR ACCOUNTS?", "Yes", "")]
    )
    saved = harvest(db, again, name="other.xlsx")
    assert saved.queued == () and saved.skipped == 1
    assert [p.source for p in pending(db)] == ["vendor.xlsx!Questions!2 (Q-1)"]
    # The first harvest's draft is in the bank now: its own wording is nothing to propose.
    assert harvest(db).queued == ()
    assert len(pending(db)) == 1


def test_accepting_adds_the_wording_as_a_new_version_and_is_audited(db: Database) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        bank_proposals.accept_proposal(
            db_session=s, proposal_id=proposal_id, actor="dave", expected_version=1
        )
    with db.session() as s:
        entry = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
        versions = bank_service.history(db_session=s, entry_id="IAM-MFA-01")
        (accepted,) = [
            i.proposal for i in bank_proposals.list_proposals(db_session=s, status="accepted")
        ]
    assert entry is not None and entry.version == 2 and entry.alternates == [WORDING]
    assert entry.answer == "Yes"
    assert versions[0].changed_by == "dave"
    assert versions[0].reason == "alternate harvested from vendor.xlsx!Questions!2 (Q-1)"
    assert (accepted.status, accepted.decided_by) == ("accepted", "dave")
    assert accepted.decided_at is not None and pending(db) == []
    (event,) = events(db, "bank.proposal.accept")
    assert event.target == "IAM-MFA-01" and event.actor == "dave"
    assert event.details["proposal"] == proposal_id and event.details["version"] == 2
    assert event.details["added"] is True


def test_dismissing_leaves_the_entry_as_it_was_and_is_audited(db: Database) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        bank_proposals.dismiss_proposal(
            db_session=s, proposal_id=proposal_id, actor="dave", reason="scope is consoles only"
        )
    with db.session() as s:
        entry = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
        (dismissed,) = bank_proposals.list_proposals(db_session=s, status="dismissed")
    assert entry is not None and entry.version == 1 and entry.alternates == []
    assert (dismissed.proposal.status, dismissed.proposal.decided_by) == ("dismissed", "dave")
    (event,) = events(db, "bank.proposal.dismiss")
    assert event.details["reason"] == "scope is consoles only"
    # A dismissed wording is not proposed again for that entry by a later harvest.
    later = harvest(db, name="later.xlsx")
    # Skipped: the dismissed wording, and the first harvest's draft matching its own question.
    assert later.queued == () and later.skipped == 2
    assert pending(db) == []


def test_a_decided_proposal_cannot_be_decided_again(db: Database) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        bank_proposals.accept_proposal(db_session=s, proposal_id=proposal_id, actor="dave")
    for decide in (bank_proposals.accept_proposal, bank_proposals.dismiss_proposal):
        refused = pytest.raises(bank_proposals.ProposalRefused, match="accepted already by dave")
        with refused, db.session(write=True) as s:
            decide(db_session=s, proposal_id=proposal_id, actor="erin")
    with db.session() as s:
        entry = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
    assert entry is not None and entry.version == 2
    assert len(events(db, "bank.proposal.accept")) == 1


def test_a_proposal_for_a_retired_entry_cannot_be_accepted_but_can_be_dismissed(
    db: Database,
) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        bank_entries.retire_entry(
            db_session=s, entry_id="IAM-MFA-01", expected_version=1, actor="t"
        )
    refused = pytest.raises(bank_proposals.ProposalRefused, match="IAM-MFA-01' is retired")
    with refused, db.session(write=True) as s:
        bank_proposals.accept_proposal(db_session=s, proposal_id=proposal_id, actor="dave")
    with db.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
        assert not item.acceptable and item.entry is not None and item.entry.version == 2
    with db.session(write=True) as s:
        bank_proposals.dismiss_proposal(db_session=s, proposal_id=proposal_id, actor="dave")
    assert pending(db) == []


def test_a_proposal_whose_entry_was_deleted_cannot_be_accepted(db: Database) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        s.delete(s.get(BankEntry, "IAM-MFA-01"))
    refused = pytest.raises(bank_proposals.ProposalRefused, match="no longer exists")
    with refused, db.session(write=True) as s:
        bank_proposals.accept_proposal(db_session=s, proposal_id=proposal_id, actor="dave")
    with db.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
    assert item.entry is None and not item.acceptable and not item.answers_differ


def test_accepting_against_an_older_version_or_an_unknown_id_is_refused(db: Database) -> None:
    (proposal_id,) = harvest(db).queued
    with db.session(write=True) as s:
        bank_entries.approve_entry(
            db_session=s, entry_id="IAM-MFA-01", expected_version=1, actor="t"
        )
    with pytest.raises(bank_entries.StaleEdit), db.session(write=True) as s:
        bank_proposals.accept_proposal(
            db_session=s, proposal_id=proposal_id, actor="dave", expected_version=1
        )
    with pytest.raises(bank_proposals.ProposalNotFound), db.session(write=True) as s:
        bank_proposals.accept_proposal(db_session=s, proposal_id=proposal_id + 1000, actor="dave")
    assert [p.id for p in pending(db)] == [proposal_id]


def test_the_queue_flags_answers_that_differ_from_the_entry_as_it_is_now(db: Database) -> None:
    harvest(db)
    with db.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
        assert item.acceptable and not item.answers_differ
        with pytest.raises(BankError):
            bank_proposals.list_proposals(db_session=s, status="maybe")
    with db.session(write=True) as s:
        bank_entries.edit_entry(
            db_session=s,
            entry_id="IAM-MFA-01",
            expected_version=1,
            changes={"answer": "No"},
            actor="t",
        )
    with db.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
        assert item.answers_differ


def test_the_cli_queues_proposals_when_harvesting_into_the_database(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app import cli
    from app.config import Settings
    from app.db import set_database

    settings = Settings(environment="test", data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    path = tmp_path / "vendor.xlsx"
    path.write_bytes(VENDOR)
    set_database(db)
    try:
        assert cli.main(["bank", "harvest", str(path)]) == 0
        out = capsys.readouterr().out
        assert "1 other wordings and 0 updates queued for review at /bank/proposals" in out
        assert cli.main(["bank", "harvest", str(path)]) == 0
        out = capsys.readouterr().out
        assert "0 other wordings and 0 updates queued for review" in out
        assert "(2 already queued or in the entry)" in out
    finally:
        set_database(None)
    assert len(pending(db)) == 1


def update_for(db: Database) -> int:
    saved = harvest(db, DIFFERENT, name="2024.xlsx")
    assert saved.drafts == () and saved.queued == ()
    (proposal_id,) = saved.updates_queued
    return proposal_id


def test_a_different_answer_is_queued_as_an_update_with_the_row_whole(db: Database) -> None:
    proposal_id = update_for(db)
    with db.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
    p = item.proposal
    assert (p.id, p.kind, p.answer, p.detail) == (
        proposal_id,
        "update",
        "No",
        "Only for the production console.",
    )
    assert p.draft is not None and p.draft["answer"] == "No" and p.draft["status"] == "draft"
    # The entry was approved once: keeping it is the proposed choice, not the harvested answer.
    assert item.answers_differ and not item.never_approved and not item.take_by_default
    # The same row harvested again is the same update, not a second one.
    assert harvest(db, DIFFERENT, name="2024.xlsx").updates_queued == ()


def test_taking_an_update_makes_the_harvested_answer_the_entrys_new_version(db: Database) -> None:
    proposal_id = update_for(db)
    with db.session(write=True) as s:
        bank_proposals.accept_proposal(
            db_session=s, proposal_id=proposal_id, actor="dave", expected_version=1
        )
    with db.session() as s:
        entry = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
        versions = bank_service.history(db_session=s, entry_id="IAM-MFA-01")
    assert entry is not None and entry.version == 2
    assert (entry.answer, entry.detail) == ("No", "Only for the production console.")
    assert entry.alternates == [WORDING]
    assert versions[0].reason == "answer harvested from 2024.xlsx!Questions!2 (Q-1)"
    (event,) = events(db, "bank.proposal.take")
    assert event.details["before"]["answer"] == "Yes" and event.details["answer"] == "No"
    assert pending(db) == []


def test_keeping_the_entry_saves_the_harvested_row_as_its_own_draft(db: Database) -> None:
    (alternate_id,) = harvest(db).queued
    proposal_id = update_for(db)
    with db.session(write=True) as s:
        bank_proposals.keep_entry(db_session=s, proposal_id=proposal_id, actor="dave")
    with db.session() as s:
        entry = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
        draft = bank_service.get_entry(db_session=s, entry_id="2024-Q-1")
        (kept,) = bank_proposals.list_proposals(db_session=s, status="kept")
    assert entry is not None and (entry.version, entry.answer) == (1, "Yes")
    assert draft is not None and (draft.status, draft.answer, draft.question) == (
        "draft",
        "No",
        WORDING,
    )
    assert draft.detail == "Only for the production console."
    assert kept.proposal.decided_by == "dave"
    (event,) = events(db, "bank.proposal.keep")
    assert event.details["draft"] == "2024-Q-1"
    # An alternate has no row of its own to keep.
    with pytest.raises(bank_proposals.ProposalRefused), db.session(write=True) as s:
        bank_proposals.keep_entry(db_session=s, proposal_id=alternate_id, actor="dave")


def test_a_never_approved_starter_draft_proposes_taking_the_harvested_answer(
    database: Database,
) -> None:
    with database.session(write=True) as s:
        s.add(BankState(id=1, revision=0))
        bank_entries.create_entry(
            db_session=s,
            fields={
                "id": "IAM-MFA-01",
                "question": "Is multi-factor authentication enforced for administrators?",
                "answer": "Yes",
            },
            actor="starter",
        )
    update_for(database)
    with database.session() as s:
        (item,) = bank_proposals.list_proposals(db_session=s)
    assert item.never_approved and item.take_by_default
