"""The matcher's index: each entry's texts as sparse TF-IDF rows, term vectors and control IDs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
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
# Rows scored exactly per question: the best retrieved, and every row of an entry citing its ID.
CANDIDATE_ROWS = 20
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

    def weight_of(self, terms: Iterable[str]) -> float:
        """Return the summed idf of terms: how much of a text they are, weighed by rarity."""
        return sum(self.idf_of(term) for term in terms)

    def rarity(self, term: str) -> float:
        """Weigh a term by its idf; a term the bank never uses weighs one more than any it does."""
        return self.idf_of(term) + (term not in self.vocab)

    def _word_columns(
        self, text: NormalisedText, grow: bool, borrowed: dict[str, int]
    ) -> np.ndarray:
        terms = text.terms
        pairs = zip(terms, terms[1:], strict=False)
        features = [*terms, *(f"{a} {b}" for a, b in pairs)]
        vocab = self.vocab
        if grow:
            # A full build looks up ~350,000 features: one dict call each, no function call.
            return np.array([vocab.setdefault(f, len(vocab)) for f in features], np.int64)
        return np.array([_column(vocab, f, grow, borrowed) for f in features], np.int64)

    def _term_grams(self, term: str, grow: bool, borrowed: dict[str, int]) -> np.ndarray:
        cols = self._term_columns.get(term)
        if cols is None:
            vocab = self.vocab
            grams = _char_grams(term)
            if grow:
                # As for words: a full build cuts ~500,000 n-grams, one dict call each.
                cols = np.array([vocab.setdefault(g, len(vocab)) for g in grams], np.int64)
            else:
                cols = np.array([_column(vocab, g, grow, borrowed) for g in grams], np.int64)
            known = len(cols) == 0 or int(cols.max()) < len(self.vocab)
            if known and len(self._term_columns) < 500_000:
                self._term_columns[term] = cols
        return cols

    def counts(self, texts: Sequence[NormalisedText], *, grow: bool) -> sp.csr_matrix:
        """Count features per text; without `grow`, unseen features borrow columns.

        The result is canonical: each row's columns sorted, none twice.
        """
        borrowed: dict[str, int] = {}
        if self.chars:
            matrix = self._char_counts(texts, grow, borrowed)
        else:
            per_text = [self._word_columns(t, grow, borrowed) for t in texts]
            indptr = np.zeros(len(texts) + 1, dtype=np.int64)
            np.cumsum([len(c) for c in per_text], out=indptr[1:])
            indices = np.concatenate(per_text) if per_text else np.zeros(0, dtype=np.int64)
            matrix = sp.csr_matrix(
                (np.ones(len(indices)), indices, indptr),
                shape=(len(texts), len(self.vocab) + len(borrowed)),
            )
        matrix.sum_duplicates()
        return matrix

    def _char_counts(
        self, texts: Sequence[NormalisedText], grow: bool, borrowed: dict[str, int]
    ) -> sp.csr_matrix:
        """Count character n-grams as (texts x terms) @ (terms x n-grams).

        A text's n-grams are those of its terms, so each distinct term is cut into n-grams once
        and the sums are one sparse product, not a list of every text's n-grams to sort.
        """
        term_ids: dict[str, int] = {}
        used = [term_ids.setdefault(t, len(term_ids)) for text in texts for t in text.terms]
        text_indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(text.terms) for text in texts], out=text_indptr[1:])
        per_term = [self._term_grams(term, grow, borrowed) for term in term_ids]
        gram_indptr = np.zeros(len(per_term) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in per_term], out=gram_indptr[1:])
        grams = np.concatenate(per_term) if per_term else np.zeros(0, dtype=np.int64)
        width = len(self.vocab) + len(borrowed)
        texts_terms = sp.csr_matrix(
            (np.ones(len(used)), np.array(used, dtype=np.int64), text_indptr),
            shape=(len(texts), len(term_ids)),
        )
        terms_grams = sp.csr_matrix(
            (np.ones(len(grams)), grams, gram_indptr), shape=(len(term_ids), width)
        )
        return sp.csr_matrix(texts_terms @ terms_grams)

    def fit_idf(self, counts: sp.csr_matrix) -> None:
        """Freeze inverse document frequencies from a full set of rows."""
        rows = max(counts.shape[0], 1)
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
        self.idf = np.log((rows + 1) / (df + 1)) + 1.0
        self.unseen_idf = math.log((rows + 1) / 2) + 1.0

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Turn counts into L2-normalised sublinear TF-IDF; unseen columns count in the norm.

        `counts` must be canonical (no column twice in a row); its index arrays are shared with
        the result. Worked on the arrays directly: scipy's general products made three copies
        of a 10,000-entry bank's 2.3 million character counts.
        """
        width = counts.shape[1]
        idf = self.idf
        if width > idf.shape[0]:
            idf = np.concatenate([idf, np.full(width - idf.shape[0], self.unseen_idf)])
        data = np.log(counts.data)
        data += 1.0
        data *= idf[counts.indices]
        lengths = np.diff(counts.indptr)
        filled = lengths > 0
        norms = np.ones(counts.shape[0])
        # One sum per row that has features: reduceat runs from each start to the next one.
        norms[filled] = np.sqrt(np.add.reduceat(data * data, counts.indptr[:-1][filled]))
        data /= np.repeat(norms, lengths)
        # Single precision halves the index; scores are reported to four decimals anyway.
        return sp.csr_matrix(
            (data.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape
        )


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
    row_key: Sequence[str]  # each row's normalised wording (its text's key), likewise
    row_terms: Sequence[tuple[str, ...]]  # each row's terms (its tags' too), likewise
    by_control_id: Mapping[str, frozenset[str]]

    def entry_terms(self, entry_id: str) -> frozenset[str]:
        """Every term an entry carries (question, alternates, tags): what it is about."""
        terms: set[str] = set()
        for i in self.entry_rows.get(entry_id, ()):
            terms.update(self.row_terms[i])
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
    row_keys: Sequence[str] | None = None,
    row_terms: Sequence[tuple[str, ...]] | None = None,
) -> Index:
    """Assemble an index from its rows and vectors, with each entry's rows and cited IDs.

    `row_entries`, `row_keys` and `row_terms` give each row's entry, key and terms when the rows
    are built lazily, so that listing them, scoring a candidate's wording or reading what an
    entry is about does not build every row.
    """
    owners = row_entries if row_entries is not None else [row.entry_id for row in rows]
    keys = row_keys if row_keys is not None else [row.text.key for row in rows]
    terms = row_terms if row_terms is not None else [row.text.terms for row in rows]
    if not len(keys) == len(terms) == len(owners):
        raise ValueError("one key and one set of terms for each row")
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
        row_key=keys,
        row_terms=terms,
        by_control_id={k: frozenset(v) for k, v in by_id.items()},
    )


def entries_citing(index: Index, control_id: str | None) -> frozenset[str] | None:
    """Return the entries citing a question's control ID (None when it carries no ID)."""
    if not control_id or not control_id.strip():
        return None
    return index.by_control_id.get(normalise_control_id(control_id), frozenset())


def candidate_rows(
    index: Index, retrieval: np.ndarray, wanted: frozenset[str] | None, *, top: int
) -> np.ndarray:
    """Pick the rows worth scoring exactly: the best retrieved, and any citing the ID."""
    n = retrieval.shape[0]
    want = min(n, CANDIDATE_ROWS)
    rows = np.argpartition(-retrieval, want - 1)[:want] if want < n else np.arange(n)
    chosen = set(rows[retrieval[rows] > 0].tolist())
    for entry_id in wanted or ():
        chosen.update(index.entry_rows.get(entry_id, ()))
    entries = {index.row_entry[r] for r in chosen}
    # Counted in entries, not rows: one entry with many alternates is still one entry.
    if len(entries) < top:
        # Too little in common with anything: still offer `top` entries, all scored low.
        for entry_id, entry_rows in index.entry_rows.items():
            if len(entries) >= top:
                break
            if entry_id not in entries:
                entries.add(entry_id)
                chosen.update(entry_rows)
    return np.array(sorted(chosen), dtype=np.int64)
