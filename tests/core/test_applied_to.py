"""What a practice is put to: changes to production are not changes to cryptographic systems."""

from __future__ import annotations

from dataclasses import replace

from app.core.matching import Matcher
from tests.core.statements import approved, held_back

CHANGES = [
    approved(
        "CRY-CHG-01",
        "Are changes to cryptographic systems and settings managed through change control?",
        detail="Key policies, certificates and TLS settings go through the normal change process.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_the_same_practice_put_to_another_thing_does_not_answer() -> None:
    matcher = Matcher(CHANGES, concepts=False)
    assert held_back(
        matcher,
        "Are all changes to production approved through change management?",
        "CRY-CHG-01",
    ) == ("the question asks of what is put to 'production'; the entry, to 'cryptographic systems'")
    # Put to the same thing, in the question's words or the statement's, it answers.
    for asked in (
        "Are changes to cryptographic systems managed through change control?",
        "Are changes to encryption settings managed through change control?",
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band, best.explanation.guard) == ("CRY-CHG-01", "auto", None)


def test_a_statement_saying_the_questions_thing_elsewhere_may_answer() -> None:
    production = replace(
        CHANGES[0],
        detail="All changes to production, key policies included, go through change control.",
    )
    (best, *_) = Matcher([production, CHANGES[1]], concepts=False).match(
        "Are changes to production managed through change control?"
    )
    assert (best.entry_id, best.explanation.guard) == ("CRY-CHG-01", None)


def test_what_is_given_to_someone_is_not_what_a_change_is_put_to() -> None:
    documents = approved(
        "BCP-DOCS-02",
        "Is business continuity documentation available to authorized stakeholders?",
    )
    (best, *_) = Matcher([documents, CHANGES[1]], concepts=False).match(
        "Is business continuity documentation available to customers?"
    )
    assert best.explanation.guard is None or "put to" not in best.explanation.guard
