"""A question asking whether something ever happens is answered only by a statement saying it."""

from __future__ import annotations

from app.core.answer_kind import asks_whether_ever
from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus


def approved(entry_id: str, question: str, answer: str = "Yes", detail: str = "") -> Entry:
    return Entry(
        id=entry_id,
        question=question,
        answer=answer,
        detail=detail or f"Statement {entry_id}.",
        status="approved",
    )


BANK = [
    approved("BCP-DR-01", "Do you have a disaster recovery plan?"),
    approved("GOV-POL-01", "Do you have an information security policy?"),
    approved(
        "PRV-LAPTOP-01",
        "Is customer data stored on employee laptops?",
        "No",
        "Customer data stays in production; laptops hold none.",
    ),
]


def test_a_yes_to_having_a_plan_does_not_say_it_was_ever_invoked() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Has the disaster recovery plan ever been invoked?"
    )
    assert best.entry_id == "BCP-DR-01"
    assert best.band != "auto"
    assert best.explanation.guard == (
        "the question asks whether it ever happens; the entry does not say 'invoked'"
    )


def test_a_statement_saying_what_an_ever_question_asks_answers_it() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Is customer data ever stored on employee laptops?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("PRV-LAPTOP-01", "auto", None)


def test_only_a_question_saying_ever_is_read() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    said = set(normalise("Do you have a disaster recovery plan?").terms)
    plan = normalise("Has the disaster recovery plan been invoked?")
    assert asks_whether_ever(plan, lambda: said) is None
    ever = normalise("Has the disaster recovery plan ever been invoked?")
    assert asks_whether_ever(ever, lambda: said) is not None
