"""The index's feature counts and weights, against the plain definitions they implement."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from app.core.normalise import NormalisedText
from app.core.sparse_index import CHAR_NGRAMS, Space

TEXTS = [
    ("encrypt", "data", "rest"),
    ("encrypt", "encrypt", "key", "rotat"),
    (),
    ("aaa", "b"),
    ("data", "rest", "data"),
]


def _texts(terms_list: list[tuple[str, ...]]) -> list[NormalisedText]:
    return [NormalisedText(stems=terms, terms=terms) for terms in terms_list]


def _char_features(terms: tuple[str, ...]) -> Counter[str]:
    found: Counter[str] = Counter()
    for term in terms:
        padded = f" {term} "
        for n in CHAR_NGRAMS:
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


def _word_features(terms: tuple[str, ...]) -> Counter[str]:
    return Counter([*terms, *(f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False))])


@pytest.mark.parametrize("chars", [False, True])
def test_counts_are_each_features_occurrences_in_canonical_rows(chars: bool) -> None:
    space = Space(chars=chars)
    counts = space.counts(_texts(TEXTS), grow=True)
    assert counts.has_canonical_format
    names = {col: feature for feature, col in space.vocab.items()}
    features = _char_features if chars else _word_features
    for row, terms in enumerate(TEXTS):
        start, end = counts.indptr[row], counts.indptr[row + 1]
        cols, values = counts.indices[start:end], counts.data[start:end]
        got = {names[c]: v for c, v in zip(cols, values, strict=True)}
        assert got == dict(features(terms))


@pytest.mark.parametrize("chars", [False, True])
def test_an_unseen_feature_borrows_a_column_past_the_vocabulary(chars: bool) -> None:
    space = Space(chars=chars)
    space.counts(_texts(TEXTS[:2]), grow=True)
    known = len(space.vocab)
    counts = space.counts(_texts([("encrypt", "zebra")]), grow=False)
    assert len(space.vocab) == known
    assert counts.shape[1] > known
    assert counts.indices.max() >= known
    assert counts.has_canonical_format


def test_weights_are_unit_rows_of_sublinear_tf_times_idf() -> None:
    space = Space(chars=False)
    counts = space.counts(_texts(TEXTS), grow=True)
    space.fit_idf(counts)
    weighted = space.weigh(counts).toarray()
    dense = counts.toarray()
    for row in range(len(TEXTS)):
        expected = np.where(dense[row] > 0, (1 + np.log(np.maximum(dense[row], 1))), 0.0)
        expected = expected * space.idf
        norm = math.sqrt(float((expected**2).sum()))
        if norm == 0:
            assert not weighted[row].any(), "an empty text stays an empty row"
            continue
        assert np.allclose(weighted[row], expected / norm, atol=1e-6)
