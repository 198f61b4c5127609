"""The optional sentence-embedding model: off changes nothing, on is mixed in, loaded offline only."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.config import Settings
from app.core.bank import Entry, load_bank
from app.core.embeddings import EmbeddingModelError, load_embedder
from app.core.index_store import IndexStore
from app.core.matching import SENTENCE_AUTO, SENTENCE_SUGGEST, Matcher, Thresholds
from app.core.meaning import Meaning

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
QUESTIONS = [
    ("Do you require MFA for administrators?", None),
    ("Is customer data encrypted at rest?", None),
    ("How quickly are critical vulnerabilities patched?", None),
    ("What colour is the office carpet?", None),
]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return [e.with_changes(status="approved") for e in load_bank(REPO / "answer_bank").entries]


class FakeModel:
    """A deterministic stand-in: hashed word counts, plus pairs it is told mean the same."""

    baseline = 0.0

    def __init__(self, same: dict[str, str] | None = None, fingerprint: str = "fake-1") -> None:
        self.same = same or {}
        self.fingerprint = fingerprint
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            text = self.same.get(text, text)
            for word in text.split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def results(matcher: Matcher) -> list[list[tuple[str, float, str]]]:
    return [
        [(m.entry_id, m.score, m.band) for m in found]
        for found in matcher.match_many(QUESTIONS, top=3)
    ]


def test_without_a_model_the_hook_changes_nothing(
    entries: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings(_env_file=None).embedding_model is None  # type: ignore[call-arg]
    plain = Matcher(entries, today=TODAY)
    assert plain._index.sentences.shape == (len(plain._index.rows), 0)
    before = results(plain)
    monkeypatch.setattr(
        Meaning, "with_sentence_model", lambda self, index, asked, owners, rows, meaning: meaning
    )
    monkeypatch.setattr(Meaning, "candidates", lambda self, index, asked, found: found)
    assert results(Matcher(entries, today=TODAY)) == before
    assert plain.thresholds == Thresholds()


def test_a_model_is_mixed_into_the_score_with_its_own_bands(entries: list[Entry]) -> None:
    model = FakeModel()
    with_model = Matcher(entries, today=TODAY, embedder=model)
    assert with_model.thresholds == Thresholds(SENTENCE_AUTO, SENTENCE_SUGGEST)
    assert with_model._index.sentences.shape == (len(with_model._index.rows), 64)
    assert results(with_model) != results(Matcher(entries, today=TODAY))
    # Thresholds a user set win over the model's.
    mine = Thresholds(auto=0.9, suggest=0.5)
    assert Matcher(entries[:5], today=TODAY, embedder=model, thresholds=mine).thresholds == mine


def test_what_the_model_says_is_alike_ranks_first(entries: list[Entry]) -> None:
    target = next(e for e in entries if e.id == "IAM-MFA-01")
    question = "is a second proof of identity demanded from privileged staff"
    model = FakeModel(
        same={question: " ".join(w.lower().strip("?") for w in target.question.split())}
    )
    assert Matcher(entries, today=TODAY).match(question, top=1)[0].entry_id != target.id
    best = Matcher(entries, today=TODAY, embedder=model).match(question, top=1)[0]
    assert best.entry_id == target.id


def test_the_stored_index_keeps_the_model_vectors_and_its_key_names_the_model(
    tmp_path: Path, entries: list[Entry]
) -> None:
    store = IndexStore(tmp_path)
    model = FakeModel()
    built = Matcher(entries, today=TODAY, embedder=model, index_store=store)
    calls = model.calls
    restored = Matcher(entries, today=TODAY, embedder=model, index_store=store)
    assert model.calls == calls  # the bank was not embedded again
    assert np.array_equal(restored._index.sentences, built._index.sentences)
    assert results(restored) == results(built)
    other = FakeModel(fingerprint="fake-2")
    Matcher(entries[:30], today=TODAY, embedder=other, index_store=store)
    Matcher(entries[:30], today=TODAY, embedder=other, index_store=store)
    assert other.calls >= 1
    assert Matcher(entries, today=TODAY, index_store=store)._index.sentences.shape[1] == 0


def test_a_model_setting_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="VOUCH_EMBEDDING_MODEL .* is not a directory"):
        Settings(embedding_model=tmp_path / "all-MiniLM-L6-v2", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(EmbeddingModelError, match="is not a directory"):
        load_embedder(tmp_path / "sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(EmbeddingModelError, match="holds no saved model"):
        load_embedder(tmp_path)


def test_the_cli_says_so_when_the_model_setting_names_no_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "match"],
        input='{"question": "Is data encrypted?"}\n',
        capture_output=True,
        text=True,
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "VOUCH_EMBEDDING_MODEL": "sentence-transformers/all-MiniLM-L6-v2",
            "VOUCH_DATA_DIR": str(tmp_path),
        },
        timeout=120,
    )
    assert result.returncode == 2
    assert "VOUCH_EMBEDDING_MODEL" in result.stderr and "never downloads" in result.stderr
    assert "Traceback" not in result.stderr


def tiny_model(directory: Path) -> Path:
    """Build and save a two-layer, 32-dimension BERT sentence model with its own vocabulary."""
    pytest.importorskip("sentence_transformers", reason="needs the embeddings extra installed")
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = sorted(
        {w.lower().strip("?.,") for q, _ in QUESTIONS for w in q.split()}
        | {"data", "encrypted", "rest", "mfa", "administrators"}
    )
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    raw = directory / "raw"
    raw.mkdir(parents=True)
    (raw / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(raw / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    transformer = models.Transformer(str(raw), max_seq_length=64)
    dimension = getattr(transformer, "get_embedding_dimension", None) or (
        transformer.get_word_embedding_dimension
    )
    pooling = models.Pooling(dimension(), pooling_mode="mean")
    target = directory / "tiny-model"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(target))
    return target


def test_a_saved_model_loads_offline_and_embeds(tmp_path: Path, entries: list[Entry]) -> None:
    directory = tiny_model(tmp_path)
    model = load_embedder(directory)
    vectors = model.embed(["Is customer data encrypted at rest?", "Do you require MFA?"])
    assert vectors.shape == (2, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert load_embedder(directory).fingerprint == model.fingerprint
    (directory / "README.md").write_text("changed", encoding="utf-8")
    assert load_embedder(directory).fingerprint != model.fingerprint
    matcher = Matcher(entries[:40], today=TODAY, embedder=model)
    assert matcher.match(entries[3].question)[0].entry_id == entries[3].id
    json.loads((directory / "modules.json").read_text(encoding="utf-8"))
