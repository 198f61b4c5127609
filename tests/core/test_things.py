"""Whether a statement names the thing a question asks of, by any of its words."""

from __future__ import annotations

from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.things import names_any_of, words_before

NORMALISER = Normaliser(shipped_thesaurus())


def terms(text: str) -> tuple[str, ...]:
    return NORMALISER.normalise(text).terms


def test_a_thing_is_named_by_any_of_its_words_folded_or_as_written() -> None:

    def said(text: str) -> set[str]:
        return set(terms(text))

    asked = frozenset(terms("Do employees sign confidentiality agreements before access?"))
    assert "nda" in asked
    agreement = said("Staff sign an agreement which includes confidentiality terms.")
    assert names_any_of(["confidentiality", "agreements"], asked, lambda: agreement, terms)
    assert not names_any_of(["confidentiality", "agreements"], asked, lambda: {"visitor"}, terms)
    plans = frozenset(terms("Do continuity plans include customers?"))
    continuity = said("Is business continuity planned?")
    assert names_any_of(
        ["continuity", "plans"], plans, lambda: continuity, terms, frozenset({"plan"})
    )
    # Frame words alone name nothing to look for.
    assert names_any_of(["plans"], plans, lambda: set(), terms, frozenset({"plan"})) is None


def test_a_run_of_words_ends_at_its_first_end_word_its_skipped_words_aside() -> None:
    words = ["the", "audit", "logs", "for", "every", "tenant"]
    assert words_before(words, frozenset({"for"}), frozenset({"the"})) == ["audit", "logs"]
    assert words_before(words, frozenset(), frozenset()) == words
