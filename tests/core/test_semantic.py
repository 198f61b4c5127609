"""Term vectors: learned from co-occurrence, shipped without text, and what they add to matching."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.semantic import (
    SHIPPED,
    TermVectors,
    build_term_vectors,
    load_term_vectors,
    shipped_term_vectors,
)
from tests.sharedfiles import SHARED

REPO = Path(__file__).resolve().parents[2]


def toy_corpus() -> list[list[str]]:
    """Two topics whose words never meet, each with pairs that only share contexts."""
    crypto = ["cipher", "key", "rotate", "vault", "encrypt", "aes"]
    physical = ["badge", "door", "guard", "visitor", "camera", "fence"]
    rng = np.random.default_rng(7)
    docs = []
    for _ in range(300):
        for topic in (crypto, physical):
            docs.append([topic[i] for i in rng.integers(0, len(topic), 12)])
    return docs


def test_words_that_share_contexts_end_up_closer_than_words_that_never_meet() -> None:
    vectors = build_term_vectors(toy_corpus(), dimensions=4, window=3)
    assert vectors.similarity(["cipher"], ["vault"]) > vectors.similarity(["cipher"], ["badge"])
    assert vectors.similarity(["door"], ["fence"]) > vectors.similarity(["door"], ["aes"])
    assert vectors.similarity(["cipher", "key"], ["unknownword"]) == 0.0
    # Unrelated texts (the other topic) sit near the baseline, related ones well above it.
    assert vectors.similarity(["cipher", "key"], ["vault", "aes"]) > vectors.baseline + 0.3


def test_too_small_a_vocabulary_for_the_dimensions_is_refused() -> None:
    with pytest.raises(ValueError, match="too few"):
        build_term_vectors([["a", "b", "a", "b"]], dimensions=10)


def test_vectors_round_trip_through_a_file_without_pickles(tmp_path: Path) -> None:
    vectors = build_term_vectors(toy_corpus(), dimensions=4, window=3)
    path = tmp_path / "v.npz"
    vectors.save(path)
    again = load_term_vectors(path)
    assert again.terms == vectors.terms
    assert np.allclose(again.vectors, vectors.vectors, atol=2e-3)  # stored as float16
    assert again.baseline == pytest.approx(vectors.baseline, abs=1e-6)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["baseline", "idf", "terms", "vectors"]


def test_the_shipped_vectors_relate_security_terms_and_keep_no_text() -> None:
    vectors = shipped_term_vectors()
    normalise = Normaliser(shipped_thesaurus()).normalise

    def similar(a: str, b: str) -> float:
        return vectors.similarity(normalise(a).terms, normalise(b).terms)

    assert len(vectors.terms) > 3_000 and vectors.dimensions == 150
    assert all(" " not in t for t in vectors.terms), "a vocabulary of terms, not sentences"
    assert similar("vulnerability", "flaw remediation") > similar("vulnerability", "visitor badge")
    assert similar("encryption", "cryptographic keys") > similar("encryption", "visitor badge")
    assert SHIPPED.stat().st_size < 3_000_000


def test_meaning_ranks_the_right_entry_first_where_wording_alone_does_not() -> None:
    entries = [
        Entry(
            id="BCP",
            question="Is the business continuity plan tested annually?",
            answer="Yes",
            status="approved",
        ),
        Entry(
            id="ACCESS",
            question="Is the access control plan checked each year?",
            answer="Yes",
            status="approved",
        ),
    ]
    question = "Do you rehearse your disaster recovery plan each year?"
    wording_only = Matcher(entries, term_vectors=False).match(question, top=2)
    with_meaning = Matcher(entries, term_vectors=True).match(question, top=2)
    assert [m.entry_id for m in wording_only] == ["ACCESS", "BCP"]
    assert [m.entry_id for m in with_meaning] == ["BCP", "ACCESS"]
    # Meaning makes it worth a reviewer's look; it does not make it an automatic answer.
    assert with_meaning[0].band == "suggest"
    assert "close in meaning" in with_meaning[0].explanation.text()
    assert "close in meaning" not in with_meaning[1].explanation.text()
    assert wording_only[0].explanation.meaning == 0.0


@pytest.mark.shared
@pytest.mark.slow
def test_the_shipped_file_is_what_the_build_script_makes_from_the_public_texts(
    tmp_path: Path,
) -> None:
    if not (SHARED / "questionnaires" / "raw" / "nist").is_dir():
        pytest.skip(f"needs the public questionnaires in {SHARED}")
    out = tmp_path / "rebuilt.npz"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "build_term_vectors.py"), str(out)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    rebuilt, shipped = load_term_vectors(out), shipped_term_vectors()
    assert rebuilt.terms == shipped.terms
    assert np.allclose(rebuilt.idf, shipped.idf)
    # SVD fixes vectors only up to rotation: compare what matching uses, the cosines.
    sample = np.random.default_rng(0).choice(len(shipped.terms), 300, replace=False)
    gram = shipped.vectors[sample] @ shipped.vectors[sample].T
    regram = rebuilt.vectors[sample] @ rebuilt.vectors[sample].T
    assert np.abs(gram - regram).max() < 0.02


def test_terms_the_vectors_do_not_know_carry_no_weight() -> None:
    vectors = TermVectors(
        terms=("a", "b"),
        vectors=np.eye(2, dtype=np.float32),
        idf=np.ones(2, dtype=np.float32),
        baseline=0.1,
    )
    assert vectors.embed([[], ["zzz"]]).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert vectors.similarity(["a"], ["a", "zzz"]) == pytest.approx(1.0)
