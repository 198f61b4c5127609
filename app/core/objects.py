"""Object guards: the same frame about another object ("privacy" vs "security" by design),
a statement confined to a scope the question never names (AI's input validation), or a question
confined to one the statement never names (AI risks in a risk register that never says AI)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.core.normalise import Normaliser, Thesaurus, shared_with_phrases
from app.core.reasons import Elsewhere


@dataclass(frozen=True)
class ObjectPair:
    """Two objects a frame may take, each as the terms that name it and the words shown."""

    first: frozenset[str]
    second: frozenset[str]
    first_shown: str
    second_shown: str


# One direction of a pair: the question's object, the entry's, and how each is shown.
_Side = tuple[frozenset[str], frozenset[str], str, str]


@dataclass(frozen=True)
class ObjectRule:
    """Hold back a statement about one object of a pair for a question about the other."""

    pairs: tuple[ObjectPair, ...]
    # Each scope a statement may be confined to, as the terms that name it and the words shown.
    scopes: tuple[tuple[frozenset[str], str], ...] = ()
    # The last question's sides (see _asked_sides): a cache, not part of the rule.
    _last: tuple[frozenset[str], tuple[_Side, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def of(cls, thesaurus: Thesaurus, normaliser: Normaliser) -> ObjectRule:
        """Compile the thesaurus's object pairs into the terms the matcher compares."""
        pairs: list[ObjectPair] = []
        for first, second in thesaurus.objects:
            a = frozenset(normaliser.normalise(first).terms)
            b = frozenset(normaliser.normalise(second).terms)
            # A phrase that folds to nothing, or into the other, tells nothing apart.
            if a and b and not a <= b and not b <= a:
                pairs.append(ObjectPair(a, b, first, second))
        scopes = tuple(
            (terms, scope)
            for scope in thesaurus.scopes
            if (terms := frozenset(normaliser.normalise(scope).terms))
        )
        return cls(pairs=tuple(pairs), scopes=scopes)

    def conflict(self, question: Iterable[str], entry: Iterable[str]) -> str | None:
        """Say which object differs when the question names one of a pair and the entry the other."""
        found = self._other_side(question, lambda: entry)
        if found is None:
            return None
        mine, theirs = found
        return Elsewhere(f"object differs: '{mine}' vs '{theirs}'")

    def said_otherwise(
        self,
        question: Iterable[str],
        said: Callable[[], Iterable[str]],
        frame: frozenset[str] = frozenset(),
    ) -> str | None:
        """Say so when the entry names the other object of a pair only outside its wording.

        `conflict` reads the matched wording; its detail may be the one to name the object:
        "Is customer data encrypted at rest?", answered Yes with "AES-256" in its detail, does
        not answer "Is data encrypted at rest using AES-128?". A frame word on either side is
        how a framework asks, not what ("procedures" against "inventory"), and a detail's
        "policy" or "plan" says little of what the statement is about.
        """
        found = self._other_side(question, said, frame)
        return (
            None if found is None else "the question names '{}', the entry says '{}'".format(*found)
        )

    def _other_side(
        self,
        question: Iterable[str],
        said: Callable[[], Iterable[str]],
        frame: frozenset[str] = frozenset(),
    ) -> tuple[str, str] | None:
        """Return how the question's object and the entry's are shown, when the entry names the
        other object of a pair the question names one side of, and not the question's.

        A pair with a frame word (`frame`) on either side is passed over; `said` is read only
        once some pair is asked of.
        """
        stated: frozenset[str] | None = None
        for mine, theirs, mine_shown, theirs_shown in self._asked_sides(frozenset(question)):
            if mine & frame or theirs & frame:
                continue
            stated = frozenset(said()) if stated is None else stated
            if theirs <= stated and not mine <= stated:
                return mine_shown, theirs_shown
        return None

    def one_of_both(
        self,
        question: Iterable[str],
        said: Callable[[], Iterable[str]],
        frame: frozenset[str] = frozenset(),
    ) -> str | None:
        """Say so when a question names both objects of a pair and the entry only one, anywhere.

        "Is EDR installed on all laptops and servers?" is not answered by a Yes whose every
        word speaks of laptops: it says nothing of servers. The entry is still on the question's
        subject, only narrower (not `Elsewhere`): no evidence for the next one. A pair of frame
        words (`frame`: "plans and policies") is how a framework asks, not what. `question`
        gives the question's terms in order: a side of several words ("incident response" and
        "disaster recovery plan") is named by its words standing together.
        """
        ordered = tuple(question)
        asked = frozenset(ordered)
        stated: frozenset[str] | None = None
        for pair in self.pairs:
            if pair.first | pair.second <= frame:
                continue
            if not (pair.first <= asked and pair.second <= asked):
                continue
            # A side of several words is named only by their phrase, not by words strewn about
            # ("employees … customer data" is not "employee data" and "customer data").
            if not (_phrase_in(pair.first, ordered) and _phrase_in(pair.second, ordered)):
                continue
            stated = frozenset(said()) if stated is None else stated
            for mine, theirs, mine_shown, theirs_shown in (
                (pair.first, pair.second, pair.first_shown, pair.second_shown),
                (pair.second, pair.first, pair.second_shown, pair.first_shown),
            ):
                if mine <= stated and not theirs <= stated:
                    return (
                        f"the question asks of '{mine_shown}' and '{theirs_shown}', "
                        f"the entry says only '{mine_shown}'"
                    )
        return None

    def beyond_scope(
        self, question: Iterable[str], heading: Iterable[str], wording: Iterable[str]
    ) -> str | None:
        """Say so when a statement's wording is confined to a scope the question never names.

        "How are inputs to the AI validated?" answers for AI features only, and "Is input
        validation performed?" asks about the whole application. The row's heading may name the
        scope for the question ("AI Governance"); the statement's other wordings do not widen
        the one matched.
        """
        stated = frozenset(wording)
        if not self.scopes or not stated:
            return None
        named = frozenset(question) | frozenset(heading)
        for terms, shown in self.scopes:
            if terms <= stated and not terms <= named:
                return Elsewhere(f"the entry is about {shown}, the question is not")
        return None

    def scope_unsaid(self, question: Iterable[str], said: Callable[[], set[str]]) -> str | None:
        """Say so when a question is confined to a scope the statement never speaks of.

        "Are AI risks included in your enterprise risk register?" is not answered Yes by a
        statement on the risk register that never says AI in any wording, its answer or its
        detail (`said`): the register exists, and nothing says AI risks are in it.
        """
        asked = frozenset(question)
        for terms, shown in self.scopes:
            if terms <= asked and not shared_with_phrases(set(terms), said()):
                return f"the question is about {shown}; the entry never speaks of it"
        return None

    def _asked_sides(self, asked: frozenset[str]) -> tuple[_Side, ...]:
        """List, in rule order, the sides of pairs the question names and not their other side.

        The question's half of the test is the same for all its candidates, so it is done once
        per question rather than once per candidate (the last question's sides are kept).
        """
        last = self._last
        if last is not None and last[0] == asked:
            return last[1]
        sides = tuple(
            side
            for pair in self.pairs
            for side in (
                (pair.first, pair.second, pair.first_shown, pair.second_shown),
                (pair.second, pair.first, pair.second_shown, pair.first_shown),
            )
            if side[0] <= asked and not side[1] <= asked
        )
        object.__setattr__(self, "_last", (asked, sides))
        return sides


def _phrase_in(side: frozenset[str], ordered: tuple[str, ...]) -> bool:
    """Tell whether a side's terms stand together in a text's terms, in any order."""
    width = len(side)
    if width == 1:
        return side <= frozenset(ordered)
    return any(frozenset(ordered[i : i + width]) == side for i in range(len(ordered) - width + 1))
