"""What a question means beside its wording: the term vectors' mix and the optional sentence model.

The matcher scores a question's wording against each candidate row and mixes in how close their
meanings are (`Scoring.mixed`). This module works out that meaning for a batch: the texts'
term-vector mixes (app/core/semantic.py), the optional sentence model's vectors
(app/core/embeddings.py) and the candidates it finds, each pair's meaning above what unrelated
texts reach, and how much of meaning's weight a question gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.embeddings import Embedder
from app.core.normalise import NormalisedText
from app.core.semantic import TermVectors
from app.core.sparse_index import Index

# With the optional sentence model: its share of the meaning signal.
SENTENCE_SHARE = 0.5
# The share of meaning's weight a question keeps however few of its words the term vectors know
# (Meaning.weight_share). Kept whole, a question whose rarest word the vectors never met ranked
# the statements on its other words first; with none kept, the questions naming jargon the
# vectors lack ("WAF") lost right autos (1 on the customer benchmark, 5 on the learning one),
# where half keeps them and ranks as well (bench/README.md).
MEANING_FLOOR = 0.5


@dataclass(frozen=True)
class Meaning:
    """A matcher's sense of meaning: its term vectors and sentence model, either or both absent."""

    vectors: TermVectors | None
    embedder: Embedder | None

    def of_terms(self, texts: Sequence[NormalisedText]) -> np.ndarray:
        """Term-vector mixes for texts (no columns when the matcher has no vectors)."""
        if self.vectors is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self.vectors.embed([t.terms for t in texts])

    def of_sentences(self, texts: Sequence[NormalisedText]) -> np.ndarray:
        """Sentence-model vectors for texts (no columns without a model)."""
        if self.embedder is None or not texts:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self.embedder.embed([" ".join(t.surface) for t in texts])

    def candidates(self, index: Index, asked: np.ndarray, retrieval: np.ndarray) -> np.ndarray:
        """Let the optional sentence model find candidates that share no word with a question."""
        if asked.shape[1] == 0 or index.sentences.shape[1] == 0:
            return retrieval
        found: np.ndarray = np.maximum(retrieval, asked @ index.sentences.T)
        return found

    def scores(
        self, index: Index, texts: Sequence[NormalisedText], owners: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """How far each (question, row) pair's meaning cosine rises above unrelated texts', 0–1."""
        if self.vectors is None or index.meaning.shape[1] == 0:
            return np.zeros(len(rows))
        asked = self.of_terms(texts)
        cosine = np.einsum("ij,ij->i", asked[owners], index.meaning[rows])
        floor = self.vectors.baseline
        lifted: np.ndarray = np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0)
        return lifted

    def with_sentence_model(
        self,
        index: Index,
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
        if self.embedder is None or asked.shape[1] == 0 or index.sentences.shape[1] == 0:
            return meaning
        cosine = np.einsum("ij,ij->i", asked[owners], index.sentences[rows])
        floor = self.embedder.baseline
        lifted = np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0)
        share = SENTENCE_SHARE if self.vectors is not None else 1.0
        blended: np.ndarray = (1.0 - share) * meaning + share * lifted
        return blended

    def weight_share(self, index: Index, text: NormalisedText) -> float:
        """Return how much of meaning's weight a question's score gives it (MEANING_FLOOR–1).

        A text's meaning is the mix of its known words' vectors, so a word the term vectors
        never met adds nothing to it: "Do you use guardrails?" means only "use" to them, close
        to every statement on the use of AI, which then outscore the statement on guardrails
        against misuse. ("Do you use CCTV?" did so until the thesaurus folded CCTV into video
        surveillance, which the vectors know.) Meaning keeps MEANING_FLOOR of its weight, and
        the rest as far as the vectors know the question's words, weighed by rarity. The sentence model reads
        every word, so with it the weight is whole.
        """
        if self.vectors is None or self.embedder is not None:
            return 1.0
        space, terms = index.words.space, set(text.terms)
        total = space.weight_of(terms)
        if not total:
            return 1.0
        known = space.weight_of(t for t in terms if t in self.vectors.row_of) / total
        return MEANING_FLOOR + (1.0 - MEANING_FLOOR) * known
