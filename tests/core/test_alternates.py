"""Short alternates, as review learns them: they fill only a question that asks the same."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.core.bank import Entry, load_bank
from app.core.matching import Match, Matcher

STARTER = Path(__file__).resolve().parents[2] / "answer_bank"


@pytest.fixture(scope="module")
def starter() -> list[Entry]:
    return [replace(e, status="approved") for e in load_bank(STARTER).entries]


def learned(bank: list[Entry], entry_id: str, wording: str, *, without: str = "") -> list[Entry]:
    """The bank after a reviewer confirmed `wording` for `entry_id` (and lacking `without`)."""
    assert any(e.id == entry_id for e in bank)
    return [
        replace(e, alternates=(*e.alternates, wording)) if e.id == entry_id else e
        for e in bank
        if e.id != without
    ]


def best(
    bank: list[Entry], question: str, context: str | None = None, ref: str | None = None
) -> Match:
    return Matcher(bank).match_many([(question, ref, context)], top=5)[0][0]


def test_a_learned_wording_fills_its_own_question_again(starter: list[Entry]) -> None:
    bank = learned(starter, "CRY-DESTROY-01", "How are old keys destroyed?")
    found = best(bank, "How are old keys destroyed?")
    assert (found.entry_id, found.band, found.explanation.guard) == ("CRY-DESTROY-01", "auto", None)


def test_a_learned_wording_about_another_subject_is_no_evidence(starter: list[Entry]) -> None:
    # Frame and rare words shared ("old", "destroyed"/"disposed"), the subject not: hardware.
    bank = learned(starter, "CRY-DESTROY-01", "How are old keys destroyed?")
    matches = Matcher(bank).match_many([("How is old hardware disposed of securely?", None)], top=5)
    assert matches[0][0].band != "auto"
    keys = [m for m in matches[0] if m.entry_id == "CRY-DESTROY-01"]
    # Scored by its own question again, not by the learned wording it shares two words with.
    assert not keys or keys[0].score < Matcher(bank).thresholds.suggest


def test_a_control_id_the_entry_cites_names_the_subject(starter: list[Entry]) -> None:
    bank = learned(starter, "CRY-DESTROY-01", "How are old keys destroyed?")
    found = best(bank, "How is old hardware disposed of securely?", ref="CEK-14.1")
    assert (found.entry_id, found.band) == ("CRY-DESTROY-01", "auto")


def test_a_learned_wording_asking_whether_it_is_tested_fills_no_other_question(
    starter: list[Entry],
) -> None:
    bank = learned(
        starter, "BCP-BACKUP-03", "Do you regularly test your backups?", without="BCP-BACKUP-01"
    )
    found = best(bank, "Are backups performed regularly?")
    assert not (found.entry_id == "BCP-BACKUP-03" and found.band == "auto")
    again = best(bank, "Do you regularly test your backups?")
    assert (again.entry_id, again.band) == ("BCP-BACKUP-03", "auto")


def test_a_learned_wording_without_a_subject_fills_only_under_its_entrys_subject(
    starter: list[Entry],
) -> None:
    # "How often are they tested?" was confirmed under a backup heading: "they" were backups.
    bank = learned(starter, "BCP-BACKUP-03", "How often are they tested?")
    under_backups = best(bank, "How often are they tested?", context="Backup restores")
    assert (under_backups.entry_id, under_backups.band) == ("BCP-BACKUP-03", "auto")
    # The entry is tagged "continuity", so the subject rule alone let this through: its own
    # question does not say continuity, and what "they" are here is not known.
    elsewhere = best(bank, "How often are they tested?", context="Continuity")
    assert not (elsewhere.entry_id == "BCP-BACKUP-03" and elsewhere.band == "auto")


@pytest.mark.parametrize(
    "question",
    ["How are old laptops destroyed?", "How is old hardware destroyed?"],
)
def test_the_same_frame_about_another_subject_does_not_fill(
    starter: list[Entry], question: str
) -> None:
    bank = learned(starter, "CRY-DESTROY-01", "How are old keys destroyed?")
    found = best(bank, question)
    assert not (found.entry_id == "CRY-DESTROY-01" and found.band == "auto")


def test_a_held_alternate_is_no_rival(starter: list[Entry]) -> None:
    # The business continuity policy learned a wording naming both plans. A question about the
    # documented disaster recovery plan is still its statement's to fill: the learned wording
    # names business continuity, which the question does not.
    bank = learned(
        starter,
        "BCP-POL-01",
        "Do you have a documented business continuity or disaster recovery plan?",
    )
    found = best(bank, "Is there a documented disaster recovery plan?")
    assert (found.entry_id, found.band, found.explanation.guard) == ("BCP-DR-01", "auto", None)


def test_the_rows_context_never_changes_a_score_through_an_alternate(
    starter: list[Entry],
) -> None:
    # Whether a wording without a subject may fill depends on the row's context; its score does
    # not: a heading orders entries and holds them back, it never lifts or lowers one.
    bank = learned(starter, "BCP-BACKUP-03", "How often are they tested?")
    question = "How often are they tested?"
    results = Matcher(bank).match_many(
        [
            (question, None, None),
            (question, None, "Backup restores"),
            (question, None, "Continuity"),
        ],
        top=10,
    )
    scores = [{m.entry_id: m.score for m in found} for found in results]
    shared = set(scores[0]) & set(scores[1]) & set(scores[2])
    assert "BCP-BACKUP-03" in shared
    assert all(scores[0][e] == scores[1][e] == scores[2][e] for e in shared)
