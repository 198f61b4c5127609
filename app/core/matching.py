"""Match an incoming question to the bank: retrieve candidates from a sparse index, score, band.

The subjects live in their own modules: `match_result` (bands and explanations), `sparse_index`
(the index of a bank), `scoring` (one question against one text), `ranking` (one question's
candidates in order), `verdict` (the guards and band of one candidate) and `bridging` (a question's
concepts followed on to the entries citing their IDs). This module holds the
`Matcher`: it builds or restores the index and scores questions in batches.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from app.core.acronyms import AcronymExpander
from app.core.bank import Entry
from app.core.bridging import NumberingCheck, follow_concepts, with_bridged
from app.core.collector import collector_paused
from app.core.concepts import Bridge, shipped_concepts, shipped_concepts_source
from app.core.embeddings import Embedder
from app.core.entry_says import said_by
from app.core.examples import example_terms
from app.core.follow_ups import later_questions
from app.core.guards import Guards
from app.core.listing import listed_terms
from app.core.match_result import (
    BANDS,
    DEFAULT_AUTO,
    DEFAULT_SUGGEST,
    SENTENCE_AUTO,
    SENTENCE_SUGGEST,
    Explanation,
    Match,
    Thresholds,
    band_for,
)
from app.core.meaning import Meaning
from app.core.normalise import (
    NormalisedText,
    Normaliser,
    Thesaurus,
    load_thesaurus,
    shipped_thesaurus,
)
from app.core.objects import ObjectRule
from app.core.question_forms import (
    MAX_CONTEXT_CHARS,
    MAX_QUESTION_CHARS,
    Query,
    QuestionForms,
    pointing_word,
)
from app.core.ranking import (
    SENTENCE_SUBJECT_RIVAL_MARGIN,
    SUBJECT_RIVAL_MARGIN,
    QueryScores,
    rank,
)
from app.core.scoring import MEANING_WEIGHT, SENTENCE_MEANING_WEIGHT, DetailTerms, Scoring
from app.core.semantic import TermVectors, shipped_term_vectors
from app.core.sparse_index import (
    Index,
    Row,
    Space,
    Vectors,
    candidate_rows,
    control_ids,
    entries_citing,
    index_of,
)
from app.core.subject import SubjectRule

__all__ = [
    "BANDS",
    "DEFAULT_AUTO",
    "DEFAULT_SUGGEST",
    "SENTENCE_AUTO",
    "SENTENCE_SUGGEST",
    "Explanation",
    "Match",
    "Matcher",
    "Thesaurus",
    "Thresholds",
    "band_for",
    "control_ids",
    "load_thesaurus",
]

# How many of a question's best concepts lead on to the entries citing their IDs.
CONCEPTS_FOLLOWED = 3
# Concepts are everyday questions: a long question in framework wording is matched on its own
# words (through concepts it lost 0.02-0.05 of cross-framework top-1).
BRIDGE_MAX_TERMS = 8
# A question whose words already find a row this close (retrieval cosine) needs no concept.
BRIDGE_UNLESS_FOUND = 0.7
# A concept leads on only when the question matches it at least this well.
BRIDGE_FLOOR = 0.40

QUERY_BATCH = 256


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

    def load(self, key: str) -> Index | None: ...

    def save(self, key: str, index: Index) -> bool: ...


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
        concept_store: StoredIndexes | None = None,
    ) -> None:
        """`term_vectors`: True for the shipped vectors, False (or None) to match on wording alone.

        `concepts`: statements in customer words citing framework IDs (True for the starter
        bank's, False for none); a question matching one reaches the entries citing its IDs.

        With `index_store`, the index is read from it when one was stored for the same entries
        (or the same `index_source`, a digest of the files the entries were read from), and
        stored there after a build. The shipped concepts' own index is kept the same way in
        `concept_store` (best a directory of its own: it outlives the bank's revisions).
        """
        self._configure(
            thresholds, thesaurus, today, default_review_days, term_vectors, embedder, concepts
        )
        self._concept_store = concept_store
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
        concept_store: StoredIndexes | None = None,
    ) -> Matcher | None:
        """Return the matcher stored for entries read from `index_source`, or None."""
        matcher = cls.__new__(cls)
        matcher._configure(
            thresholds, thesaurus, today, default_review_days, term_vectors, embedder, concepts
        )
        matcher._concept_store = concept_store
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
        self._meaning = Meaning(self._vectors, embedder)
        self.today = today
        self.default_review_days = default_review_days
        self._normaliser = Normaliser(self.thesaurus)
        self._guards = Guards(self.thesaurus.guards, self.thesaurus.stopwords)
        meaning_weight: float | None = None
        if embedder is not None:
            meaning_weight = SENTENCE_MEANING_WEIGHT
        elif self._vectors is not None:
            meaning_weight = MEANING_WEIGHT
        self._scoring = Scoring(
            thresholds=self.thresholds,
            guards=self._guards,
            subjects=SubjectRule.of(self.thesaurus, self._normaliser),
            objects=ObjectRule.of(self.thesaurus, self._normaliser),
            meaning_weight=meaning_weight,
            today=today,
            default_review_days=default_review_days,
            details=DetailTerms(self._normaliser),
            subject_rival_margin=(
                SUBJECT_RIVAL_MARGIN if embedder is None else SENTENCE_SUBJECT_RIVAL_MARGIN
            ),
            corpus=self._vectors,
        )
        self._forms = QuestionForms(
            self._normaliser, AcronymExpander.of_thesaurus(self.thesaurus), self._scoring.subjects
        )
        self._concept_source = concepts
        self._concept_store = None
        self._concepts: Matcher | None = None
        self._concepts_built = False
        self._concepts_lock = threading.Lock()
        self._numbering = NumberingCheck()

    def keep_index(self, index_store: StoredIndexes, *, index_source: str | None = None) -> bool:
        """Store the index; tell whether it was stored (a store may be read-only)."""
        index = self._index
        source = index_source or list(index.entries.values())
        return index_store.save(self._store_key(index_store, source), index)

    def _store_key(self, index_store: StoredIndexes, source: str | Sequence[Entry]) -> str:
        return index_store.key(
            source=source,
            thesaurus=self.thesaurus,
            term_vectors=self._vectors,
            embedder=self._embedder.fingerprint if self._embedder else "",
        )

    def load_concepts(self) -> None:
        """Read or build the concepts' matcher now (keeping its index), not on first use."""
        self._concept_matcher()

    def _concept_matcher(self) -> Matcher | None:
        """Read or build the concepts' own matcher the first time a question may use it."""
        if self._concepts_built:
            return self._concepts
        with self._concepts_lock:
            if not self._concepts_built:
                source = self._concept_source
                if source is True:
                    self._concepts = self._shipped_concept_matcher()
                elif source:
                    self._concepts = self._concept_matcher_of(source)
                self._concepts_built = True
        return self._concepts

    def _concept_matcher_of(self, concepts: Sequence[Entry]) -> Matcher:
        matcher = Matcher(
            concepts,
            thresholds=self.thresholds,
            thesaurus=self.thesaurus,
            term_vectors=self._vectors or False,
            concepts=False,
        )
        return _as_concepts(matcher)

    def _shipped_concept_matcher(self) -> Matcher | None:
        """The starter bank's concepts: read from the store when kept there, else built and kept.

        Reading the starter bank's YAML and building its index cost about half a second of the
        first question that bridges through a concept; the stored index skips both.
        """
        store = self._concept_store
        source = shipped_concepts_source() if store is not None else ""
        if store is not None and source:
            stored = Matcher.restore(
                store,
                index_source=source,
                thresholds=self.thresholds,
                thesaurus=self.thesaurus,
                term_vectors=self._vectors or False,
                concepts=False,
            )
            if stored is not None:
                return _as_concepts(stored)
        listed = shipped_concepts()
        if not listed:
            return None
        matcher = self._concept_matcher_of(listed)
        # Files edited while they were read must not be stored under the digest of either version.
        if store is not None and source and source == shipped_concepts_source():
            matcher.keep_index(store, index_source=source)
        return matcher

    def _rows_of(self, entry: Entry) -> list[Row]:
        texts = [entry.question, *entry.alternates]
        tags = " ".join(entry.tags)
        rows: list[Row] = []
        for position, text in enumerate(dict.fromkeys(texts)):
            norm = self._normaliser.normalise(text)
            if position == 0 and tags:
                # Tags sharpen retrieval of the main question without turning alternates noisy.
                extra = self._normaliser.normalise(tags).terms
                norm = NormalisedText(
                    stems=norm.stems, terms=norm.terms + extra, key=norm.key, surface=norm.surface
                )
            rows.append(Row(entry_id=entry.id, text=norm, facets=self._guards.read(norm.stems)))
        return rows

    @collector_paused()
    def _build(self, entries: Sequence[Entry]) -> Index:
        """Index every entry from scratch and freeze the idf."""
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique[entry.id] = entry
        rows: list[Row] = []
        for entry in unique.values():
            rows.extend(self._rows_of(entry))
        texts = [r.text for r in rows]
        vectors = []
        for space in (Space(chars=False), Space(chars=True)):
            counts = space.counts(texts, grow=True)
            space.fit_idf(counts)
            vectors.append(Vectors.of(space, space.weigh(counts)))
        return index_of(
            rows=tuple(rows),
            words=vectors[0],
            chars=vectors[1],
            meaning=self._meaning.of_terms(texts),
            sentences=self._meaning.of_sentences(texts),
            entries=unique,
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
        if not index.entries or top < 1:
            return results
        # Each question, and further forms of some (spelt out, read with its heading), whose
        # scores are merged into the first's per entry (see question_forms.py, ranking.rank).
        forms = self._forms.of(queries)
        scores: list[QueryScores] = []
        for start in range(0, len(forms), QUERY_BATCH):
            chunk = forms[start : start + QUERY_BATCH]
            scores.extend(self._score_chunk(index, [form.query for form in chunk], top=top))
        grouped: dict[int, list[QueryScores]] = {}
        # What a question lists, as written: its spelt-out form names no acronym (listing.py).
        listed = {
            i: listed_terms(query[0][:MAX_QUESTION_CHARS], self._normaliser)
            for i, query in enumerate(queries)
        }
        for form, query_scores in zip(forms, scores, strict=True):
            if form.read_with_context:
                query_scores = replace(query_scores, read_with_context=True)
            if listed[form.origin]:
                query_scores = replace(query_scores, listed=listed[form.origin])
            # Each form's own words: a spelt-out acronym is more of them.
            later = later_questions(form.query[0][:MAX_QUESTION_CHARS])
            if later:
                query_scores = replace(query_scores, later=later)
            grouped.setdefault(form.origin, []).append(query_scores)
        for i, group in grouped.items():
            results[i] = rank(self._scoring, index, group, top=top)
        return results

    def _score_chunk(
        self, index: Index, queries: Sequence[Query], *, top: int
    ) -> list[QueryScores]:
        """Retrieve and score the candidates of a batch of questions (one product per signal)."""
        if not queries:
            return []
        chunk = list(range(len(queries)))
        out: list[QueryScores] = []
        texts = [self._normaliser.normalise(queries[i][0][:MAX_QUESTION_CHARS]) for i in chunk]
        contexts = [self._context_text(queries[i]) for i in chunk]
        # The context helps find candidates and orders them (see ranking.py); every score is the
        # question's own. Only its subject words help: "Privacy Policies and Procedures" finds
        # privacy statements, and its frame words would crowd them out with every policy.
        frame = self._scoring.subjects.frame
        headings = [tuple(t for t in c.terms if t not in frame) for c in contexts]
        word_query = index.words.queries(texts)
        with_context = any(c.terms for c in contexts)
        retrieval = index.words.retrieve(
            index.words.queries(
                [
                    replace(text, terms=text.terms + heading)
                    for text, heading in zip(texts, headings, strict=True)
                ]
            )
            # A heading of frame words only ("Policies and Procedures") adds nothing to find.
            if any(headings)
            else word_query
        )
        # Words find candidates for nearly every question at a fraction of the cost of
        # character n-grams; those are the fallback when no word is shared (typos, jargon).
        stuck = np.flatnonzero((retrieval > 0).sum(axis=1) < top)
        char_query = index.chars.queries(texts)
        if len(stuck):
            by_chars = index.chars.retrieve(sp.csr_matrix(char_query[stuck]))
            retrieval[stuck] = np.maximum(retrieval[stuck], by_chars)
        # Whether the question's own words already found a close row, before the optional
        # sentence model adds its candidates: its cosines run high for any short question on
        # the subject, and would keep every short question from its concepts.
        found_by_words = retrieval.max(axis=1)
        asked = self._meaning.of_sentences(texts)
        retrieval = self._meaning.candidates(index, asked, retrieval)
        wanted = [entries_citing(index, queries[i][1]) for i in chunk]
        bridges = self._bridges(
            index,
            [queries[i] for i, t in zip(chunk, texts, strict=True)],
            short=[
                len(t.terms) <= BRIDGE_MAX_TERMS and found_by_words[k] < BRIDGE_UNLESS_FOUND
                for k, t in enumerate(texts)
            ],
        )
        candidates = [
            with_bridged(index, candidate_rows(index, retrieval[k], wanted[k], top=top), bridges[k])
            for k in range(len(chunk))
        ]
        # Exact scores for every (question, candidate) pair of the chunk in one product each.
        owners = np.repeat(np.arange(len(chunk)), [len(c) for c in candidates])
        flat = np.concatenate(candidates) if candidates else np.zeros(0, dtype=np.int64)
        word_scores = index.words.pair_dots(word_query, owners, flat)
        char_scores = index.chars.pair_dots(char_query, owners, flat)
        meaning_scores = self._meaning.with_sentence_model(
            index, asked, owners, flat, self._meaning.scores(index, texts, owners, flat)
        )
        context_scores = np.zeros(len(flat))
        if with_context:
            context_scores = self._context_scores(index, contexts, owners, flat)
        bounds = np.concatenate([[0], np.cumsum([len(c) for c in candidates])])
        examples = {
            k: example_terms(queries[k][0][:MAX_QUESTION_CHARS], self._normaliser) for k in chunk
        }
        for k in chunk:
            lo, hi = bounds[k], bounds[k + 1]
            out.append(
                QueryScores(
                    text=texts[k],
                    context=contexts[k],
                    rows=candidates[k],
                    word=word_scores[lo:hi],
                    char=char_scores[lo:hi],
                    meaning=meaning_scores[lo:hi],
                    agreement=context_scores[lo:hi],
                    wanted=wanted[k],
                    bridges=bridges[k],
                    meaning_share=self._meaning.weight_share(index, texts[k]),
                    example=examples[k][0],
                    own=examples[k][1],
                    # Read only when the row gives no heading to point at.
                    points_back=None
                    if contexts[k].terms
                    else pointing_word(
                        queries[k][0][:MAX_QUESTION_CHARS], self._scoring.subjects, self._normaliser
                    ),
                )
            )
        return out

    def _bridges(
        self, index: Index, queries: Sequence[Query], *, short: Sequence[bool]
    ) -> list[dict[str, Bridge]]:
        """Match questions to concepts and follow each concept's IDs to the entries citing them."""
        # A concept reaches only entries citing one of its control IDs: a bank that cites none
        # is never reached, and its questions need not be matched to concepts at all.
        reachable = any(short) and bool(index.by_control_id)
        concept_matcher = self._concept_matcher() if reachable else None
        if concept_matcher is None:
            return [{} for _ in queries]
        found = concept_matcher.match_many(
            [
                (q[0] if s else "", None, q[2] if len(q) == 3 else None)
                for q, s in zip(queries, short, strict=True)
            ],
            top=CONCEPTS_FOLLOWED,
        )
        asked = [self._normaliser.normalise(q[0][:MAX_QUESTION_CHARS]) for q in queries]
        # Each short question spelt out, as the concept matcher also read it (None: no acronym).
        spelt_out: list[NormalisedText | None] = []
        for q, s in zip(queries, short, strict=True):
            spelt = self._forms.acronyms.expand(q[0][:MAX_QUESTION_CHARS]) if s else None
            spelt_out.append(None if spelt is None else self._normaliser.normalise(spelt))
        return follow_concepts(
            index,
            concept_matcher._index,
            found,
            asked,
            floor=max(BRIDGE_FLOOR, self.thresholds.suggest),
            numbered_alike=self._numbering.of(index, concept_matcher._index),
            said=lambda entry_id: said_by(self._scoring, index, index.entries[entry_id]),
            concept_says=lambda concept_id: said_by(
                concept_matcher._scoring,
                concept_matcher._index,
                concept_matcher._index.entries[concept_id],
            ),
            frame=self._scoring.subjects.frame,
            spelt_out=spelt_out,
        )

    def _context_text(self, query: Query) -> NormalisedText:
        """Normalise a query's context, if it has one (no terms when it has none)."""
        context = query[2] if len(query) == 3 else None
        if not context or not context.strip():
            return NormalisedText(stems=(), terms=())
        return self._normaliser.normalise(context[:MAX_CONTEXT_CHARS])

    def _context_scores(
        self,
        index: Index,
        contexts: Sequence[NormalisedText],
        owners: np.ndarray,
        rows: np.ndarray,
    ) -> np.ndarray:
        """How well each row agrees with its question's context alone (0 without context)."""
        words = index.words.pair_dots(index.words.queries(contexts), owners, rows)
        meaning = self._meaning.scores(index, contexts, owners, rows)
        has_context = np.array([bool(contexts[o].terms) for o in owners.tolist()], dtype=bool)
        agreement = np.array(
            [self._scoring.mixed(float(w), float(m)) for w, m in zip(words, meaning, strict=True)]
        )
        return np.where(has_context, agreement, 0.0)


def _as_concepts(matcher: Matcher) -> Matcher:
    """Let a concept matcher's alternates reach it alone: each is a curated customer wording."""
    matcher._scoring = replace(matcher._scoring, judge_alternates=False)
    return matcher
