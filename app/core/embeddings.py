"""An optional sentence-embedding model, read from a local directory and never downloaded.

Installed with `pip install 'vouch[embeddings]'` (sentence-transformers, which brings PyTorch)
and named by `VOUCH_EMBEDDING_MODEL`, a directory holding a saved sentence-transformers model
(such as all-MiniLM-L6-v2). Without the setting nothing here is imported and nothing changes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.core.errors import VouchError

# Mean cosine of two unrelated security statements under all-MiniLM-L6-v2 (bench/README.md):
# the similarity that says nothing, as the term vectors' baseline does for theirs.
DEFAULT_BASELINE = 0.15
BATCH = 64


class EmbeddingModelError(VouchError):
    """The configured sentence-embedding model cannot be used."""


class Embedder(Protocol):
    """Turns texts into unit vectors whose dot product says how alike they are."""

    fingerprint: str  # changes whenever the model would embed differently
    baseline: float  # the cosine of unrelated texts

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class SentenceModel:
    """A sentence-transformers model loaded from a local directory."""

    model: Any
    fingerprint: str
    baseline: float = DEFAULT_BASELINE

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit row per text (float32)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def model_fingerprint(directory: Path) -> str:
    """Digest every file of a model directory (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_embedder(directory: Path) -> SentenceModel:
    """Load a saved sentence-transformers model from a local directory, offline."""
    if not directory.is_dir():
        raise EmbeddingModelError(
            f"VOUCH_EMBEDDING_MODEL: {directory} is not a directory; name a local directory "
            "holding a saved sentence-transformers model (Vouch never downloads one)"
        )
    if not (directory / "config.json").is_file() and not (directory / "modules.json").is_file():
        raise EmbeddingModelError(
            f"VOUCH_EMBEDDING_MODEL: {directory} holds no saved model (no config.json)"
        )
    # Nothing may be fetched: the hub libraries read these before they are imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingModelError(
            "VOUCH_EMBEDDING_MODEL is set but sentence-transformers is not installed: "
            "pip install 'vouch[embeddings]'"
        ) from exc
    try:
        model = SentenceTransformer(str(directory), device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to load is the same problem to the user
        raise EmbeddingModelError(
            f"VOUCH_EMBEDDING_MODEL: cannot load a model from {directory} ({exc})"
        ) from exc
    return SentenceModel(model=model, fingerprint=model_fingerprint(directory))
