"""The matcher's index: each entry's texts as sparse TF-IDF rows, term vectors and control IDs."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from app.core.bank import Entry
from app.core.guards import Facets
from app.core.normalise import NormalisedText

CHAR_NGRAMS = (3, 4, 5)
# Retrieval skips features found in more rows than this (exact scores still use them): they
# cost the most to look up and tell the least about which entry is meant.
RETRIEVAL_DF_FLOOR = 500
RETRIEVAL_DF_SHARE = 0.05
_ID_PART = re.compile(r"[A-Z]+|\d+")


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
class Row:
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


class Space:
    """One TF-IDF feature space (word or character) with idf frozen at the last full build."""

    def __init__(self, *, chars: bool) -> None:
        self.chars = chars
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.unseen_idf = 1.0
        self._idf_known: tuple[np.ndarray, float, dict[str, float]] = (self.idf, 1.0, {})
        # A term's character n-grams are looked up once, not once per text that uses it.
        self._term_columns: dict[str, np.ndarray] = {}

    def idf_of(self, term: str) -> float:
        """Return a feature's frozen idf (the unseen-feature idf when it has none)."""
        idf = self.idf
        known = self._idf_known
        if known[0] is not idf or known[1] != self.unseen_idf:
            # The guards ask for the same few thousand terms on every candidate: remember them
            # until the idf is refitted or replaced.
            known = self._idf_known = (idf, self.unseen_idf, {})
        cache = known[2]
        weight = cache.get(term)
        if weight is None:
            column = self.vocab.get(term)
            unseen = column is None or column >= len(idf)
            weight = self.unseen_idf if unseen else float(idf[column])
            if len(cache) < 500_000:
                cache[term] = weight
        return weight

    def _columns(self, text: NormalisedText, grow: bool, borrowed: dict[str, int]) -> np.ndarray:
        if not self.chars:
            terms = text.terms
            pairs = zip(terms, terms[1:], strict=False)
            features = [*terms, *(f"{a} {b}" for a, b in pairs)]
            vocab = self.vocab
            if grow:
                # A full build looks up ~350,000 features: one dict call each, no function call.
                return np.array([vocab.setdefault(f, len(vocab)) for f in features], np.int64)
            return np.array([_column(vocab, f, grow, borrowed) for f in features], np.int64)
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
        # The squares summed as `weighted.multiply(weighted)` would give them (counts are
        # canonical and every weight is positive, so the product keeps each entry), without
        # its general element-wise merge: a quarter of a second of a 10,000-entry build.
        squares = weighted.copy()
        squares.data = weighted.data * weighted.data
        norms = np.sqrt(np.asarray(squares.sum(axis=1)).ravel())
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
class Vectors:
    """Weighted rows of one space, built once: an index is rebuilt, never patched."""

    space: Space
    built: sp.csr_matrix  # rows x features, for exact scores of a few candidates
    built_t: sp.csr_matrix  # features x rows without the commonest features, for retrieval

    @classmethod
    def of(cls, space: Space, weighted: sp.csr_matrix) -> Vectors:
        """Index fully built rows."""
        return cls(
            space=space,
            built=weighted,
            built_t=sp.csr_matrix(_without_common_features(weighted).T),
        )

    def retrieve(self, query: sp.csr_matrix) -> np.ndarray:
        """Approximate cosine of each query row with every row, cheap enough for a whole bank."""
        found: np.ndarray = (_fit_width(query, self.built_t.shape[0]) @ self.built_t).toarray()
        return found

    def pair_dots(self, queries: sp.csr_matrix, owners: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact cosine of query `owners[i]` with row `rows[i]`, for every i at once."""
        if not len(rows):
            return np.zeros(0)
        chosen = self.built[rows]
        asked = _fit_width(queries, self.built.shape[1])[owners]
        return np.asarray(chosen.multiply(asked).sum(axis=1), dtype=np.float64).ravel()

    def queries(self, texts: Sequence[NormalisedText]) -> sp.csr_matrix:
        """Weigh questions in this space (their unseen features count only in the norm)."""
        return self.space.weigh(self.space.counts(texts, grow=False))


@dataclass(frozen=True)
class Index:
    """The index of one bank revision; a changed bank gets a new one."""

    rows: Sequence[Row]  # a restored index builds each row the first time it is read
    words: Vectors
    chars: Vectors
    meaning: np.ndarray  # rows x dimensions: each row's unit term-vector mix (zero rows when off)
    sentences: np.ndarray  # rows x dimensions: each row's sentence-model vector (none when off)
    entries: Mapping[str, Entry]
    entry_rows: Mapping[str, tuple[int, ...]]
    row_entry: tuple[str, ...]  # each row's entry id, without building the row
    by_control_id: Mapping[str, frozenset[str]]

    def entry_terms(self, entry_id: str) -> frozenset[str]:
        """Every term an entry carries (question, alternates, tags): what it is about."""
        terms: set[str] = set()
        for i in self.entry_rows.get(entry_id, ()):
            terms.update(self.rows[i].text.terms)
        return frozenset(terms)


def index_of(
    *,
    rows: Sequence[Row],
    words: Vectors,
    chars: Vectors,
    meaning: np.ndarray,
    sentences: np.ndarray,
    entries: Mapping[str, Entry],
    row_entries: Sequence[str] | None = None,
) -> Index:
    """Assemble an index from its rows and vectors, with each entry's rows and cited IDs.

    `row_entries` names each row's entry when the rows are built lazily, so listing them does
    not build every row.
    """
    owners = row_entries if row_entries is not None else [row.entry_id for row in rows]
    entry_rows: dict[str, list[int]] = {}
    for i, entry_id in enumerate(owners):
        entry_rows.setdefault(entry_id, []).append(i)
    by_id: dict[str, set[str]] = {}
    for entry in entries.values():
        for cid in control_ids(entry.refs):
            by_id.setdefault(cid, set()).add(entry.id)
    return Index(
        rows=rows,
        words=words,
        chars=chars,
        meaning=meaning,
        sentences=sentences,
        entries=dict(entries),
        entry_rows={k: tuple(v) for k, v in entry_rows.items()},
        row_entry=tuple(owners),
        by_control_id={k: frozenset(v) for k, v in by_id.items()},
    )
