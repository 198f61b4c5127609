"""Term vectors learned from public security texts: the matcher's sense of related words.

Word overlap cannot tell that "categorize" and "classify", or "government agency" and "law
enforcement", ask about the same thing. These vectors can: each matcher term (a stem, or a
thesaurus canonical term) gets a dense vector from its co-occurrences in a corpus of public
control frameworks and questionnaires (positive pointwise mutual information, reduced by a
truncated SVD), and a text's vector is the idf-weighted sum of its terms' vectors.

The shipped vectors (`term_vectors.npz` beside this module) are built by
`bench/build_term_vectors.py` from public-domain and permissively licensed texts only; no text
is kept, only the vocabulary, the vectors and each term's inverse document frequency.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

SHIPPED = Path(__file__).with_name("term_vectors.npz")
WINDOW = 10  # terms either side that count as co-occurring: about a clause
DIMENSIONS = 150
MIN_COUNT = 2  # a term seen once has no usable neighbourhood
CONTEXT_SMOOTHING = 0.75  # damp the pull of very common context terms (as in word2vec)
BASELINE_PAIRS = 2_000


@dataclass(frozen=True)
class TermVectors:
    """Unit vectors for a vocabulary of matcher terms, with the idf each term is weighted by."""

    terms: tuple[str, ...]
    vectors: np.ndarray  # len(terms) x dimensions, float32, unit rows
    idf: np.ndarray  # len(terms), float32
    baseline: float  # mean cosine of two unrelated corpus texts: what "no relation" scores
    row_of: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "row_of", {t: i for i, t in enumerate(self.terms)})

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, texts: Sequence[Sequence[str]]) -> np.ndarray:
        """Unit vectors for texts given as term sequences (a zero row when no term is known)."""
        owners: list[int] = []
        columns: list[int] = []
        for i, terms in enumerate(texts):
            for term in terms:
                j = self.row_of.get(term)
                if j is not None:
                    owners.append(i)
                    columns.append(j)
        weights = self.idf[columns] if columns else np.zeros(0, dtype=np.float32)
        mix = sp.csr_matrix(
            (weights, (owners, columns)), shape=(len(texts), len(self.terms)), dtype=np.float32
        )
        out = np.asarray(mix @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def idf_of(self, term: str) -> float | None:
        """Return a term's idf in the corpus the vectors were built from (None: not seen there)."""
        row = self.row_of.get(term)
        return None if row is None else float(self.idf[row])

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> float:
        """Cosine of two term sequences' vectors (0.0 when either has no known term)."""
        pair = self.embed([a, b])
        return float(pair[0] @ pair[1])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            terms=np.array(self.terms, dtype=np.str_),
            vectors=self.vectors.astype(np.float16),
            idf=self.idf.astype(np.float32),
            baseline=np.array([self.baseline], dtype=np.float32),
        )


def load_term_vectors(path: Path) -> TermVectors:
    """Read vectors written by `TermVectors.save` (no pickles are loaded)."""
    with np.load(path, allow_pickle=False) as data:
        vectors = data["vectors"].astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return TermVectors(
            terms=tuple(str(t) for t in data["terms"]),
            vectors=vectors,
            idf=data["idf"].astype(np.float32),
            baseline=float(data["baseline"][0]),
        )


@lru_cache(maxsize=1)
def term_vectors_fingerprint() -> str:
    """Return a digest of the shipped vectors' file, which changes whenever they are rebuilt."""
    return hashlib.sha256(SHIPPED.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def shipped_term_vectors() -> TermVectors:
    """The vectors that ship with Vouch."""
    return load_term_vectors(SHIPPED)


def build_term_vectors(
    documents: Iterable[Sequence[str]],
    *,
    window: int = WINDOW,
    dimensions: int = DIMENSIONS,
    min_count: int = MIN_COUNT,
    seed: int = 0,
) -> TermVectors:
    """Learn term vectors from documents given as term sequences (PPMI, then truncated SVD)."""
    docs = [list(d) for d in documents if d]
    counts = Counter(t for d in docs for t in d)
    terms = tuple(sorted(t for t, c in counts.items() if c >= min_count))
    if len(terms) <= dimensions:
        raise ValueError(
            f"{len(terms)} terms seen {min_count}+ times: too few for {dimensions} dimensions"
        )
    index = {t: i for i, t in enumerate(terms)}
    rows: list[int] = []
    cols: list[int] = []
    for doc in docs:
        ids = [index[t] for t in doc if t in index]
        for i, a in enumerate(ids):
            for b in ids[max(0, i - window) : i]:
                rows.extend((a, b))
                cols.extend((b, a))
    n = len(terms)
    cooc = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n), dtype=np.float64)
    cooc.sum_duplicates()
    total = cooc.sum()
    row_p = np.asarray(cooc.sum(axis=1)).ravel() / total
    context = np.asarray(cooc.sum(axis=0)).ravel() ** CONTEXT_SMOOTHING
    context_p = context / context.sum()
    coo = cooc.tocoo()
    pmi = np.log((coo.data / total) / (row_p[coo.row] * context_p[coo.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    # Only a build of the vectors needs it, and its import costs every start about 0.15 s.
    from scipy.sparse.linalg import svds

    u, s, _ = svds(ppmi, k=dimensions, random_state=seed)
    vectors = (u * np.sqrt(s)).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    doc_freq = Counter(t for d in docs for t in set(d) if t in index)
    idf = np.array(
        [np.log((1 + len(docs)) / (1 + doc_freq[t])) + 1.0 for t in terms], dtype=np.float32
    )
    unweighted = TermVectors(terms=terms, vectors=vectors, idf=idf, baseline=0.0)
    return TermVectors(
        terms=terms, vectors=vectors, idf=idf, baseline=_baseline(unweighted, docs, seed)
    )


def _baseline(vectors: TermVectors, docs: Sequence[Sequence[str]], seed: int) -> float:
    """Mean cosine between randomly paired corpus texts: the score of unrelated wording."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(docs), BASELINE_PAIRS)
    second = rng.integers(0, len(docs), BASELINE_PAIRS)
    a = vectors.embed([docs[i] for i in first])
    b = vectors.embed([docs[i] for i in second])
    different = first != second
    return float(np.mean(np.sum(a * b, axis=1)[different]))
