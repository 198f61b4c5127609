"""Scope and polarity guards: similar wording with a different meaning must not auto-fill."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.normalise import NEGATIONS, GuardFacet, PhraseTable, stem_phrase

# Phrases that contain a negation word but assert nothing negative.
NOT_NEGATIONS = (
    "no longer",
    "no later than",
    "no less than",
    "no more than",
    "not limited to",
    "not only",
    "whether or not",
    "not exceed",
)
# Labels carry a prefix no stemmed word can have, so a label never collides with a plain token.
_LABEL = "\x00"


@dataclass(frozen=True)
class Facets:
    """What a text says about each guarded dimension, and whether it is negated."""

    values: tuple[frozenset[str], ...]
    triggered: tuple[bool, ...]  # the facet's 'when' words are present (always True without any)
    negated: bool


class Guards:
    """Compiled guard facets: read a text's facets, compare a question's with an entry's."""

    def __init__(self, facets: Sequence[GuardFacet]) -> None:
        self.facets = tuple(facets)
        self._tables = tuple(
            PhraseTable(
                {
                    stem_phrase(phrase): _LABEL + label
                    for label, phrases in facet.values.items()
                    for phrase in phrases
                }
            )
            for facet in self.facets
        )
        self._not_negations = PhraseTable({stem_phrase(p): "" for p in NOT_NEGATIONS})
        self._when = tuple(
            PhraseTable({stem_phrase(w): _LABEL + "when" for w in facet.when})
            if facet.when
            else None
            for facet in self.facets
        )

    def read(self, stems: Sequence[str]) -> Facets:
        """Find which value of each facet a text names."""
        values = tuple(
            frozenset(label[1:] for label in table.find(stems)) for table in self._tables
        )
        triggered = tuple(when is None or bool(when.find(stems)) for when in self._when)
        return Facets(
            values=values,
            triggered=triggered,
            negated=any(s in NEGATIONS for s in self._not_negations.replace(stems)),
        )

    def conflict(self, question: Facets, entry: Facets) -> str | None:
        """Say in plain words why the entry's meaning differs from the question's, or None."""
        if question.negated != entry.negated:
            said, other = (
                ("negated", "affirmative") if question.negated else ("affirmative", "negated")
            )
            return f"polarity differs: the question is {said}, the entry is {other}"
        for facet, asked, stated, on_q, on_e in zip(
            self.facets,
            question.values,
            entry.values,
            question.triggered,
            entry.triggered,
            strict=True,
        ):
            if not (asked and stated and on_q and on_e):
                continue
            agrees = asked == stated if facet.mode == "equal" else bool(asked & stated)
            if not agrees:
                return f"{facet.name} differs: {_quote(asked)} vs {_quote(stated)}"
        return None


def _quote(values: frozenset[str]) -> str:
    return " and ".join(f"'{v}'" for v in sorted(values))
