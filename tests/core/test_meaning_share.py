"""Meaning weighs in a score only as far as the term vectors know the question's words."""

from __future__ import annotations

import pytest

from app.core.matching import Matcher
from app.core.meaning import Meaning
from tests.core.test_entry_says import starter_bank

GUARDRAILS = "Do you use guardrails?"


def standing_of_misuse() -> tuple[int, float]:
    """Where the statement on guardrails against misuse ranks, and how far behind the best."""
    found = Matcher(starter_bank()).match(GUARDRAILS, top=5)
    ids = [m.entry_id for m in found]
    position = ids.index("AI-MISUSE-01")
    assert found[position].explanation.matched_terms == ("guardrails",)
    return position, found[0].score - found[position].score


def test_a_word_the_vectors_never_met_leaves_the_score_to_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # To the term vectors "Do you use guardrails?" means "use", close to the statements on the
    # use of AI and on anything used; the statement on guardrails against misuse, which the
    # question's rarest word names, is among the first two only while meaning weighs as far as
    # the vectors know the question's words.
    position, behind = standing_of_misuse()
    assert position <= 1
    monkeypatch.setattr(Meaning, "weight_share", lambda self, index, text: 1.0)
    full_position, full_behind = standing_of_misuse()
    assert full_position > position
    assert full_behind > behind


def test_a_question_of_words_the_vectors_know_is_scored_at_meaning_s_full_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = "Are backups of customer data tested regularly?"
    shared = [(m.entry_id, m.score) for m in Matcher(starter_bank()).match(question)]
    monkeypatch.setattr(Meaning, "weight_share", lambda self, index, text: 1.0)
    assert [(m.entry_id, m.score) for m in Matcher(starter_bank()).match(question)] == shared
