"""What the bank learns from review stays useful: bounded, deduplicated, never row-specific."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import pytest
from sqlmodel import select

from app.config import Settings
from app.core.bank import MAX_ALTERNATES
from app.core.question_forms import QuestionForms
from app.db import Database
from app.models import AuditEvent, BankEntry, Questionnaire, QuestionRow
from app.services import bank as bank_service
from app.services import review
from app.services.accounts import Principal
from app.services.review.learning import MAX_LEARNED_PER_BULK, learn_alternate
from tests.services.test_review import _principal, seed, small_questionnaire

# Starter statements the matcher fills on its own; each row adds something of its own to one.
ENCRYPTED = "Is customer data encrypted at rest?"
INCIDENT_PLAN = "Do you have a documented incident response plan?"
ENTRY = "CRY-REST-01"


@dataclass(frozen=True)
class Bench:
    database: Database
    settings: Settings
    reviewer: Principal


@pytest.fixture
def bench(bootstrapped: Database, settings: Settings) -> Iterator[Bench]:
    bank_service.matchers.clear()
    with bootstrapped.session(write=True) as db_session:
        reviewer = _principal(db_session, "vera", "reviewer")
    yield Bench(bootstrapped, settings, reviewer)
    bank_service.matchers.clear()


def numbered_questionnaire(rows: int, *, first: int = 1) -> bytes:
    """Build a questionnaire whose questions differ only by an asset number."""
    bases = (ENCRYPTED, INCIDENT_PLAN)
    return small_questionnaire(
        tuple(f"{bases[i % len(bases)]} (asset {first + i})" for i in range(rows))
    )


def auto_rows(bench: Bench, questionnaire_id: str) -> int:
    with bench.database.session() as db_session:
        found = db_session.exec(
            select(QuestionRow).where(
                QuestionRow.questionnaire_id == questionnaire_id, QuestionRow.band == "auto"
            )
        )
        return len(found.all())


def accept_all(bench: Bench, questionnaire_id: str) -> int:
    with bench.database.session(write=True) as db_session:
        questionnaire = db_session.get(Questionnaire, questionnaire_id)
        assert questionnaire is not None
        return review.accept_auto(
            db_session=db_session, principal=bench.reviewer, questionnaire=questionnaire
        )


def alternates(bench: Bench, entry_id: str = ENTRY) -> list[str]:
    with bench.database.session() as db_session:
        entry = db_session.get(BankEntry, entry_id)
        assert entry is not None
        return list(entry.alternates)


def learn(
    bench: Bench,
    wording: str,
    *,
    entry_id: str = ENTRY,
    context: str = "",
    forms: QuestionForms | None = None,
) -> bool:
    """Confirm one row with this wording as answered by the entry, as an accept does."""
    questionnaire_id = seed(bench.database, bench.settings, bench.reviewer)
    with bench.database.session(write=True) as db_session:
        questionnaire = db_session.get(Questionnaire, questionnaire_id)
        assert questionnaire is not None
        row = QuestionRow(
            questionnaire_id=questionnaire_id,
            position=0,
            sheet="Security",
            row=2,
            question=wording,
            context=context,
            answer_cell="C2",
            entry_id=entry_id,
        )
        return learn_alternate(
            db_session=db_session,
            principal=bench.reviewer,
            questionnaire=questionnaire,
            row=row,
            forms=forms,
        )


def test_accepting_numbered_rows_never_makes_a_later_upload_fill_fewer(bench: Bench) -> None:
    first = seed(bench.database, bench.settings, bench.reviewer, numbered_questionnaire(2000))
    filled = auto_rows(bench, first)
    assert filled >= 1000, "the synthetic rows fill on their own"
    assert accept_all(bench, first) == filled
    same = seed(bench.database, bench.settings, bench.reviewer, numbered_questionnaire(2000))
    assert auto_rows(bench, same) >= filled
    # The same questions for other assets: learned row numbers once held back all but a few.
    renumbered = numbered_questionnaire(2000, first=20_001)
    other = seed(bench.database, bench.settings, bench.reviewer, renumbered)
    assert auto_rows(bench, other) >= filled
    assert len(alternates(bench)) <= MAX_ALTERNATES


def test_an_entry_learns_no_more_wordings_than_a_curator_may_give_it(bench: Bench) -> None:
    with bench.database.session(write=True) as db_session:
        entry = db_session.get(BankEntry, ENTRY)
        assert entry is not None
        entry.alternates = [f"Is customer data of kind {n} encrypted" for n in range(199)]
        db_session.add(entry)
    assert learn(bench, "Is every piece of customer data encrypted while stored?")
    assert not learn(bench, "Do you encrypt the customer data you store, on every disk?")
    assert len(alternates(bench)) == MAX_ALTERNATES == 200


def test_wordings_of_numbers_ids_or_row_specifics_are_not_learned(bench: Bench) -> None:
    before = alternates(bench)
    assert not learn(bench, "CRY-01.2 / A.10.1.1 / 27001 4.3")
    assert not learn(bench, "Is customer data encrypted at rest for asset 41?")
    assert not learn(bench, "Row 12: encryption")
    # A standard the statement does not name is a narrower question, not another wording of it.
    assert not learn(bench, "Is customer data encrypted at rest to FIPS 140-2?")
    assert alternates(bench) == before
    assert learn(bench, "Is customer data stored encrypted on every disk?")


def test_a_wording_is_learned_once_whatever_its_case_spacing_or_punctuation(
    bench: Bench,
) -> None:
    before = alternates(bench)
    assert learn(bench, "Is customer data encrypted while at rest, on all systems?")
    assert not learn(bench, "is customer data encrypted while at rest on all systems")
    assert not learn(bench, "Is customer data encrypted - while at rest - on ALL systems ?")
    assert len(alternates(bench)) == len(before) + 1


def test_a_bulk_accept_learns_at_most_what_a_curator_can_review(bench: Bench) -> None:
    teams = [
        f"{colour} {animal}"
        for colour, animal in product(
            ("amber", "azure", "coral", "ivory", "olive", "slate", "teal", "umber", "violet"),
            ("falcon", "heron", "lynx", "otter", "raven", "stoat", "tapir", "wren"),
        )
    ]
    questions = tuple(
        f"{base} Answer for the {team} team."
        for base in (ENCRYPTED, INCIDENT_PLAN)
        for team in teams
    )
    questionnaire_id = seed(
        bench.database, bench.settings, bench.reviewer, small_questionnaire(questions)
    )
    with bench.database.session() as db_session:
        before = sum(len(e.alternates) for e in db_session.exec(select(BankEntry)))
    accepted = accept_all(bench, questionnaire_id)
    assert accepted > MAX_LEARNED_PER_BULK, "more rows than the bound"
    with bench.database.session() as db_session:
        learned = db_session.exec(
            select(AuditEvent).where(AuditEvent.action == "bank.alternate_learned")
        ).all()
        after = sum(len(e.alternates) for e in db_session.exec(select(BankEntry)))
    assert len(learned) == MAX_LEARNED_PER_BULK == 50
    assert after - before == MAX_LEARNED_PER_BULK


def rows_of(bench: Bench, questionnaire_id: str) -> dict[str, QuestionRow]:
    with bench.database.session() as db_session:
        found = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == questionnaire_id)
        )
        return {r.question: r for r in found.all()}


def test_a_learned_wording_fills_its_own_question_and_not_another_subjects(bench: Bench) -> None:
    # Learned, the short wording shares "old" and "destroyed"/"disposed" with a question about
    # hardware: the key destruction statement must not answer it.
    keys, hardware = "How are old keys destroyed?", "How is old hardware disposed of securely?"
    first = seed(bench.database, bench.settings, bench.reviewer, small_questionnaire((keys,)))
    row = rows_of(bench, first)[keys]
    assert (row.entry_id, row.band) == ("CRY-DESTROY-01", "suggest")
    # Confirmed as review confirms it (its answer is not in this sheet's Yes/No list).
    assert learn(bench, keys, entry_id="CRY-DESTROY-01")
    with bench.database.session(write=True) as db_session:
        bank_service.bump_revision(db_session=db_session)
    assert keys in alternates(bench, "CRY-DESTROY-01")
    upload = small_questionnaire((keys, hardware))
    after = rows_of(bench, seed(bench.database, bench.settings, bench.reviewer, upload))
    assert (after[keys].entry_id, after[keys].band) == ("CRY-DESTROY-01", "auto")
    assert after[hardware].band != "auto"
    assert "does not name 'hardware'" in after[hardware].explanation or (
        after[hardware].entry_id != "CRY-DESTROY-01"
    )


def test_a_wording_naming_no_subject_is_learned_only_with_a_heading_that_names_one(
    bench: Bench,
) -> None:
    forms = bank_service.question_forms(settings=bench.settings)
    before = alternates(bench)
    # "It" under a heading naming nothing, or under none: it would stand for any subject.
    assert not learn(bench, "Is it encrypted?", context="General", forms=forms)
    assert not learn(bench, "Is it encrypted?", forms=forms)
    assert alternates(bench) == before
    assert learn(bench, "Is it encrypted?", context="Customer Data at Rest", forms=forms)
    assert alternates(bench) == [*before, "Customer Data at Rest: Is it encrypted?"]
    # Without the thesaurus's reading, a wording is learned as written.
    assert learn(bench, "Is it encrypted?")
    assert alternates(bench)[-1] == "Is it encrypted?"
