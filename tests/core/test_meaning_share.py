"""Meaning weighs in a score only as far as the term vectors know the question's words."""

from __future__ import annotations

import pytest

from app.core.matching import Matcher
from app.core.meaning import Meaning
from tests.core.test_entry_says import starter_bank

GUARDRAILS = "Do you use guardrails?"


def test_a_word_the_vectors_never_met_leaves_the_score_to_wording() -> None:
    # To the term vectors "Do you use guardrails?" means "use", close to the statements on the
    # use of AI; the statement on guardrails against misuse, which the question's rarest word
    # names, comes first.
    best, *others = Matcher(starter_bank()).match(GUARDRAILS)
    assert best.entry_id == "AI-MISUSE-01"
    assert best.explanation.matched_terms == ("guardrails",)
    assert all(other.score < best.score for other in others)


def test_meaning_taken_at_its_full_weight_puts_the_use_of_ai_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Meaning, "weight_share", lambda self, index, text: 1.0)
    best, *others = Matcher(starter_bank()).match(GUARDRAILS)
    assert best.entry_id != "AI-MISUSE-01"
    assert "AI-MISUSE-01" in [other.entry_id for other in others]


def test_a_question_of_words_the_vectors_know_is_scored_at_meaning_s_full_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = "Are backups of customer data tested regularly?"
    shared = [(m.entry_id, m.score) for m in Matcher(starter_bank()).match(question)]
    monkeypatch.setattr(Meaning, "weight_share", lambda self, index, text: 1.0)
    assert [(m.entry_id, m.score) for m in Matcher(starter_bank()).match(question)] == shared
