"""The forms a question is read in: a confirmed row as learned, a respondent as "you"."""

from __future__ import annotations

import pytest

from app.core.matching import Matcher
from app.core.normalise import shipped_thesaurus
from app.core.question_forms import QuestionForms, addressed_to_you, pointing_word
from tests.core.test_entry_says import starter_bank


@pytest.fixture(scope="module")
def forms() -> QuestionForms:
    return QuestionForms.of_thesaurus(shipped_thesaurus())


@pytest.mark.parametrize(
    ("question", "context", "learned"),
    [
        # Pointing back at its heading, or naming no subject of its own: read with the heading.
        ("Is this documented?", "Data Flow Diagrams", "Data Flow Diagrams: Is this documented?"),
        (
            "Is the policy reviewed and updated annually?",
            "Incident Management Policy",
            "Incident Management Policy: Is the policy reviewed and updated annually?",
        ),
        # A subject of its own: as written, whatever the heading.
        ("Are backups encrypted?", "Data Protection", "Are backups encrypted?"),
        # Naming no subject, with no heading or one naming none either: nothing to learn.
        ("Is this documented?", None, None),
        ("Is this documented?", "General", None),
        ("Are they reviewed at least annually?", "Policies and Procedures", None),
        ("Is it encrypted?", None, None),
    ],
)
def test_a_wording_is_learned_with_its_heading_only_when_the_heading_names_its_subject(
    forms: QuestionForms, question: str, context: str | None, learned: str | None
) -> None:
    assert forms.as_learned(question, context) == learned


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Are they monitored for unusual activity?", "they"),
        ("How is this training documented?", "this"),
        ("Is it encrypted?", "it"),
        # A subject named first, then pointed back at: the question names its subject.
        ("Do you test patches before you deploy them?", None),
        # "It" before "possible" names nothing: the question says what it asks.
        ("Is it possible to export our data?", None),
        # "This product" is the vendor's own; "IT" is information technology.
        ("Does this product support single sign-on?", None),
        ("Is this service hosted in the EU?", None),
        ("Does your IT provide remote wipe for company-assigned mobile devices?", None),
        ("Are backups encrypted?", None),
    ],
)
def test_a_question_points_back_at_its_heading_with_a_word_before_any_subject(
    forms: QuestionForms, question: str, word: str | None
) -> None:
    assert pointing_word(question, forms.subjects, forms.normaliser) == word


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("Does the vendor enforce MFA?", "Does you enforce MFA?"),
        ("Will the Supplier sign our DPA?", "Will you sign our DPA?"),
        ("Is the service provider's staff trained?", "Is your staff trained?"),
        # Only the respondent as the question's subject: here the vendor is someone else.
        ("Is customer data shared with the vendor?", None),
        ("Do you assess the vendor before onboarding?", None),
        ("Are vendors assessed?", None),
    ],
)
def test_a_respondent_named_in_the_third_person_is_read_as_you(
    question: str, read: str | None
) -> None:
    assert addressed_to_you(question) == read


def test_a_question_to_the_vendor_is_not_held_back_as_about_third_parties() -> None:
    # "the vendor" names a population (third parties) the awareness statement never names;
    # it is the vendor answering. Read as "you", the statement fills.
    (best, *_) = Matcher(starter_bank()).match(
        "Does the vendor train its staff in security awareness every year?", context="Training"
    )
    assert (best.entry_id, best.band) == ("HRS-TRAIN-01", "auto")
