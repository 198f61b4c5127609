"""What a step comes before: approval before a change is not approval before access."""

from __future__ import annotations

from app.core.bank import Entry
from app.core.matching import Matcher

BANK = [
    Entry(
        id="CHG-CUST-01",
        question="Do you need customer approval before changes that directly affect a "
        "customer's own environment?",
        answer="Yes",
        detail="We do not change a customer's configuration or data except at the customer's "
        "request.",
        status="approved",
    ),
    Entry(
        id="IAM-MFA-01",
        question="Is multi-factor authentication required for remote access?",
        answer="Yes",
        status="approved",
    ),
]


def test_approval_before_access_is_not_approval_before_changes() -> None:
    matcher = Matcher(BANK, concepts=False)
    (best, *_) = matcher.match(
        "Do support staff need customer approval before accessing customer data?"
    )
    assert best.entry_id == "CHG-CUST-01"
    assert best.band != "auto"
    assert best.explanation.guard == (
        "the step comes before another event: 'changes' vs 'accessing customer data'"
    )


def test_the_same_event_in_other_words_is_not_held_back_by_it() -> None:
    matcher = Matcher(BANK, concepts=False)
    (best, *_) = matcher.match("Is customer approval needed before changes to our environment?")
    assert best.entry_id == "CHG-CUST-01"
    assert not (best.explanation.guard or "").startswith("the step comes before")


def test_a_statement_saying_the_event_elsewhere_answers() -> None:
    bank = [
        Entry(
            id="CHG-CUST-01",
            question=BANK[0].question,
            answer="Yes",
            detail="Support staff access customer data only with the customer's approval.",
            status="approved",
        ),
        BANK[1],
    ]
    (best, *_) = Matcher(bank, concepts=False).match(
        "Do support staff need customer approval before accessing customer data?"
    )
    assert not (best.explanation.guard or "").startswith("the step comes before")


def test_going_live_is_one_event_in_its_words() -> None:
    bank = [
        Entry(
            id="CHG-PROC-01",
            question="Are changes reviewed, tested and approved before release?",
            answer="Yes",
            status="approved",
        ),
        BANK[1],
    ]
    (best, *_) = Matcher(bank, concepts=False).match(
        "Are changes tested and approved before deployment?"
    )
    assert best.entry_id == "CHG-PROC-01"
    assert not (best.explanation.guard or "").startswith("the step comes before")
