"""Rows asking for the vendor's own facts are answered from the profile, with their own reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.answering import auto_writes, propose, report_rows
from app.core.bank import load_bank
from app.core.matching import Matcher
from app.core.profile_facts import asked_fact, profile_fact
from app.core.workbook import DetectedRow
from app.core.workbook.reader import read_questionnaire
from tests.sharedfiles import HECVAT, raw

BUNDLED_BANK = Path(__file__).resolve().parents[2] / "answer_bank"


@pytest.mark.parametrize(
    ("question", "variable"),
    [
        ("Solution Provider Name", "company"),
        ("Solution Name", "product"),
        ("Solution Provider Contact Name", "contact_name"),
        ("Solution Provider Contact Email", "contact_email"),
        ("Solution Provider Contact Phone Number", "contact_phone"),
        ("Country of Company Headquarters", "headquarters"),
        ("What is your company website?", "website"),
        ("Please specify the year your company was founded", "year_founded"),
        ("Number of employees", "employees"),
        ("Security contact email address", "security_email"),
    ],
)
def test_a_row_asking_for_a_vendor_fact_names_its_profile_variable(
    question: str, variable: str
) -> None:
    assert asked_fact(question) == variable


@pytest.mark.parametrize(
    "question",
    [
        "Do you have a company website?",
        "Is the product name shown to users?",
        "Solution Provider Accessibility Contact Name",
        "Describe your organization's business background and ownership structure",
        "Do you keep a register of every contact name and email address of your sub-processors?",
        "Is data encrypted at rest?",
    ],
)
def test_a_question_about_a_practice_is_not_a_vendor_fact(question: str) -> None:
    assert asked_fact(question) is None


def hecvat_start_rows() -> list[DetectedRow]:
    detection = read_questionnaire(raw(HECVAT).read_bytes())
    return [row for row in detection.rows if row.sheet == "START HERE"]


def test_hecvats_identity_rows_are_answered_from_the_profile_or_ask_for_it() -> None:
    bank = load_bank(BUNDLED_BANK)
    rows = hecvat_start_rows()[:9]
    proposals = propose(
        rows, matcher=Matcher(bank.entries), entries=bank.by_id(), profile=bank.profile
    )
    by_id = {p.row.control_id: p for p in proposals}
    name, product = by_id["GNRL-01"], by_id["GNRL-02"]
    assert (name.answer, name.band, name.score) == ("Example Co", "auto", 1.0)
    assert name.explanation == "From the profile: company."
    assert (product.answer, product.band) == ("Example Cloud", "auto")
    # The starter profile has no contact email: the row says what to add, and stays blank.
    email = by_id["GNRL-06"]
    assert (email.answer, email.band) == ("", "none")
    assert (
        email.explanation.startswith("Add it to the profile")
        and "contact_email" in email.explanation
    )
    # Before, these rows were matched against security statements and held back for reasons
    # such as a frequency that differs: none of them reaches a statement now.
    assert all(
        p.fact is not None and p.matches == () for p in proposals if p.row.control_id != "GNRL-09"
    )
    writes = {(w.row, w.answer) for w in auto_writes(proposals)}
    assert {(13, "Example Co"), (14, "Example Cloud")} <= writes
    report = {r["control_id"]: r for r in report_rows(proposals, [])}
    assert report["GNRL-01"]["profile_variable"] == "company"
    assert report["GNRL-01"]["entry_id"] is None


def test_a_filled_profile_value_answers_and_a_list_is_joined() -> None:
    fact = profile_fact("Solution Provider Contact Email", {"contact_email": "sec@acme.test"})
    assert fact is not None and (fact.value, fact.reason) == (
        "sec@acme.test",
        "From the profile: contact_email.",
    )
    listed = profile_fact("Country of Company Headquarters", {"headquarters": ["US", "DE"]})
    assert listed is not None and listed.value == "US, DE"
