"""Every one of a thing is not answered by a statement on some of them."""

from __future__ import annotations

from dataclasses import replace

from app.core.matching import Matcher
from app.core.narrowing import narrowed_to_some
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back

NORMALISE = Normaliser(shipped_thesaurus()).normalise

REVIEWS = [
    approved(
        "INC-PM-01",
        "Do you perform root-cause analysis after incidents?",
        detail="Every significant incident gets a post-incident review with its root cause.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_every_one_of_a_thing_is_not_answered_by_a_statement_on_some() -> None:
    matcher = Matcher(REVIEWS, concepts=False)
    for asked in (
        "Do you perform root-cause analysis after every incident?",
        "Will you perform a root-cause analysis after any incident that affects our data?",
        "Do you perform root-cause analysis after all of your incidents?",
    ):
        assert held_back(matcher, asked, "INC-PM-01") == (
            "the question asks of every one; the entry speaks of 'significant incident' only"
        ), asked
    # Asked of the same few, or without "every", it is answered.
    for asked in (
        "Do you perform root-cause analysis after significant incidents?",
        "Do you perform root-cause analysis after incidents?",
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band, best.explanation.guard) == ("INC-PM-01", "auto", None)


def test_a_statement_saying_every_one_as_well_may_answer() -> None:
    whole = replace(
        REVIEWS[0],
        detail="All incidents are logged and every incident gets a review; significant "
        "incidents also get a written report.",
    )
    asked = NORMALISE("Do you perform root-cause analysis after every incident?")
    assert narrowed_to_some(asked, whole) is None
    assert narrowed_to_some(asked, REVIEWS[0]) is not None
    # A narrowing word elsewhere than before the thing narrows nothing of it.
    elsewhere = replace(REVIEWS[0], detail="A significant effort goes into each review.")
    assert narrowed_to_some(asked, elsewhere) is None
    # Nor does a question asking of no every one.
    assert narrowed_to_some(NORMALISE("Do you review incidents?"), REVIEWS[0]) is None


def test_a_narrowing_word_is_read_within_its_clause_and_never_in_a_variable() -> None:
    reviews = approved(
        "IAM-REV-01",
        "How often are user access rights reviewed?",
        "Quarterly",
        "Owners recertify access to production and administrative tools "
        "{{ access_review_frequency }}; access no longer justified is removed.",
    )
    asked = NORMALISE("Are all access rights reviewed at least quarterly?")
    assert narrowed_to_some(asked, reviews) is None
    # In one clause, it narrows.
    narrowed = replace(reviews, detail="Owners recertify administrative access quarterly.")
    assert narrowed_to_some(asked, narrowed) == (
        "the question asks of every one; the entry speaks of 'administrative access' only"
    )


def test_the_thing_asked_of_is_its_naming_words_past_every_and_before_its_verb() -> None:
    # "all of your" names no thing: the incidents are what is asked of.
    asked = NORMALISE("Do you perform root-cause analysis after all of your security incidents?")
    assert narrowed_to_some(asked, REVIEWS[0]) is not None
    # A participle ends the thing: "every system patched" asks of systems, not of patches.
    patching = approved(
        "VUL-PATCH-01",
        "Are systems patched?",
        detail="Critical patches are applied within 7 days; systems are patched monthly.",
    )
    assert narrowed_to_some(NORMALISE("Is every system patched quarterly?"), patching) is None
    # Asked of the same few itself, the question is answered by them.
    asked = NORMALISE("Do you perform root-cause analysis after all significant incidents?")
    assert narrowed_to_some(asked, REVIEWS[0]) is None


def test_a_narrowing_word_the_question_says_itself_narrows_nothing() -> None:
    significant = replace(REVIEWS[0], detail="Significant incidents get a post-incident review.")
    asked = NORMALISE("Do you perform root-cause analysis after all significant incidents?")
    assert narrowed_to_some(asked, significant) is None
    asked = NORMALISE("Do you perform root-cause analysis after all incidents?")
    assert narrowed_to_some(asked, significant) == (
        "the question asks of every one; the entry speaks of 'significant incidents' only"
    )


def test_a_row_narrowing_the_thing_itself_asks_of_some_of_it() -> None:
    asked = NORMALISE("Do you perform root-cause analysis after all major incidents?")
    assert narrowed_to_some(asked, REVIEWS[0]) is None
