"""A question's examples illustrate what it asks: a match resting on them does not fill."""

from __future__ import annotations

from app.core.examples import example_terms
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.test_answer_kind import approved

BANK = [
    approved(
        "AI-REG-01",
        "Are your AI practices aligned with the NIST AI Risk Management Framework or ISO/IEC 42001?",
        "Aligned with the NIST AI RMF",
    ),
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="Databases and backups are encrypted with AES-256.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_the_terms_named_only_in_an_example_are_told_apart() -> None:
    normaliser = Normaliser(shipped_thesaurus())
    example, own = example_terms(
        "Is the use of removable media (e.g. USB drives) restricted?", normaliser
    )
    assert "usb" in example
    assert "usb" not in own and "restrict" in own
    assert example_terms("Are backups encrypted?", normaliser) == (frozenset(), frozenset())
    example, _ = example_terms(
        "Is the plan tested, for example through tabletop exercises? Describe.", normaliser
    )
    assert "tabletop" in example


def test_a_match_resting_on_the_questions_example_does_not_fill() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Have you performed a risk assessment of the AI functionality in your product, for "
        "example against the NIST AI Risk Management Framework or ISO/IEC 42001?"
    )
    assert best.entry_id == "AI-REG-01"
    assert best.band != "auto"
    assert best.explanation.guard is not None
    assert best.explanation.guard.startswith("the match rests on the question's example")


def test_a_statement_saying_the_question_and_its_example_fills() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Is customer data encrypted at rest? Please specify the algorithm (e.g. AES-256)."
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("CRY-REST-01", "auto", None)
