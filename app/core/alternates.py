"""Alternates: when an entry's other wording, short and someone's own, may stand for the entry.

An alternate is someone's own wording of an entry's question: a customer's, learned when a
reviewer confirmed the match (app/services/review/learning.py), or a harvested one. A short one
scores high on a few shared words and leaves the other guards nothing to weigh: learned from one
customer's questions, "how are old keys destroyed?" filled "how is old hardware disposed of
securely?" with the key destruction statement (bench/bench_match_learning.py). So a short
alternate stands for its entry only when it asks the same of the same subject; one that does not
is no evidence for the entry, which is then scored by its other wordings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.guards import Facets
from app.core.intent import REVIEWED, TESTED, intent_of
from app.core.normalise import NormalisedText, shared_with_phrases, written_as
from app.core.reasons import Elsewhere
from app.core.scoring import Scoring
from app.core.sparse_index import Index, Space

# A text of this many terms or fewer is short: a customer's wording, not a framework's. A long
# one carries its own evidence, which the other guards weigh.
SHORT_WORDING_TERMS = 8
# The share of the question's subject's weight the wording (or the entry's tags) may leave
# unnamed, and of the wording's subject the question may leave unnamed. On the learning benchmark
# (bench/bench_match_learning.py, before the judgements reading the row's context stopped
# changing scores: now 359) 0.34 / 0.25 filled 360 rows right and none wrong; 0.40 / 0.25
# filled 3 wrong, 0.34 / 0.34 3 wrong; 0.25 / 0.25 filled 363 right but held back "Do you require
# MFA for all administrator accounts?" for the starter's "Do you require MFA for administrators?".
# The question's row context does not count for the wording: "Do you have a disaster recovery
# plan?" under a business continuity heading is not "a business continuity or disaster recovery
# plan".
UNNAMED_SHARE = 0.34
REVERSE_SHARE = 0.25


@dataclass(frozen=True)
class AlternateCheck:
    """One short question's side of judging alternates, worked out once for all its candidates."""

    scoring: Scoring
    index: Index
    text: NormalisedText
    subject: frozenset[str]  # the question's own subject terms
    context_subject: frozenset[str]  # the subject terms of the row's context
    intent: str | None
    facets: Facets  # the question's, read once (Guards.alternatives)
    # An entry citing the row's control ID: the ID names the subject (see SubjectRule).
    cited: frozenset[str] = frozenset()
    _judged: dict[int, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        scoring: Scoring,
        index: Index,
        text: NormalisedText,
        context_subject: frozenset[str],
        cited: frozenset[str],
    ) -> AlternateCheck | None:
        """Return the check for a question, or None when its alternates need none."""
        if not scoring.judge_alternates or len(text.terms) > SHORT_WORDING_TERMS:
            return None
        return cls(
            scoring=scoring,
            index=index,
            text=text,
            subject=scoring.subjects.subject(text.terms),
            context_subject=context_subject,
            intent=intent_of(text.stems, text.surface),
            facets=scoring.guards.read(text.stems),
            cited=cited,
        )

    def no_evidence(self, row: int) -> bool:
        """Tell whether row `row` must not score its entry: judged on the question's own words.

        For a question without a subject the judgement reads the row's context, which orders
        entries but never changes a score: such a wording still scores, and is held back by
        `conflict` instead.
        """
        return bool(self.subject) and self.conflict(row) is not None

    def conflict(self, row: int) -> str | None:
        """Say why row `row`, if one of its entry's short alternates, cannot stand for it."""
        if row in self._judged:
            return self._judged[row]
        index = self.index
        entry_id = index.row_entry[row]
        rows = index.entry_rows[entry_id]
        found = None
        short = len(index.row_terms[row]) <= SHORT_WORDING_TERMS
        if row != rows[0] and short and entry_id not in self.cited:
            found = self._judge(index.rows[row].text, entry_id, index.row_key[rows[0]].split())
        self._judged[row] = found
        return found

    def _judge(self, wording: NormalisedText, entry_id: str, own: Sequence[str]) -> str | None:
        """Judge a short alternate: the same intent, and each side's subject named by the other.

        The question's subject must be named in the wording or the entry's tags but for
        UNNAMED_SHARE of its weight, and the wording's in the question (in the row's context,
        for a question without a subject) but for REVERSE_SHARE of it. Neither naming a
        subject ("how often is it tested?"), the row the wording was learned from said what "it"
        was: the row's context must then name what the entry's own question (`own`) is about.
        """
        stated_intent = intent_of(wording.stems, wording.surface)
        for one, other in ((stated_intent, self.intent), (self.intent, stated_intent)):
            if one in (REVIEWED, TESTED) and other != one:
                who = "matching wording" if one is stated_intent else "question"
                return f"the {who} asks whether it is {one} and the other does not"
        space = self.index.words.space
        stated = set(self.scoring.subjects.subject(wording.terms))
        if self.subject:
            if not stated:
                return Elsewhere("the matching wording names no subject")
            tags = self.scoring.details.tags_of(self.index.entries[entry_id])
            term = _unnamed(space, set(self.subject), set(wording.terms) | tags, UNNAMED_SHARE)
            if term is not None:
                return Elsewhere(
                    f"the matching wording does not name '{written_as(self.text, term)}'"
                )
            # "…a SOC 2 report or ISO 27001 certificate?" asks about either: the one the
            # question does not name is no other subject (Guards.alternatives).
            stated -= self.scoring.guards.alternatives(self.facets, stated)
            term = _unnamed(space, stated, set(self.text.terms), REVERSE_SHARE)
            if term is not None:
                shown = written_as(wording, term)
                return Elsewhere(f"the matching wording names '{shown}', the question does not")
            return None
        if stated:
            term = _unnamed(space, stated, set(self.context_subject), REVERSE_SHARE)
            if term is not None:
                shown = written_as(wording, term)
                return Elsewhere(
                    f"the matching wording names '{shown}', the row's context does not"
                )
            return None
        named = set(own) | set(wording.terms)
        if not self.context_subject or _unnamed(
            space, set(self.context_subject), named, UNNAMED_SHARE
        ):
            return Elsewhere("neither the question nor the matching wording names a subject")
        return None


def _unnamed(space: Space, subject: set[str], named: set[str], share: float) -> str | None:
    """Return the weightiest term of `subject` left unnamed, when over `share` of it is."""
    left = subject - shared_with_phrases(subject, named)

    def weight(terms: set[str]) -> float:
        return sum(space.rarity(t) for t in terms)

    if not left or weight(left) <= share * weight(subject):
        return None
    return max(left, key=lambda t: (space.rarity(t), t))
