"""Scope and polarity guards: similar wording with a different meaning must not auto-fill."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import islice

from app.core.normalise import (
    NEGATIONS,
    GuardFacet,
    longest_phrases,
    phrase_lengths,
    stem,
    stem_phrase,
)
from app.core.reasons import Facet

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
    "no single",
)
# The mark of a phrase that asks for a facet's value without naming one.
_ASKS = "\x00asks"
# A negation reaches this many words after it, function words aside: "with no *shared
# accounts*", "so information is not *recoverable* by any *forensic* means".
NEGATION_REACH = 2


@dataclass(frozen=True)
class Facets:
    """What a text says about each guarded dimension, and whether it is negated."""

    values: tuple[frozenset[str], ...]
    triggered: tuple[bool, ...]  # the facet's 'when' words are present (always True without any)
    negated: bool
    asking: tuple[bool, ...] = ()  # the text asks for the facet's value ("how often?")
    reach: frozenset[str] = frozenset()  # the stems a negation in the text reaches


class Guards:
    """Compiled guard facets: read a text's facets, compare a question's with an entry's."""

    def __init__(self, facets: Sequence[GuardFacet], function_words: Iterable[str] = ()) -> None:
        self.facets = tuple(facets)
        # Words a negation passes over on its way to what it negates ("not *by any* means").
        self.function_words = frozenset(stem(w) for w in function_words)
        # One table for every facet, so a text is scanned once: phrase -> (facet, value) marks.
        # A value of None marks a 'when' word; facet -1 marks a negation or a negation look-alike.
        marks: dict[tuple[str, ...], set[tuple[int, str | None]]] = {}
        for i, facet in enumerate(self.facets):
            for label, phrases in facet.values.items():
                for phrase in phrases:
                    marks.setdefault(stem_phrase(phrase), set()).add((i, label))
            for word in facet.when:
                marks.setdefault(stem_phrase(word), set()).add((i, None))
            for phrase in facet.asks:
                marks.setdefault(stem_phrase(phrase), set()).add((i, _ASKS))
        for word in NEGATIONS:
            marks.setdefault((word,), set()).add((-1, "negated"))
        for phrase in NOT_NEGATIONS:
            marks[stem_phrase(phrase)] = {(-1, None)}
        self._marks = {k: frozenset(v) for k, v in marks.items() if k}
        self._lengths = phrase_lengths(self._marks)
        # Texts name few combinations of marks: the facets of each are worked out once.
        self._read: dict[frozenset[tuple[int, str | None]], Facets] = {}

    def _scan(self, stems: Sequence[str]) -> frozenset[tuple[int, str | None]]:
        found: set[tuple[int, str | None]] = set()
        for _, _, marks in longest_phrases(stems, self._marks, self._lengths):
            found.update(marks)
        return frozenset(found)

    def read(self, stems: Sequence[str]) -> Facets:
        """Find which value of each facet a text names, and what a negation in it reaches."""
        found = self._scan(stems)
        facets = self._read.get(found)
        if facets is None:
            facets = self._facets(found)
            if len(self._read) < 100_000:
                self._read[found] = facets
        if facets.negated:
            facets = replace(facets, reach=self._reach(stems))
        return facets

    def _reach(self, stems: Sequence[str]) -> frozenset[str]:
        """Return the words each negation of a text is about: the next few, function words aside."""
        reached: set[str] = set()
        for i, word in enumerate(stems):
            if word in NEGATIONS:
                after = (w for w in stems[i + 1 :] if w not in self.function_words)
                reached.update(islice(after, NEGATION_REACH))
        return frozenset(reached - NEGATIONS)

    def _facets(self, found: frozenset[tuple[int, str | None]]) -> Facets:
        values = tuple(
            frozenset(label for f, label in found if f == i and label not in (None, _ASKS))
            for i in range(len(self.facets))
        )
        triggered = tuple(
            not facet.when or (i, None) in found for i, facet in enumerate(self.facets)
        )
        return Facets(
            values=values,
            triggered=triggered,
            negated=(-1, "negated") in found,
            asking=tuple((i, _ASKS) in found for i in range(len(self.facets))),
        )

    def conflict(
        self,
        question: Facets,
        entry: Facets,
        *,
        affirmed: bool = False,
        described: bool = False,
        asks_for: str | None = None,
        answer: Callable[[], Facets] | None = None,
        words: Callable[[], tuple[Collection[str], Collection[str]]] | None = None,
    ) -> str | None:
        """Say in plain words why the entry's meaning differs from the question's, or None.

        `affirmed`: the entry answers Yes, so an inclusive facet's values it names are each
        asserted, and a question naming some of them is answered. `described`: the entry's
        answer is a description, which answers a question asking for a facet's value ("how
        often", "regularly") only by naming one. `asks_for`: the word by which the question
        asks for a thing, a person or a manner ("what", "which", "who", "how"), which an entry
        answering with a facet's value does not give. `answer` reads the facets of the entry's
        answer: an entry asking for a facet's value states it there. `words` reads the words of the question and
        those the entry says (its answer and detail too), when the two differ in polarity: a
        negation about something the other never names is no difference ("Does every user have
        a unique ID, with no shared accounts?" against a statement on unique identification that
        never mentions shared accounts; "so information is not recoverable" in a statement on
        secure disposal, against a question that never speaks of recovering anything).
        """
        if question.negated != entry.negated and not self._beside(question, entry, words):
            said, other = (
                ("negated", "affirmative") if question.negated else ("affirmative", "negated")
            )
            return Facet(f"polarity differs: the question is {said}, the entry is {other}")
        asking = question.asking or (False,) * len(self.facets)
        open_entry = entry.asking or (False,) * len(self.facets)
        in_answer: Facets | None = None
        for i, (facet, asked, stated, on_q, on_e, open_q) in enumerate(
            zip(
                self.facets,
                question.values,
                entry.values,
                question.triggered,
                entry.triggered,
                asking,
                strict=True,
            )
        ):
            if open_q and not asked and not stated and described and answer is not None:
                # "Do you *regularly* scan for common web application vulnerabilities?" is not
                # answered by "Secure frameworks, encoding and parameterized queries": a
                # description must say how often, as a Yes says it is done regularly.
                in_answer = answer() if in_answer is None else in_answer
                if not in_answer.values[i]:
                    return Facet(f"{facet.name} differs: asked vs none in the entry's answer")
            if open_entry[i] and asks_for and not (open_q or asked):
                # "*What* software do you use for vulnerability scans?" is not answered by
                # "Continuously, and at least weekly", the answer to how often one scans.
                return Facet(
                    f"{facet.name} differs: the question asks '{asks_for}', "
                    f"the entry answers its {facet.name}"
                )
            if asked and not stated and open_entry[i] and answer is not None:
                # "How often are firewall rules reviewed?" answered "at least annually" states
                # the frequency in its answer.
                in_answer = answer() if in_answer is None else in_answer
                stated = in_answer.values[i]
            if not (on_q and on_e) or not (asked or stated):
                continue
            if not (asked and stated):
                # "How often are backups tested?" is answered by "backups are tested monthly";
                # the reverse, a vaguer entry for a question naming a value, still differs.
                if facet.strict and not (
                    (open_q or (affirmed and facet.implied)) and stated and not asked
                ):
                    return Facet(f"{facet.name} differs: {_quote(asked)} vs {_quote(stated)}")
                continue
            agrees = asked == stated if facet.mode == "equal" else bool(asked & stated)
            if affirmed and facet.inclusive and asked <= stated:
                agrees = True
            if not agrees:
                return Facet(f"{facet.name} differs: {_quote(asked)} vs {_quote(stated)}")
        return None

    def unqualified(self, question: Facets, said: Iterable[Facets]) -> str | None:
        """Say so when a question qualifies what it asks exists by a value the statement never names.

        `said`: the facets of all the statement says (each wording, its answer and detail).
        """
        said = tuple(said)
        for i, facet in enumerate(self.facets):
            if facet.qualifies and question.values[i] and not any(f.values[i] for f in said):
                return Facet(
                    f"{facet.name} differs: {_quote(question.values[i])} vs none in all the "
                    "entry says"
                )
        return None

    def alternatives(self, question: Facets, terms: Iterable[str]) -> set[str]:
        """Return the terms naming another value of a facet read for overlap the question names.

        "Do you have a SOC 2 report or ISO 27001 certificate?" asks about either standard: a
        question naming one of them asks no less, and the other names no other subject. Only
        where the question's words make the facet apply (a policy's domain needs a policy).
        Terms are the normaliser's (a standard's name is one term, "iso_27001").
        """
        overlap = [
            i
            for i, facet in enumerate(self.facets)
            if facet.mode == "overlap" and question.values[i] and question.triggered[i]
        ]
        if not overlap:
            return set()
        found: set[str] = set()
        for term in terms:
            values = self.read(tuple(stem(part) for part in term.split("_"))).values
            if any(values[i] and not values[i] & question.values[i] for i in overlap):
                found.add(term)
        return found

    @staticmethod
    def _beside(
        question: Facets,
        entry: Facets,
        words: Callable[[], tuple[Collection[str], Collection[str]]] | None,
    ) -> bool:
        """Tell whether the one text's negation is about nothing the other text names."""
        if words is None:
            return False
        asked, said = words()
        negated, other = (question, said) if question.negated else (entry, asked)
        return negated.reach.isdisjoint(other)


def _quote(values: frozenset[str]) -> str:
    if not values:
        return "unspecified"
    return " and ".join(f"'{v}'" for v in sorted(values))
