"""The wording review learns from a confirmed row: as the matcher read it."""

from __future__ import annotations

import pytest

from app.core.normalise import shipped_thesaurus
from app.core.question_forms import QuestionForms, pointing_word


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
