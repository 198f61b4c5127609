"""What a statement says of the guarded facets, read across all it says.

verdict.py holds a candidate back when a facet (data state, frequency, population …, see
guards.py) of the wording that matched differs from the question's. A statement is more than
that wording: a Yes to one of its wordings is a Yes to all of them and to its answer's own words,
so a facet the matched wording leaves unsaid may be said elsewhere; and a question asking
whether something exists for a population ("a *vendor* risk management program?") is answered
only by a statement that names that population somewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from app.core.answer_kind import asks_for_thing
from app.core.bank import Entry
from app.core.entry_says import said_by
from app.core.guards import Facets
from app.core.normalise import NormalisedText
from app.core.scoring import Scoring
from app.core.sparse_index import Index


@dataclass(frozen=True)
class FacetReading:
    """One candidate's facets against one question's (see facet_guard)."""

    scoring: Scoring
    index: Index
    asked: NormalisedText
    asked_facets: Facets
    entry: Entry
    row: int  # the wording that matched
    affirmed: bool  # the statement answers the closed question Yes
    answered_freely: bool  # its answer is a description

    def conflict(self, facets: Facets) -> str | None:
        """Compare the question's facets with these, as one wording's of the statement."""
        return self.scoring.guards.conflict(
            self.asked_facets,
            facets,
            affirmed=self.affirmed,
            described=self.answered_freely,
            asks_for=self.asks_for,
            answer=self.answer_facets,
            words=self.words,
        )

    @cached_property
    def asks_for(self) -> str | None:
        # Read once per candidate: the loop over other wordings compares many times.
        return asks_for_thing(self.asked.surface)

    def answer_facets(self) -> Facets:
        return self._answer_facets

    @cached_property
    def _answer_facets(self) -> Facets:
        # Read once per candidate: the guard, the other wordings and the Yes itself ask for it.
        return self._read(self.entry.answer)

    def words(self) -> tuple[set[str], set[str]]:
        # The entry's words as written and all it says, its answer and detail included.
        stated = self.index.rows[self.row].text.stems
        return set(self.asked.stems), {*stated, *said_by(self.scoring, self.index, self.entry)}

    def all_said(self) -> Iterator[Facets]:
        """The facets of each wording of the statement, its answer and its detail."""
        for row in self.index.entry_rows.get(self.entry.id, ()):
            yield self.index.rows[row].facets
        yield self.answer_facets()
        yield self._read(self.entry.detail)

    def _read(self, text: str) -> Facets:
        return self.scoring.guards.read(self.scoring.details.normaliser.normalise(text).stems)


def facet_guard(reading: FacetReading, *, exists: bool) -> str | None:
    """Return why the statement's facets do not answer the question's, or None.

    `exists`: the question asks whether something exists (intent.EXISTS), and the statement's
    Yes would say it does.
    """
    stated = reading.index.rows[reading.row].facets
    guard = reading.conflict(stated)
    silent = _silent_on_asked(reading.asked_facets, stated)
    if guard is not None and reading.affirmed and silent and _said_elsewhere(reading, silent):
        guard = None
    if guard is None and reading.affirmed and exists:
        guard = reading.scoring.guards.unqualified(reading.asked_facets, reading.all_said())
    return guard


def _said_elsewhere(reading: FacetReading, silent: list[int]) -> bool:
    """Tell whether the rest of the statement says the facets its matched wording leaves unsaid.

    A Yes to one wording of a statement is a Yes to all of them: "Is the disaster recovery plan
    updated regularly?" is silent on how often, and its alternate "Is the DR plan revised at
    least annually …?" says it, so a question asking whether the plan is updated at least
    annually is answered whichever wording matched. The other wording must name what this one
    leaves unsaid, and agree with the question on every facet. So is the Yes itself: "Yes, at
    least annually" says how often the independent penetration tests it affirms are performed.
    """
    for other in reading.index.entry_rows.get(reading.entry.id, ()):
        facets = reading.index.rows[other].facets
        if all(facets.values[i] for i in silent) and reading.conflict(facets) is None:
            return True
    said = reading.answer_facets().values
    if not all(said[i] for i in silent):
        return False
    stated = reading.index.rows[reading.row].facets
    values = tuple(said[i] if i in silent else v for i, v in enumerate(stated.values))
    return reading.conflict(replace(stated, values=values)) is None


def _silent_on_asked(asked: Facets, stated: Facets) -> list[int]:
    """Return the facets the question names a value of and a wording names none of."""
    return [
        i for i, (q, s) in enumerate(zip(asked.values, stated.values, strict=True)) if q and not s
    ]
