"""Score one question against one indexed text: wording, meaning, and what a candidate carries."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from app.core.bank import Entry
from app.core.concepts import Bridge
from app.core.guards import Guards
from app.core.match_result import Thresholds
from app.core.normalise import Normaliser
from app.core.objects import ObjectRule
from app.core.semantic import TermVectors
from app.core.subject import SubjectRule

# Share of each signal in the score. Word TF-IDF carries meaning, character n-grams absorb
# typos and word-form noise, the edit ratio rewards the same wording in the same order.
WORD_WEIGHT = 0.5
CHAR_WEIGHT = 0.2
FUZZ_WEIGHT = 0.3
# Share of the score given to meaning (app/core/semantic.py) over wording; the rest is the
# weighted sum above. Meaning counts only above the cosine that unrelated texts reach. 0.3 gave
# most of the cross-framework gain of 0.5 without the paraphrase benchmark's auto-fills on
# questions with no counterpart that 0.4 and 0.5 made (same-topic neighbours score too close).
MEANING_WEIGHT = 0.3
# With the optional sentence model (app/core/embeddings.py): meaning's weight in the score.
SENTENCE_MEANING_WEIGHT = 0.4


@dataclass
class DetailTerms:
    """Each entry's detail and answer, and its tags, as terms, normalised once and kept."""

    normaliser: Normaliser
    _known: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)
    _tags: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tags_of(self, entry: Entry) -> frozenset[str]:
        """Return the terms of an entry's tags."""
        key = (entry.id, " ".join(entry.tags))
        found = self._tags.get(key)
        if found is None:
            found = frozenset(self.normaliser.normalise(key[1]).terms)
            with self._lock:
                if len(self._tags) < 200_000:
                    self._tags[key] = found
        return found

    def of(self, entry: Entry) -> frozenset[str]:
        """Return the terms of an entry's detail and answer."""
        key = (entry.id, entry.answer, entry.detail)
        found = self._known.get(key)
        if found is None:
            found = frozenset(self.normaliser.normalise(f"{entry.answer} {entry.detail}").terms)
            with self._lock:
                if len(self._known) < 200_000:
                    self._known[key] = found
        return found


@dataclass(frozen=True)
class Scoring:
    """The matcher's settings that scoring, ranking and banding read."""

    thresholds: Thresholds
    guards: Guards
    subjects: SubjectRule
    objects: ObjectRule
    # Meaning's share of the score; None when the matcher has neither term vectors nor a model.
    meaning_weight: float | None
    today: date | None
    default_review_days: int | None
    details: DetailTerms
    # How far behind a runner-up naming more of a short question may be and still hold the best
    # back (ranking._names_more): the sentence model spreads close scores further apart.
    subject_rival_margin: float
    # The term vectors, whose corpus idf says how rare a word is in security writing at large
    # (a bank of a few hundred statements makes everyday words look rare).
    corpus: TermVectors | None = None
    # A bank's short alternates must ask what the question asks to stand for it (alternates.py).
    # A concept's are curated customer wordings, each meant to reach the concept on its own.
    judge_alternates: bool = True

    def mixed(self, wording: float, meaning: float, share: float = 1.0) -> float:
        """Mix meaning into a wording score (an exact wording stays exact).

        `share`: the part of meaning's weight the question gives it (0–1); wording takes the
        rest.
        """
        if self.meaning_weight is None or wording >= 1.0:
            return wording
        weight = self.meaning_weight * share
        return (1.0 - weight) * wording + weight * meaning


def wording_score(question: str, row: str, word: float, char: float) -> float:
    """Score a question's wording against a row's from their keys and word and character cosines."""
    if question and question == row:
        return 1.0
    edit = fuzz.ratio(question, row) / 100.0 if question and row else 0.0
    score = WORD_WEIGHT * word + CHAR_WEIGHT * char + FUZZ_WEIGHT * edit
    # Anything short of the same normalised wording stays below a perfect score.
    return float(min(max(score, 0.0), 0.999))


@dataclass
class Candidate:
    """One entry considered for a question, scored by its row that fits the question best."""

    entry_id: str
    row: int
    text_score: float
    wording: float  # the score from wording alone, before meaning is mixed in
    meaning: float
    rank: float  # the score lifted by the row's context, for ordering only
    on_subject: bool = False  # the row's context names something the entry is about
    bridge: Bridge | None = None  # set when the path through a concept scored higher
    direct: float = 0.0  # with a bridge: the score of the entry's own wording
    via: Bridge | None = None  # a concept that filled on its own and leads here, ranked lower
    # The share of its score kept for answering another intent than a short question's (1.0:
    # the same intent, or none to tell).
    intent_share: float = 1.0

    def own_score(self) -> float:
        """Return the score by the entry's own wording (not through a concept)."""
        return self.direct if self.bridge is not None else self.text_score


@dataclass(frozen=True)
class Scored:
    """A candidate with its final score and the key it is ordered by."""

    rank: float  # orders the candidates: the score lifted by the row's context
    score: float  # calibrated on the question alone: bands, margins and what is reported
    cand: Candidate
    id_match: bool
