"""What a match is: its score, the band that score earns, and the reason a reviewer reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from app.core.normalise import NormalisedText
from app.core.reasons import is_elsewhere

BANDS = ("auto", "suggest", "none")
# Calibrated on bench/: precision stays at 99% down to 0.40 on the paraphrase benchmark, 0.50
# on the customer one and 0.52 on the cross-framework one (0.54 with the CCM titles); 0.57 keeps
# a margin above them all, and 0.58 or 0.59 filled fewer right answers and no fewer wrong ones.
# A cross-framework top pick at 0.40 or more is right about 43% of the time, below it about 27%
# (bench/README.md).
DEFAULT_AUTO = 0.57
DEFAULT_SUGGEST = 0.40
# The bands with the optional sentence model, recalibrated for its score (bench/README.md).
SENTENCE_AUTO = 0.60
SENTENCE_SUGGEST = 0.40
# An explanation says "close in meaning" from here (meaning as in the score, 0–1).
CLOSE_MEANING = 0.5


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs: at or above `auto` fills without a person; at or above `suggest` proposes."""

    auto: float = DEFAULT_AUTO
    suggest: float = DEFAULT_SUGGEST

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.auto <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= suggest <= auto <= 1")


@dataclass(frozen=True)
class Explanation:
    """Why a match scored as it did, in terms a reviewer can check."""

    matched_terms: tuple[str, ...]
    guard: str | None
    runner_up: str | None
    margin: float | None
    id_match: bool
    note: str | None
    meaning: float = 0.0  # 0–1: how far the texts' term vectors agree beyond unrelated texts'
    # Terms of the row's context (section, control title) the entry shares, when they lifted it.
    context_terms: tuple[str, ...] = ()
    # The concept the question matched and the framework ID it led through, when that path won.
    concept: str | None = None
    concept_ref: str | None = None
    # An entry that scored higher but is about something else, set aside for this one.
    set_aside: str | None = None
    # The question names no subject of its own (or points back at its heading, "is *it*
    # encrypted?") and was read with the row's section or control title as its subject.
    read_with_context: bool = False

    @property
    def elsewhere(self) -> bool:
        """Tell whether the guard says the statement is about something else (reasons.py)."""
        return is_elsewhere(self.guard)

    def text(self) -> str:
        """Say in one sentence why the match was chosen and what held it back."""
        parts: list[str] = []
        if self.matched_terms:
            shown = ", ".join(f"'{t}'" for t in self.matched_terms[:6])
            more = " and more" if len(self.matched_terms) > 6 else ""
            parts.append(f"matched on {shown}{more}")
        else:
            parts.append("no shared terms")
        if self.concept:
            parts.append(f"reached through concept {self.concept}, which cites {self.concept_ref}")
        if self.read_with_context:
            parts.append("read with the row's section or title, which names its subject")
        if self.meaning >= CLOSE_MEANING:
            parts.append("close in meaning")
        if self.context_terms:
            shown = ", ".join(f"'{t}'" for t in self.context_terms[:4])
            parts.append(f"the row's section or title agrees ({shown})")
        if self.id_match:
            parts.append("the control ID matches")
        if self.guard:
            parts.append(f"held back because {self.guard}")
        if self.note:
            parts.append(f"cannot auto-fill because {self.note}")
        if self.set_aside:
            parts.append(f"entry {self.set_aside} scores higher but is about something else")
        if self.runner_up is not None and self.margin is not None:
            if self.margin >= 0.005:
                parts.append(f"runner-up {self.runner_up} is {self.margin:.2f} behind")
            elif self.margin > -0.005:
                parts.append(f"runner-up {self.runner_up} scores the same")
            elif self.context_terms:
                parts.append(
                    f"{self.runner_up} scores {-self.margin:.2f} higher on the question alone"
                )
            else:
                parts.append(f"{self.runner_up} scores {-self.margin:.2f} higher")
        sentence = "; ".join(parts)
        return sentence[0].upper() + sentence[1:] + "."


class Match:
    """One bank entry proposed for a question, with its score, band and explanation.

    The explanation may be given as a function that works it out when first read: a batch
    explains five matches a question, and a caller that prints only bands and scores (`vouch
    match`) reads none of them. Its band never depends on it being read. A pickled match
    carries its explanation worked out.
    """

    __slots__ = ("entry_id", "score", "band", "_explanation", "_explain")

    def __init__(
        self,
        entry_id: str,
        score: float,
        band: str,
        explanation: Explanation | Callable[[], Explanation],
    ) -> None:
        self.entry_id = entry_id
        self.score = score
        self.band = band
        if isinstance(explanation, Explanation):
            self._explanation: Explanation | None = explanation
            self._explain: Callable[[], Explanation] | None = None
        else:
            self._explanation, self._explain = None, explanation

    @property
    def explanation(self) -> Explanation:
        """Why the match scored as it did (worked out on first reading when given lazily)."""
        value = self._explanation
        if value is None:
            # Lock-free: the explanation is set before the function is dropped, so a reader
            # that finds no function finds the explanation another thread worked out.
            explain = self._explain
            value = explain() if explain is not None else self._explanation
            assert value is not None
            self._explanation = value
            self._explain = None
        return value

    def setting_aside(self, entry_id: str) -> Match:
        """The same match, explained as chosen over a higher-scoring entry about something else."""
        return Match(
            self.entry_id, self.score, self.band, replace(self.explanation, set_aside=entry_id)
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.entry_id, self.score, self.band, self.explanation) == (
            other.entry_id,
            other.score,
            other.band,
            other.explanation,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Match(entry_id={self.entry_id!r}, score={self.score!r}, band={self.band!r})"

    def __reduce__(self) -> tuple[type[Match], tuple[str, float, str, Explanation]]:
        return (Match, (self.entry_id, self.score, self.band, self.explanation))


def band_for(score: float, thresholds: Thresholds) -> str:
    """Place a score in its band: auto, suggest or none."""
    if score >= thresholds.auto:
        return "auto"
    if score >= thresholds.suggest:
        return "suggest"
    return "none"


def context_terms(
    question: NormalisedText, context: NormalisedText, row: NormalisedText
) -> tuple[str, ...]:
    """List the context's own terms (not the question's) that the entry shares."""
    own = set(question.terms)
    stated = set(row.terms)
    out: list[str] = []
    for term in context.terms:
        shown = term.replace("_", " ")
        if term in stated and term not in own and shown not in out:
            out.append(shown)
    return tuple(out)


def shared_terms(question: NormalisedText, row: NormalisedText) -> tuple[str, ...]:
    """List the question's terms the entry shares, in the question's own words where possible."""
    shared = set(question.terms) & set(row.terms)
    written = dict(zip(question.stems, question.surface, strict=True))
    out: list[str] = []
    for term in question.terms:
        if term in shared:
            shown = term.replace("_", " ") if "_" in term else written.get(term, term)
            if shown not in out:
                out.append(shown)
    return tuple(out)
