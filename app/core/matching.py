"""Match an incoming question to the bank: retrieve candidates from a sparse index, score, band."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz

from app.core.bank import Entry
from app.core.concepts import Bridge, shipped_concepts
from app.core.embeddings import Embedder
from app.core.guards import Facets, Guards
from app.core.intent import intent_of, intents_differ
from app.core.normalise import (
    NormalisedText,
    Normaliser,
    Thesaurus,
    load_thesaurus,
    shipped_thesaurus,
)
from app.core.semantic import TermVectors, shipped_term_vectors
from app.core.subject import SubjectRule

__all__ = [
    "BANDS",
    "DEFAULT_AUTO",
    "DEFAULT_SUGGEST",
    "Explanation",
    "Match",
    "Matcher",
    "Thesaurus",
    "Thresholds",
    "band_for",
    "load_thesaurus",
]

BANDS = ("auto", "suggest", "none")
# Calibrated on bench/: precision stays at 99% down to 0.49 on the paraphrase benchmark and
# down to 0.55 on the cross-framework one; 0.60 keeps a margin above both. A cross-framework
# top pick at 0.40 or more is right about 43% of the time, below it about 27% (bench/README.md).
DEFAULT_AUTO = 0.60
DEFAULT_SUGGEST = 0.40

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
# With the optional sentence model (app/core/embeddings.py): its share of the meaning signal,
# meaning's weight in the score, and the bands recalibrated for that score (bench/README.md).
SENTENCE_SHARE = 0.5
SENTENCE_MEANING_WEIGHT = 0.4
SENTENCE_AUTO = 0.60
SENTENCE_SUGGEST = 0.40
CANDIDATE_ROWS = 20
# Retrieval skips features found in more rows than this (exact scores still use them): they
# cost the most to look up and tell the least about which entry is meant.
RETRIEVAL_DF_FLOOR = 500
RETRIEVAL_DF_SHARE = 0.05
# A matching control ID lifts a score, but only when the wording is already plausible: versions
# renumber IDs, so an ID never outweighs contradicting text. With CAIQ 4.1.0 IDs (many of them
# renumbered) against a 4.0.3 bank, a floor of 0.40 auto-filled 95% of linked questions and
# none wrongly (bench/bench_match_paraphrase.py).
# Both compare the score from wording alone, which is what a renumbered ID contradicts.
ID_BONUS = 0.15
ID_TEXT_FLOOR = 0.40
# An entry citing the row's ID holds back an entry that does not only when its own wording fits
# this well (the wording-only suggest level before meaning was mixed into the score).
OWNER_WORDING_FLOOR = 0.30
# An explanation says "close in meaning" from here (meaning as in the score, 0–1).
CLOSE_MEANING = 0.5
# When the runner-up scores within this of the best and answers differently, a person picks.
AMBIGUOUS_MARGIN = 0.02
MAX_QUESTION_CHARS = 4_000
# A section heading or control title, not a second question.
MAX_CONTEXT_CHARS = 300
# How much of the gap to a perfect score a fully agreeing context closes, for ranking only.
CONTEXT_WEIGHT = 0.5
# How many of a question's best concepts lead on to the entries citing their IDs.
CONCEPTS_FOLLOWED = 3
# A path through a concept is one step removed from the entry's own wording: it counts for a
# little less, so a question worded like the entry itself keeps its direct match.
BRIDGE_DISCOUNT = 0.85
# Concepts are everyday questions: a long question in framework wording is matched on its own
# words (through concepts it lost 0.02-0.05 of cross-framework top-1).
BRIDGE_MAX_TERMS = 8
# A question whose words already find a row this close (retrieval cosine) needs no concept.
BRIDGE_UNLESS_FOUND = 0.7
# A concept leads on only when the question matches it at least this well.
BRIDGE_FLOOR = 0.40
REORDER_MAX_TERMS = 8
WEAK_BRIDGE = 0.60
WEAK_BRIDGE_CEILING = 1.0
WEAK_BRIDGE_DISCOUNT = 0.7
# Share of its score a statement keeps when it answers another intent than a short question's
# (exists vs reviewed vs tested).
OTHER_INTENT_SHARE = 0.85

# What match_many takes per question: (question, control ID or None), or with the row's context
# (section heading, domain, control title) as a third item.
Query = tuple[str, str | None] | tuple[str, str | None, str | None]
CHAR_NGRAMS = (3, 4, 5)
# Rows added since the last full build live in a small side matrix; past this size, rebuild.
MAX_PENDING_ROWS = 512
QUERY_BATCH = 256
SHORT_QUESTION_TERMS = 4
NARROWER_SHARE = 0.5
_ID_PART = re.compile(r"[A-Z]+|\d+")


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


@dataclass(frozen=True)
class Match:
    """One bank entry proposed for a question, with its score, band and explanation."""

    entry_id: str
    score: float
    band: str
    explanation: Explanation


def band_for(score: float, thresholds: Thresholds) -> str:
    """Place a score in its band: auto, suggest or none."""
    if score >= thresholds.auto:
        return "auto"
    if score >= thresholds.suggest:
        return "suggest"
    return "none"


def normalise_control_id(value: str) -> str:
    """Fold a control ID to a comparable form: 'iam-14.01' and 'IAM 14.1' become 'IAM-14-1'."""
    return "-".join(str(int(p)) if p.isdigit() else p for p in _ID_PART.findall(value.upper()))


def control_ids(refs: Mapping[str, str]) -> frozenset[str]:
    """Collect the normalised control IDs an entry's refs name (a value may list several)."""
    found: set[str] = set()
    for value in refs.values():
        for part in re.split(r"[,;\s]+(?=[A-Za-z])|[,;]", str(value)):
            if part.strip():
                found.add(normalise_control_id(part))
    found.discard("")
    return frozenset(found)


@dataclass(frozen=True)
class _Row:
    """One indexed text of an entry: its question or one of its alternates."""

    entry_id: str
    text: NormalisedText
    facets: Facets


def _column(vocab: dict[str, int], feature: str, grow: bool, borrowed: dict[str, int]) -> int:
    """Return a feature's column; without `grow`, an unseen feature borrows one past the end."""
    col = vocab.get(feature)
    if col is not None:
        return col
    if grow:
        col = vocab[feature] = len(vocab)
        return col
    col = borrowed.get(feature)
    if col is None:
        col = borrowed[feature] = len(vocab) + len(borrowed)
    return col


def _char_grams(term: str) -> list[str]:
    padded = f" {term} "
    return [padded[i : i + n] for n in CHAR_NGRAMS for i in range(len(padded) - n + 1)]


class _Space:
    """One TF-IDF feature space (word or character) with idf frozen at the last full build."""

    def __init__(self, *, chars: bool) -> None:
        self.chars = chars
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.unseen_idf = 1.0
        # A term's character n-grams are looked up once, not once per text that uses it.
        self._term_columns: dict[str, np.ndarray] = {}

    def idf_of(self, term: str) -> float:
        """Return a feature's frozen idf (the unseen-feature idf when it has none)."""
        column = self.vocab.get(term)
        if column is None or column >= len(self.idf):
            return self.unseen_idf
        return float(self.idf[column])

    def copy(self) -> _Space:
        """Return a space that can grow without changing this one under a reader."""
        twin = _Space(chars=self.chars)
        twin.vocab = dict(self.vocab)
        twin.idf = self.idf
        twin.unseen_idf = self.unseen_idf
        twin._term_columns = dict(self._term_columns)
        return twin

    def _columns(self, text: NormalisedText, grow: bool, borrowed: dict[str, int]) -> np.ndarray:
        if not self.chars:
            terms = text.terms
            pairs = zip(terms, terms[1:], strict=False)
            features = [*terms, *(f"{a} {b}" for a, b in pairs)]
            return np.fromiter(
                (_column(self.vocab, f, grow, borrowed) for f in features),
                dtype=np.int64,
                count=len(features),
            )
        parts: list[np.ndarray] = []
        for term in text.terms:
            cols = self._term_columns.get(term)
            if cols is None:
                cols = np.array(
                    [_column(self.vocab, g, grow, borrowed) for g in _char_grams(term)],
                    dtype=np.int64,
                )
                known = len(cols) == 0 or int(cols.max()) < len(self.vocab)
                if known and len(self._term_columns) < 500_000:
                    self._term_columns[term] = cols
            parts.append(cols)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def counts(self, texts: Sequence[NormalisedText], *, grow: bool) -> sp.csr_matrix:
        """Count features per text; without `grow`, unseen features borrow columns."""
        borrowed: dict[str, int] = {}
        per_text = [self._columns(t, grow, borrowed) for t in texts]
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in per_text], out=indptr[1:])
        indices = np.concatenate(per_text) if per_text else np.zeros(0, dtype=np.int64)
        matrix = sp.csr_matrix(
            (np.ones(len(indices)), indices, indptr),
            shape=(len(texts), len(self.vocab) + len(borrowed)),
        )
        matrix.sum_duplicates()
        return matrix

    def fit_idf(self, counts: sp.csr_matrix) -> None:
        """Freeze inverse document frequencies from a full set of rows."""
        rows = max(counts.shape[0], 1)
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
        self.idf = np.log((rows + 1) / (df + 1)) + 1.0
        self.unseen_idf = math.log((rows + 1) / 2) + 1.0

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Turn counts into L2-normalised sublinear TF-IDF; unseen columns count in the norm."""
        width = counts.shape[1]
        idf = self.idf
        if width > idf.shape[0]:
            idf = np.concatenate([idf, np.full(width - idf.shape[0], self.unseen_idf)])
        weighted = counts.copy()
        weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        # Single precision halves the index; scores are reported to four decimals anyway.
        return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted, dtype=np.float32)


def _fit_width(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    """Give a matrix `width` columns: pad with empty columns or drop borrowed ones."""
    if matrix.shape[1] == width:
        return matrix
    if matrix.shape[1] < width:
        return sp.csr_matrix(
            (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
        )
    return sp.csr_matrix(matrix[:, :width])


def _without_common_features(weighted: sp.csr_matrix) -> sp.csr_matrix:
    """Drop the features that occur in very many rows, for retrieval only."""
    df = np.bincount(weighted.indices, minlength=weighted.shape[1])
    limit = max(RETRIEVAL_DF_FLOOR, int(RETRIEVAL_DF_SHARE * weighted.shape[0]))
    common = df > limit
    if not common.any():
        return weighted
    pruned = weighted.copy()
    pruned.data[common[pruned.indices]] = 0.0
    pruned.eliminate_zeros()
    return pruned


@dataclass(frozen=True)
class _Vectors:
    """Weighted rows of one space: the last full build, plus rows upserted since."""

    space: _Space  # never changed once published: writers grow a copy
    built: sp.csr_matrix  # rows x features, for exact scores of a few candidates
    built_t: sp.csr_matrix  # features x rows without the commonest features, for retrieval
    pending: sp.csr_matrix  # rows x features, small: upserts since the last full build

    @classmethod
    def of(cls, space: _Space, weighted: sp.csr_matrix) -> _Vectors:
        """Index fully built rows."""
        return cls(
            space=space,
            built=weighted,
            built_t=sp.csr_matrix(_without_common_features(weighted).T),
            pending=sp.csr_matrix((0, weighted.shape[1])),
        )

    def retrieve(self, query: sp.csr_matrix) -> np.ndarray:
        """Approximate cosine of each query row with every row, cheap enough for a whole bank."""
        built: np.ndarray = (_fit_width(query, self.built_t.shape[0]) @ self.built_t).toarray()
        if self.pending.shape[0] == 0:
            return built
        fresh = (_fit_width(query, self.pending.shape[1]) @ self.pending.T).toarray()
        return np.hstack([built, fresh])

    def pair_dots(self, queries: sp.csr_matrix, owners: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact cosine of query `owners[i]` with row `rows[i]`, for every i at once."""
        out = np.zeros(len(rows))
        n_built = self.built.shape[0]
        for part, matrix, offset in (
            (rows < n_built, self.built, 0),
            (rows >= n_built, self.pending, n_built),
        ):
            if part.any():
                chosen = matrix[rows[part] - offset]
                asked = _fit_width(queries, matrix.shape[1])[owners[part]]
                out[part] = np.asarray(chosen.multiply(asked).sum(axis=1)).ravel()
        return out

    def queries(self, texts: Sequence[NormalisedText]) -> sp.csr_matrix:
        """Weigh questions in this space (their unseen features count only in the norm)."""
        return self.space.weigh(self.space.counts(texts, grow=False))

    def with_texts(self, texts: Sequence[NormalisedText]) -> _Vectors:
        """Return new vectors with these texts appended to the pending part."""
        space = self.space.copy()
        rows = space.weigh(space.counts(texts, grow=True))
        width = max(self.pending.shape[1], rows.shape[1])
        pending = sp.vstack([_fit_width(self.pending, width), _fit_width(rows, width)])
        return _Vectors(
            space=space, built=self.built, built_t=self.built_t, pending=sp.csr_matrix(pending)
        )


@dataclass(frozen=True)
class _Index:
    """An immutable snapshot of the index; writers build a new one and swap it in."""

    rows: tuple[_Row, ...]
    words: _Vectors
    chars: _Vectors
    meaning: np.ndarray  # rows x dimensions: each row's unit term-vector mix (zero rows when off)
    sentences: np.ndarray  # rows x dimensions: each row's sentence-model vector (none when off)
    alive: np.ndarray
    entries: Mapping[str, Entry]
    entry_rows: Mapping[str, tuple[int, ...]]
    by_control_id: Mapping[str, frozenset[str]]

    def entry_terms(self, entry_id: str) -> frozenset[str]:
        """Every term an entry carries (question, alternates, tags): what it is about."""
        terms: set[str] = set()
        for i in self.entry_rows.get(entry_id, ()):
            terms.update(self.rows[i].text.terms)
        return frozenset(terms)


@dataclass
class _Candidate:
    entry_id: str
    row: int
    text_score: float
    wording: float  # the score from wording alone, before meaning is mixed in
    meaning: float
    rank: float  # the score lifted by the row's context, for ordering only
    on_subject: bool = False  # the row's context names something the entry is about
    bridge: Bridge | None = None  # set when the path through a concept scored higher
    direct: float = 0.0  # with a bridge: the score of the entry's own wording


@dataclass(frozen=True)
class _Scored:
    rank: float  # orders the candidates: the score lifted by the row's context
    score: float  # calibrated on the question alone: bands, margins and what is reported
    cand: _Candidate
    id_match: bool


def _dropping(index: _Index, entry_id: str) -> tuple[np.ndarray, dict[str, Entry]]:
    """Return the live-row mask and the entries without one entry (its rows stay, dead)."""
    alive = index.alive.copy()
    for i in index.entry_rows.get(entry_id, ()):
        alive[i] = False
    return alive, {k: v for k, v in index.entries.items() if k != entry_id}


def _rival(index: _Index, scored: Sequence[_Scored], *, subjectless: bool) -> Entry | None:
    """Return the entry the question alone cannot tell from the best one, if any.

    Judged on the question's own scores: a row's context ranks entries but is no evidence that
    one of two near-equal statements is the right one to fill. A best entry citing the row's
    control ID is settled against one that does not.
    """
    best = scored[0]
    closest = max(scored[1:], key=lambda s: s.score)
    settled_by_id = best.id_match and not closest.id_match
    # For a question without a subject of its own, the row's context is what tells two
    # identically worded statements apart (see SubjectRule).
    settled_by_subject = subjectless and best.cand.on_subject and not closest.cand.on_subject
    if (
        best.score - closest.score < AMBIGUOUS_MARGIN
        and not settled_by_id
        and not settled_by_subject
    ):
        return index.entries[closest.cand.entry_id]
    return None


class StoredIndexes(Protocol):
    """Where built indexes are kept between processes (see app/core/index_store.py)."""

    def key(
        self,
        *,
        source: str | Sequence[Entry],
        thesaurus: Thesaurus,
        term_vectors: TermVectors | None,
        embedder: str,
    ) -> str: ...

    def load(self, key: str) -> _Index | None: ...

    def save(self, key: str, index: _Index) -> bool: ...


class Matcher:
    """Find the bank entries that answer a question, with a calibrated score and a reason."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        thresholds: Thresholds | None = None,
        thesaurus: Thesaurus | None = None,
        today: date | None = None,
        default_review_days: int | None = None,
        term_vectors: TermVectors | None | bool = True,
        index_store: StoredIndexes | None = None,
        index_source: str | None = None,
        embedder: Embedder | None = None,
        concepts: Sequence[Entry] | bool = True,
    ) -> None:
        """`term_vectors`: True for the shipped vectors, False (or None) to match on wording alone.

        `concepts`: statements in customer words citing framework IDs (True for the starter
        bank's, False for none); a question matching one reaches the entries citing its IDs.

        With `index_store`, the index is read from it when one was stored for the same entries
        (or the same `index_source`, a digest of the files the entries were read from), and
        stored there after a build.
        """
        self._configure(
            thresholds, thesaurus, today, default_review_days, term_vectors, embedder, concepts
        )
        live = [e for e in entries if e.status != "retired"]
        if index_store is None:
            self._index = self._build(live)
            return
        stored = index_store.load(self._store_key(index_store, index_source or live))
        self._index = stored if stored is not None else self._build(live)
        if stored is None:
            self.keep_index(index_store, index_source=index_source)

    @classmethod
    def restore(
        cls,
        index_store: StoredIndexes,
        *,
        index_source: str,
        thresholds: Thresholds | None = None,
        thesaurus: Thesaurus | None = None,
        today: date | None = None,
        default_review_days: int | None = None,
        term_vectors: TermVectors | None | bool = True,
        embedder: Embedder | None = None,
        concepts: Sequence[Entry] | bool = True,
    ) -> Matcher | None:
        """Return the matcher stored for entries read from `index_source`, or None."""
        matcher = cls.__new__(cls)
        matcher._configure(
            thresholds, thesaurus, today, default_review_days, term_vectors, embedder, concepts
        )
        stored = index_store.load(matcher._store_key(index_store, index_source))
        if stored is None:
            return None
        matcher._index = stored
        return matcher

    def _configure(
        self,
        thresholds: Thresholds | None,
        thesaurus: Thesaurus | None,
        today: date | None,
        default_review_days: int | None,
        term_vectors: TermVectors | None | bool,
        embedder: Embedder | None = None,
        concepts: Sequence[Entry] | bool = True,
    ) -> None:
        self._embedder = embedder
        self.thresholds = thresholds or (
            Thresholds() if embedder is None else Thresholds(SENTENCE_AUTO, SENTENCE_SUGGEST)
        )
        self.thesaurus = thesaurus if thesaurus is not None else shipped_thesaurus()
        self._vectors: TermVectors | None = None
        if isinstance(term_vectors, TermVectors):
            self._vectors = term_vectors
        elif term_vectors is True:
            self._vectors = shipped_term_vectors()
        self.today = today
        self.default_review_days = default_review_days
        self._normaliser = Normaliser(self.thesaurus)
        self._guards = Guards(self.thesaurus.guards)
        self._subjects = SubjectRule.of(self.thesaurus, self._normaliser)
        self._write_lock = threading.Lock()
        self._concept_source = concepts
        self._concepts: Matcher | None = None
        self._concepts_built = False
        self._concepts_lock = threading.Lock()

    def keep_index(self, index_store: StoredIndexes, *, index_source: str | None = None) -> bool:
        """Store the index as built (not after upserts); tell whether it was stored."""
        index = self._index
        if index.words.pending.shape[0] or not index.alive.all():
            return False
        source = index_source or list(index.entries.values())
        return index_store.save(self._store_key(index_store, source), index)

    def _store_key(self, index_store: StoredIndexes, source: str | Sequence[Entry]) -> str:
        return index_store.key(
            source=source,
            thesaurus=self.thesaurus,
            term_vectors=self._vectors,
            embedder=self._embedder.fingerprint if self._embedder else "",
        )

    def _concept_matcher(self) -> Matcher | None:
        """Build the concepts' own matcher the first time a question may use it."""
        if self._concepts_built:
            return self._concepts
        with self._concepts_lock:
            if not self._concepts_built:
                source = self._concept_source
                listed = shipped_concepts() if source is True else source or ()
                if listed:
                    self._concepts = Matcher(
                        listed,
                        thresholds=self.thresholds,
                        thesaurus=self.thesaurus,
                        term_vectors=self._vectors or False,
                        concepts=False,
                    )
                self._concepts_built = True
        return self._concepts

    def _rows_of(self, entry: Entry) -> list[_Row]:
        texts = [entry.question, *entry.alternates]
        tags = " ".join(entry.tags)
        rows: list[_Row] = []
        for position, text in enumerate(dict.fromkeys(texts)):
            norm = self._normaliser.normalise(text)
            if position == 0 and tags:
                # Tags sharpen retrieval of the main question without turning alternates noisy.
                extra = self._normaliser.normalise(tags).terms
                norm = NormalisedText(
                    stems=norm.stems, terms=norm.terms + extra, key=norm.key, surface=norm.surface
                )
            rows.append(_Row(entry_id=entry.id, text=norm, facets=self._guards.read(norm.stems)))
        return rows

    def _build(self, entries: Sequence[Entry]) -> _Index:
        """Index every entry from scratch and freeze the idf."""
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique[entry.id] = entry
        rows: list[_Row] = []
        for entry in unique.values():
            rows.extend(self._rows_of(entry))
        texts = [r.text for r in rows]
        vectors = []
        for space in (_Space(chars=False), _Space(chars=True)):
            counts = space.counts(texts, grow=True)
            space.fit_idf(counts)
            vectors.append(_Vectors.of(space, space.weigh(counts)))
        return self._snapshot(
            rows=tuple(rows),
            words=vectors[0],
            chars=vectors[1],
            meaning=self._meaning(texts),
            sentences=self._sentences(texts),
            alive=np.ones(len(rows), dtype=bool),
            entries=unique,
        )

    def _meaning(self, texts: Sequence[NormalisedText]) -> np.ndarray:
        """Term-vector mixes for texts (no columns when the matcher has no vectors)."""
        if self._vectors is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self._vectors.embed([t.terms for t in texts])

    @staticmethod
    def _snapshot(
        *,
        rows: tuple[_Row, ...],
        words: _Vectors,
        chars: _Vectors,
        meaning: np.ndarray,
        sentences: np.ndarray,
        alive: np.ndarray,
        entries: Mapping[str, Entry],
    ) -> _Index:
        entry_rows: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if alive[i]:
                entry_rows.setdefault(row.entry_id, []).append(i)
        by_id: dict[str, set[str]] = {}
        for entry in entries.values():
            for cid in control_ids(entry.refs):
                by_id.setdefault(cid, set()).add(entry.id)
        return _Index(
            rows=rows,
            words=words,
            chars=chars,
            meaning=meaning,
            sentences=sentences,
            alive=alive,
            entries=dict(entries),
            entry_rows={k: tuple(v) for k, v in entry_rows.items()},
            by_control_id={k: frozenset(v) for k, v in by_id.items()},
        )

    def upsert(self, entry: Entry) -> None:
        """Add or replace one entry in the index without rebuilding it."""
        with self._write_lock:
            index = self._index
            alive, entries = _dropping(index, entry.id)
            if entry.status == "retired":
                self._index = self._same_rows(index, alive, entries)
                return
            entries[entry.id] = entry
            new_rows = self._rows_of(entry)
            rows = index.rows + tuple(new_rows)
            dead = int((~alive).sum())
            if len(rows) - index.words.built.shape[0] > MAX_PENDING_ROWS or dead > max(
                MAX_PENDING_ROWS, len(rows) // 4
            ):
                self._index = self._build(list(entries.values()))
                return
            texts = [r.text for r in new_rows]
            self._index = self._snapshot(
                rows=rows,
                words=index.words.with_texts(texts),
                chars=index.chars.with_texts(texts),
                meaning=np.vstack([index.meaning, self._meaning(texts)]),
                sentences=np.vstack([index.sentences, self._sentences(texts)]),
                alive=np.concatenate([alive, np.ones(len(new_rows), dtype=bool)]),
                entries=entries,
            )

    def remove(self, entry_id: str) -> None:
        """Drop one entry from the index (unknown ids are ignored)."""
        with self._write_lock:
            index = self._index
            if entry_id not in index.entries:
                return
            self._index = self._same_rows(index, *_dropping(index, entry_id))

    @staticmethod
    def _same_rows(index: _Index, alive: np.ndarray, entries: Mapping[str, Entry]) -> _Index:
        """Return the index over the same rows and vectors with other rows alive."""
        return Matcher._snapshot(
            rows=index.rows,
            words=index.words,
            chars=index.chars,
            meaning=index.meaning,
            sentences=index.sentences,
            alive=alive,
            entries=entries,
        )

    def match(
        self,
        question: str,
        *,
        top: int = 3,
        control_id: str | None = None,
        context: str | None = None,
    ) -> list[Match]:
        """Return the best entries for a question, best first ([] only for an empty question).

        `context` is what the row says about itself besides the question: its section heading,
        domain or control title. It helps find entries on the same subject and orders them within
        the band the question earns; scores, bands, guards and matched terms read the question
        alone.
        """
        return self.match_many([(question, control_id, context)], top=top)[0]

    def match_many(self, queries: Sequence[Query], *, top: int = 3) -> list[list[Match]]:
        """Match many questions at once; each item is (question, control ID or None[, context])."""
        index = self._index
        results: list[list[Match]] = [[] for _ in queries]
        live = [i for i, q in enumerate(queries) if q[0] and q[0].strip()]
        if not index.entries or top < 1:
            return results
        for start in range(0, len(live), QUERY_BATCH):
            chunk = live[start : start + QUERY_BATCH]
            texts = [self._normaliser.normalise(queries[i][0][:MAX_QUESTION_CHARS]) for i in chunk]
            contexts = [self._context_text(queries[i]) for i in chunk]
            # The context helps find candidates and orders them (see _rank); every score is the
            # question's own.
            word_query = index.words.queries(texts)
            with_context = any(c.terms for c in contexts)
            retrieval = index.words.retrieve(
                index.words.queries(
                    [
                        replace(text, terms=text.terms + context.terms)
                        for text, context in zip(texts, contexts, strict=True)
                    ]
                )
                if with_context
                else word_query
            )
            retrieval[:, ~index.alive] = -1.0
            # Words find candidates for nearly every question at a fraction of the cost of
            # character n-grams; those are the fallback when no word is shared (typos, jargon).
            stuck = np.flatnonzero((retrieval > 0).sum(axis=1) < top)
            char_query = index.chars.queries(texts)
            if len(stuck):
                by_chars = index.chars.retrieve(sp.csr_matrix(char_query[stuck]))
                by_chars[:, ~index.alive] = -1.0
                retrieval[stuck] = np.maximum(retrieval[stuck], by_chars)
            asked = self._sentences(texts)
            retrieval = self._sentence_candidates(index, asked, retrieval)
            wanted = [self._wanted_entries(index, queries[i][1]) for i in chunk]
            bridges = self._bridges(
                index,
                [queries[i] for i, t in zip(chunk, texts, strict=True)],
                short=[
                    len(t.terms) <= BRIDGE_MAX_TERMS and retrieval[k].max() < BRIDGE_UNLESS_FOUND
                    for k, t in enumerate(texts)
                ],
            )
            candidates = [
                self._with_bridged(
                    index, self._candidate_rows(index, retrieval[k], wanted[k], top=top), bridges[k]
                )
                for k in range(len(chunk))
            ]
            # Exact scores for every (question, candidate) pair of the chunk in one product each.
            owners = np.repeat(np.arange(len(chunk)), [len(c) for c in candidates])
            flat = np.concatenate(candidates) if candidates else np.zeros(0, dtype=np.int64)
            word_scores = index.words.pair_dots(word_query, owners, flat)
            char_scores = index.chars.pair_dots(char_query, owners, flat)
            meaning_scores = self._with_sentence_model(
                index, asked, owners, flat, self._meaning_scores(index, texts, owners, flat)
            )
            context_scores = np.zeros(len(flat))
            if with_context:
                context_scores = self._context_scores(index, contexts, owners, flat)
            bounds = np.concatenate([[0], np.cumsum([len(c) for c in candidates])])
            for k, i in enumerate(chunk):
                lo, hi = bounds[k], bounds[k + 1]
                results[i] = self._rank(
                    index,
                    texts[k],
                    candidates[k],
                    word_scores[lo:hi],
                    char_scores[lo:hi],
                    meaning_scores[lo:hi],
                    context_scores[lo:hi],
                    context=contexts[k],
                    wanted=wanted[k],
                    bridges=bridges[k],
                    top=top,
                )
        return results

    def _bridges(
        self, index: _Index, queries: Sequence[Query], *, short: Sequence[bool]
    ) -> list[dict[str, Bridge]]:
        """Match questions to concepts and follow each concept's IDs to the entries citing them."""
        out: list[dict[str, Bridge]] = [{} for _ in queries]
        concept_matcher = self._concept_matcher() if any(short) else None
        if concept_matcher is None:
            return out
        found = concept_matcher.match_many(
            [
                (q[0] if s else "", None, q[2] if len(q) == 3 else None)
                for q, s in zip(queries, short, strict=True)
            ],
            top=CONCEPTS_FOLLOWED,
        )
        concepts = concept_matcher._index.entries
        for bridged, matches in zip(out, found, strict=True):
            for position, match in enumerate(matches):
                if match.score < max(BRIDGE_FLOOR, self.thresholds.suggest):
                    break
                concept = concepts[match.entry_id]
                guard = match.explanation.guard or match.explanation.note
                if guard is None and position > 0:
                    guard = f"concept {match.entry_id} is not the question's best concept"
                for cid in control_ids(concept.refs):
                    for entry_id in index.by_control_id.get(cid, ()):
                        if entry_id not in bridged or bridged[entry_id].score < match.score:
                            bridged[entry_id] = Bridge(
                                concept_id=match.entry_id,
                                control_id=", ".join(concept.refs.values()),
                                score=match.score,
                                guard=guard and f"through a concept, {guard}",
                            )
        return out

    @staticmethod
    def _with_bridged(index: _Index, rows: np.ndarray, bridged: Mapping[str, Bridge]) -> np.ndarray:
        """Add the rows of the entries a concept led to (their question row is enough)."""
        extra = [index.entry_rows[e][0] for e in bridged if e in index.entry_rows]
        if not extra:
            return rows
        return np.union1d(rows, np.array(extra, dtype=np.int64))

    def _context_text(self, query: Query) -> NormalisedText:
        """Normalise a query's context, if it has one (no terms when it has none)."""
        context = query[2] if len(query) == 3 else None
        if not context or not context.strip():
            return NormalisedText(stems=(), terms=())
        return self._normaliser.normalise(context[:MAX_CONTEXT_CHARS])

    def _context_scores(
        self,
        index: _Index,
        contexts: Sequence[NormalisedText],
        owners: np.ndarray,
        rows: np.ndarray,
    ) -> np.ndarray:
        """How well each row agrees with its question's context alone (0 without context)."""
        words = index.words.pair_dots(index.words.queries(contexts), owners, rows)
        meaning = self._meaning_scores(index, contexts, owners, rows)
        has_context = np.array([bool(contexts[o].terms) for o in owners.tolist()], dtype=bool)
        agreement = np.array(
            [self._mixed(float(w), float(m)) for w, m in zip(words, meaning, strict=True)]
        )
        return np.where(has_context, agreement, 0.0)

    def _sentences(self, texts: Sequence[NormalisedText]) -> np.ndarray:
        """Sentence-model vectors for texts (no columns without a model)."""
        if self._embedder is None or not texts:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self._embedder.embed([" ".join(t.surface) for t in texts])

    def _sentence_candidates(
        self, index: _Index, asked: np.ndarray, retrieval: np.ndarray
    ) -> np.ndarray:
        """Let the optional sentence model find candidates that share no word with a question."""
        if asked.shape[1] == 0 or index.sentences.shape[1] == 0:
            return retrieval
        found: np.ndarray = np.maximum(retrieval, asked @ index.sentences.T)
        found[:, ~index.alive] = -1.0
        return found

    def _with_sentence_model(
        self,
        index: _Index,
        asked: np.ndarray,
        owners: np.ndarray,
        rows: np.ndarray,
        meaning: np.ndarray,
    ) -> np.ndarray:
        """Blend the optional sentence model's similarity into meaning (unchanged without one).

        The one place the model touches the score: its cosine, lifted above what unrelated
        texts reach as the term vectors' is, takes SENTENCE_SHARE of the meaning signal, and
        meaning weighs SENTENCE_MEANING_WEIGHT in the score (bands: SENTENCE_AUTO/SUGGEST).
        """
        if self._embedder is None or asked.shape[1] == 0 or index.sentences.shape[1] == 0:
            return meaning
        cosine = np.einsum("ij,ij->i", asked[owners], index.sentences[rows])
        floor = self._embedder.baseline
        lifted = np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0)
        share = SENTENCE_SHARE if self._vectors is not None else 1.0
        blended: np.ndarray = (1.0 - share) * meaning + share * lifted
        return blended

    def _meaning_scores(
        self, index: _Index, texts: Sequence[NormalisedText], owners: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """How far each (question, row) pair's meaning cosine rises above unrelated texts', 0–1."""
        if self._vectors is None or index.meaning.shape[1] == 0:
            return np.zeros(len(rows))
        asked = self._meaning(texts)
        cosine = np.einsum("ij,ij->i", asked[owners], index.meaning[rows])
        floor = self._vectors.baseline
        lifted: np.ndarray = np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0)
        return lifted

    @staticmethod
    def _wanted_entries(index: _Index, control_id: str | None) -> frozenset[str] | None:
        """Return the entries citing a question's control ID (None when it carries no ID)."""
        if not control_id or not control_id.strip():
            return None
        return index.by_control_id.get(normalise_control_id(control_id), frozenset())

    @staticmethod
    def _candidate_rows(
        index: _Index, retrieval: np.ndarray, wanted: frozenset[str] | None, *, top: int
    ) -> np.ndarray:
        """Pick the rows worth scoring exactly: the best retrieved, and any citing the ID."""
        n = retrieval.shape[0]
        want = min(n, CANDIDATE_ROWS)
        rows = np.argpartition(-retrieval, want - 1)[:want] if want < n else np.arange(n)
        candidate_rows = set(rows[retrieval[rows] > 0].tolist())
        for entry_id in wanted or ():
            candidate_rows.update(index.entry_rows.get(entry_id, ()))
        entries = {index.rows[r].entry_id for r in candidate_rows}
        # Counted in entries, not rows: one entry with many alternates is still one entry.
        if len(entries) < top:
            # Too little in common with anything: still offer `top` entries, all scored low.
            for entry_id, entry_rows in index.entry_rows.items():
                if len(entries) >= top:
                    break
                if entry_id not in entries:
                    entries.add(entry_id)
                    candidate_rows.update(entry_rows)
        return np.array(sorted(candidate_rows), dtype=np.int64)

    def _rank(
        self,
        index: _Index,
        text: NormalisedText,
        ordered: np.ndarray,
        word_scores: np.ndarray,
        char_scores: np.ndarray,
        meaning_scores: np.ndarray,
        context_scores: np.ndarray,
        *,
        context: NormalisedText,
        wanted: frozenset[str] | None,
        bridges: Mapping[str, Bridge],
        top: int,
    ) -> list[Match]:
        id_entries = wanted or frozenset()
        asked_subject = self._subjects.subject(text.terms)
        context_subject = self._subjects.subject(context.terms)
        best: dict[str, _Candidate] = {}
        for r, word, char, meaning, agreement in zip(
            ordered.tolist(), word_scores, char_scores, meaning_scores, context_scores, strict=True
        ):
            row = index.rows[r]
            wording = self._wording_score(text, row.text, float(word), float(char))
            score = self._mixed(wording, float(meaning))
            # The row's context ranks entries on its subject higher. It closes part of the gap
            # to a perfect score (1 - (1 - s)(1 - w·c), a noisy-or), so it never lowers a match
            # and a strong match stays ahead of a weak one on the same subject.
            rank = score
            if score < 1.0 and agreement > 0.0:
                rank = 1.0 - (1.0 - score) * (1.0 - CONTEXT_WEIGHT * float(agreement))
            # An entry is scored, guarded and explained by its row that best fits the question
            # (its question or an alternate) and ranked by whichever row ranks best.
            current = best.get(row.entry_id)
            if current is None or score > current.text_score:
                rank = max(rank, current.rank) if current else rank
                best[row.entry_id] = _Candidate(
                    row.entry_id, r, score, wording, float(meaning), rank
                )
            elif rank > current.rank:
                best[row.entry_id] = replace(current, rank=rank)
        own_best = max((c.text_score for c in best.values()), default=0.0)
        for entry_id, bridge in bridges.items():
            cand = best.get(entry_id)
            if bridge.score < WEAK_BRIDGE and own_best >= WEAK_BRIDGE_CEILING:
                # A loose concept match says little when the bank's own wording already fits.
                continue
            share = BRIDGE_DISCOUNT if bridge.score >= WEAK_BRIDGE else WEAK_BRIDGE_DISCOUNT
            if cand is not None and bridge.score * share > cand.text_score:
                cand.direct = cand.text_score
                # The concept's wording fits the question better than the entry's own: rank the
                # entry by that path, one step removed, and say so.
                cand.text_score = bridge.score * share
                cand.rank = max(cand.rank, cand.text_score)
                cand.bridge = bridge
        question_facets = self._guards.read(text.stems)
        asked_intent = intent_of(text.stems, text.surface)
        # Only a short question lets a guard reorder: a long one carries its own evidence, and
        # reordering it cost 0.015-0.035 of cross-framework top-1.
        short = len(text.terms) <= REORDER_MAX_TERMS
        scored: list[_Scored] = []
        for cand in best.values():
            stated = index.rows[cand.row].text
            if short and intents_differ(asked_intent, intent_of(stated.stems, stated.surface)):
                # "Do you have a plan?" prefers the statement that the plan exists to the one
                # about testing or reviewing it; "is it tested?" prefers the one about testing.
                cand.text_score *= OTHER_INTENT_SHARE
                cand.rank *= OTHER_INTENT_SHARE
            cand.on_subject = bool(context_subject) and bool(
                context_subject & index.entry_terms(cand.entry_id)
            )
            id_match = cand.entry_id in id_entries
            bonus = ID_BONUS if id_match and cand.wording >= ID_TEXT_FLOOR else 0.0
            scored.append(
                _Scored(
                    rank=min(1.0, cand.rank + bonus),
                    score=min(1.0, cand.text_score + bonus),
                    cand=cand,
                    id_match=id_match,
                )
            )
        # Entries citing the row's ID whose wording also fits; an ID reused for another
        # question after renumbering cites an entry whose wording does not (on the same topic,
        # its meaning may well fit, so meaning does not count here).
        plausible_owners = frozenset(
            e for e in id_entries if e in best and best[e].wording >= OWNER_WORDING_FLOOR
        )
        # The band the question alone earns comes first: the context only orders the entries
        # within a band. A matching control ID breaks ties, including ties at the top score.
        scored.sort(
            key=lambda s: (
                BANDS.index(band_for(s.score, self.thresholds)),
                -s.rank,
                not s.id_match,
                not s.cand.on_subject,
                s.cand.entry_id,
            )
        )
        direct_best = max(best.values(), key=_own_score) if bridges and best else None
        matches: list[Match] = []
        for position, item in enumerate(scored[:top]):
            cand, id_match = item.cand, item.id_match
            runner_up: str | None = None
            margin: float | None = None
            rival: Entry | None = None
            if len(scored) > 1:
                other = scored[1] if position == 0 else scored[0]
                runner_up = other.cand.entry_id
                margin = round(item.score - other.score, 4)
                if position == 0:
                    rival = _rival(index, scored, subjectless=not asked_subject)
            matches.append(
                self._describe(
                    index,
                    text,
                    cand,
                    item.score,
                    id_match=id_match,
                    id_given=wanted is not None,
                    id_owners=plausible_owners,
                    question_facets=question_facets,
                    runner_up=runner_up,
                    margin=margin,
                    rival=rival,
                    best=position == 0,
                    subjects=(asked_subject, context_subject),
                    direct_best=direct_best,
                    context_terms=_context_terms(text, context, index.rows[cand.row].text)
                    if cand.rank > cand.text_score
                    else (),
                )
            )
        return matches

    def _mixed(self, wording: float, meaning: float) -> float:
        """Mix meaning into a wording score (an exact wording stays exact)."""
        if (self._vectors is None and self._embedder is None) or wording >= 1.0:
            return wording
        weight = MEANING_WEIGHT if self._embedder is None else SENTENCE_MEANING_WEIGHT
        return (1.0 - weight) * wording + weight * meaning

    @staticmethod
    def _wording_score(
        question: NormalisedText, row: NormalisedText, word: float, char: float
    ) -> float:
        if question.key and question.key == row.key:
            return 1.0
        edit = fuzz.ratio(question.key, row.key) / 100.0 if question.key and row.key else 0.0
        score = WORD_WEIGHT * word + CHAR_WEIGHT * char + FUZZ_WEIGHT * edit
        # Anything short of the same normalised wording stays below a perfect score.
        return float(min(max(score, 0.0), 0.999))

    def _describe(
        self,
        index: _Index,
        text: NormalisedText,
        cand: _Candidate,
        score: float,
        *,
        id_match: bool,
        id_given: bool,
        id_owners: frozenset[str],
        question_facets: Facets,
        runner_up: str | None,
        margin: float | None,
        rival: Entry | None,
        best: bool,
        subjects: tuple[frozenset[str], frozenset[str]],
        direct_best: _Candidate | None = None,
        context_terms: tuple[str, ...] = (),
    ) -> Match:
        row = index.rows[cand.row]
        entry = index.entries[cand.entry_id]
        guard = self._guards.conflict(question_facets, row.facets)
        if guard is None and cand.bridge is not None:
            guard = cand.bridge.guard or self._wording_prefers_other(cand, direct_best)
        if guard is None and score >= self.thresholds.suggest and cand.bridge is None:
            # Only a plausible match needs the reason it was not filled on its own.
            guard = _subject_conflict(index.words.space, text, row.text)
        if guard is None and id_given and id_match and cand.wording < ID_TEXT_FLOOR:
            guard = "the control ID matches but the wording differs"
        if guard is None and id_owners and not id_match:
            # Generic wording ("are the policies reviewed annually?") recurs under many controls;
            # when the bank holds a statement for this very ID, another one must not fill alone.
            guard = f"the row's control ID is cited by entry {min(id_owners)}, not by this one"
        if (
            guard is None
            and rival is not None
            and (rival.answer, rival.detail) != (entry.answer, entry.detail)
        ):
            guard = f"entry {rival.id} matches as well and answers differently"
        if guard is None:
            guard = self._subjects.conflict(
                asked=subjects[0],
                context=subjects[1],
                stated=self._subjects.subject(row.text.key.split()),
                evidence=index.entry_terms(cand.entry_id),
                id_match=id_match,
            )
        note = self._why_not_autofill(entry)
        if cand.bridge is not None:
            # The band is the concept match's own, calibrated like any other match.
            score = max(score, min(1.0, cand.bridge.score))
        band = band_for(score, self.thresholds)
        # Only the best match may fill a cell on its own; the others are alternatives.
        if band == "auto" and (guard or note or not best):
            band = "suggest"
        return Match(
            entry_id=cand.entry_id,
            score=round(score, 4),
            band=band,
            explanation=Explanation(
                matched_terms=_shared_terms(text, row.text),
                guard=guard,
                runner_up=runner_up,
                margin=margin,
                id_match=id_match,
                note=note,
                meaning=round(cand.meaning, 4),
                context_terms=context_terms,
                concept=cand.bridge.concept_id if cand.bridge else None,
                concept_ref=cand.bridge.control_id if cand.bridge else None,
            ),
        )

    def _wording_prefers_other(self, cand: _Candidate, other: _Candidate | None) -> str | None:
        """Hold back a concept's path when the question's own wording points to another entry."""
        if other is None or other.entry_id == cand.entry_id:
            return None
        own = _own_score(other)
        if own >= self.thresholds.suggest and own > _own_score(cand):
            return f"the question's own wording fits entry {other.entry_id} better"
        return None

    def _why_not_autofill(self, entry: Entry) -> str | None:
        today = self.today or date.today()
        if entry.status == "draft":
            return "entry is a draft"
        if entry.status != "approved":
            return f"entry is {entry.status}"
        if entry.is_stale(today=today, default_review_days=self.default_review_days):
            return "entry is stale (past its review date)"
        return None


def _own_score(cand: _Candidate) -> float:
    """Return a candidate's score by its own wording (not through a concept)."""
    return cand.direct if cand.bridge is not None else cand.text_score


def _subject_conflict(space: _Space, question: NormalisedText, entry: NormalisedText) -> str | None:
    """Say so when the entry is about something else, or about something narrower.

    Shared template words ("is the confidentiality, integrity and availability of … ensured")
    can score high while the subjects (backups vs endpoints) differ: each side's rarest word is
    missing from the other and rarer than anything they share.
    """
    # The entry's own wording only: its tags help find it but say nothing it asserts.
    asked, stated = set(question.terms), set(entry.key.split())
    shared = asked & stated
    if not shared or not (stated - shared):
        return None

    def rarest(terms: set[str]) -> tuple[float, str]:
        return max((space.idf_of(t), t) for t in terms)

    top_shared = rarest(shared)[0]
    e_weight, e_term = rarest(stated - shared)
    if e_weight <= top_shared:
        return None
    if asked - shared:
        q_weight, q_term = rarest(asked - shared)
        if q_weight > top_shared:
            return f"subject differs: '{_surface(question, q_term)}' vs '{_surface(entry, e_term)}'"
    # A short question gives little evidence; an entry that adds a weighty condition to it
    # ("is the incident response plan *tested*?" for "do you have one?") answers something
    # narrower, and its "No" would be a wrong answer to the question.
    if len(asked) <= SHORT_QUESTION_TERMS:
        extra = sum(space.idf_of(t) for t in stated - shared)
        if extra >= NARROWER_SHARE * sum(space.idf_of(t) for t in shared):
            return f"the entry is narrower: it adds '{_surface(entry, e_term)}'"
    return None


def _surface(text: NormalisedText, term: str) -> str:
    if "_" in term:
        return term.replace("_", " ")
    for stemmed, written in zip(text.stems, text.surface, strict=True):
        if stemmed == term:
            return written
    return term


def _context_terms(
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


def _shared_terms(question: NormalisedText, row: NormalisedText) -> tuple[str, ...]:
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
