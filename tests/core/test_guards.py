"""Scope and polarity guards: similar wording that means something else is held back, with why."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.bank import Entry
from app.core.matching import Match, Matcher

TODAY = date(2026, 6, 1)


def best_for(question: str, entry_question: str) -> Match:
    entry = Entry(id="E", question=entry_question, answer="Yes", status="approved")
    return Matcher([entry], today=TODAY).match(question)[0]


def test_at_rest_question_does_not_autofill_in_transit_entry() -> None:
    match = best_for(
        "Is customer data encrypted at rest?", "Is customer data encrypted in transit?"
    )
    assert match.band != "auto"
    assert match.explanation.guard == "data state differs: 'at rest' vs 'in transit'"


def test_collect_question_does_not_autofill_delete_entry() -> None:
    match = best_for(
        "Do you collect personal data from customers?",
        "Do you delete personal data from customers?",
    )
    assert match.band != "auto"
    assert "data lifecycle differs" in (match.explanation.guard or "")


def test_retain_question_does_not_autofill_delete_entry() -> None:
    match = best_for(
        "How long do you retain customer logs?", "How long until you delete customer logs?"
    )
    assert match.band != "auto"
    assert "data lifecycle" in (match.explanation.guard or "")


def test_employee_question_does_not_autofill_contractor_entry() -> None:
    match = best_for(
        "Do all employees sign a confidentiality agreement?",
        "Do all contractors sign a confidentiality agreement?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "population differs: 'employees' vs 'contractors'"


def test_annual_question_does_not_autofill_quarterly_entry() -> None:
    match = best_for(
        "Are access rights reviewed annually?", "Are access rights reviewed quarterly?"
    )
    assert match.band != "auto"
    assert match.explanation.guard == "frequency differs: 'annually' vs 'quarterly'"


def test_yearly_and_annually_are_the_same_frequency() -> None:
    match = best_for("Are access rights reviewed yearly?", "Are access rights reviewed annually?")
    assert match.explanation.guard is None
    assert match.band == "auto"


def test_policy_review_for_another_domain_does_not_autofill() -> None:
    match = best_for(
        "Are business continuity policies reviewed annually?",
        "Are audit and assurance policies reviewed annually?",
    )
    assert match.band != "auto"
    assert "policy domain differs" in (match.explanation.guard or "")


def test_negated_question_does_not_autofill_affirmative_entry() -> None:
    match = best_for(
        "Is customer data shared with advertisers?",
        "Is customer data never shared with advertisers?",
    )
    assert match.band != "auto"
    assert "polarity differs" in (match.explanation.guard or "")


def test_contraction_counts_as_negation() -> None:
    match = best_for("Don't you store card numbers?", "Do you store card numbers?")
    assert "polarity differs" in (match.explanation.guard or "")


def test_guard_reason_appears_in_the_reviewer_sentence() -> None:
    match = best_for(
        "Is customer data encrypted at rest?", "Is customer data encrypted in transit?"
    )
    assert "held back because data state differs" in match.explanation.text()


@pytest.mark.parametrize(
    ("question", "entry_question"),
    [
        ("Is customer data encrypted at rest?", "Is customer data encrypted at rest?"),
        (
            "Do all employees complete awareness training?",
            "Do all staff complete security awareness training?",
        ),
    ],
)
def test_same_scope_fires_no_guard(question: str, entry_question: str) -> None:
    assert best_for(question, entry_question).explanation.guard is None
