"""Customer-style benchmark: short everyday questions against a bank in CAIQ wording.

The bank is the completed WhitePact CAIQ v4.0.3 in ../shared, harvested as `vouch bank harvest`
does and every statement approved. The questions are `bench/data/customer_questions.yaml`: each
keyed to the CAIQ IDs that answer it (none for a question the CAIQ does not answer), with the
section heading it sits under as its context.

Run: .venv/bin/python bench/bench_match_customer.py
With the optional sentence model (VOUCH_EMBEDDING_MODEL, or the offline MiniLM package installed
beside Vouch) it adds the Matcher's rows with the model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from bench_match_common import (
    WHITEPACT,
    Outcome,
    char_tfidf_top,
    cited_id,
    fmt,
    fuzz,
    fuzzy_top,
    lowest_threshold,
    outcomes,
    require,
    sentence_model,
    table,
    whitepact_bank,
    wilson,
)

from app.core.bank import Entry
from app.core.embeddings import Embedder
from app.core.matching import DEFAULT_AUTO, Matcher

DEV_SET = Path(__file__).resolve().parent / "data" / "customer_questions.yaml"
# The columns of the customer questions' tables (the starter bank's too).
COLUMNS = [
    "method",
    "top-1",
    "top-5",
    "auto precision [95% CI] (right/autos)",
    "right auto / answerable",
    "auto without counterpart",
    "time",
]


@dataclass(frozen=True)
class CustomerQuestion:
    """One row of a customer's sheet: its question, section heading and the IDs that answer it."""

    text: str
    context: str
    key: frozenset[str]
    source: str


def customer_questions() -> list[CustomerQuestion]:
    """Read the dev set."""
    raw = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["questions"]
    return [
        CustomerQuestion(
            str(q["q"]), str(q["context"]), frozenset(str(k) for k in q["key"]), str(q["source"])
        )
        for q in raw
    ]


def evaluate(
    name: str, outs: Sequence[Outcome], asked: Sequence[CustomerQuestion], seconds: float
) -> list[object]:
    """Score one method's outcomes against the key."""
    answerable = [(o, q) for o, q in zip(outs, asked, strict=True) if q.key]
    orphans = [o for o, q in zip(outs, asked, strict=True) if not q.key]
    top1 = sum(bool(o.ranked) and o.ranked[0] in q.key for o, q in answerable)
    top5 = sum(any(r in q.key for r in o.ranked[:5]) for o, q in answerable)
    autos = [(o, q) for o, q in answerable if o.band == "auto"]
    right = sum(o.ranked[0] in q.key for o, q in autos)
    stray = sum(o.band == "auto" for o in orphans)
    has_bands = any(o.band != "none" for o in outs)
    taken = len(autos) + stray
    low, high = wilson(right, taken)
    return [
        name,
        fmt(top1 / len(answerable)),
        fmt(top5 / len(answerable)),
        f"{fmt(right / taken)} [{low:.2f}, {high:.2f}] ({right}/{taken})"
        if has_bands and taken
        else "—",
        fmt(right / len(answerable)) if has_bands else "—",
        f"{stray}/{len(orphans)}" if has_bands else "—",
        f"{seconds:.2f} s",
    ]


def run_matcher(
    bank: Sequence[Entry],
    asked: Sequence[CustomerQuestion],
    *,
    context: bool,
    embedder: Embedder | None = None,
) -> tuple[list[Outcome], float, list[tuple[float, bool]]]:
    """Match every question (with or without its section); return outcomes, time, calibration."""
    start = time.perf_counter()
    matcher = Matcher(bank, embedder=embedder)
    results = matcher.match_many(
        [(q.text, None, q.context if context else None) for q in asked], top=5
    )
    seconds = time.perf_counter() - start
    by_id = {e.id: cited_id(e) for e in bank}
    mapped = [
        [type(m)(by_id[m.entry_id], m.score, m.band, m.explanation) for m in r] for r in results
    ]
    scored = [
        (r[0].score, bool(q.key) and r[0].entry_id in q.key)
        for r, q in zip(mapped, asked, strict=True)
        if r and r[0].explanation.guard is None
    ]
    return outcomes(mapped), seconds, scored


def main() -> None:
    require(WHITEPACT)
    bank = whitepact_bank()
    asked = customer_questions()
    ids = [cited_id(e) for e in bank]
    texts = [e.question for e in bank]
    answerable = sum(bool(q.key) for q in asked)
    print(
        f"bank: {len(bank)} approved statements harvested from {WHITEPACT.name}; "
        f"incoming: {len(asked)} customer questions, {answerable} with a counterpart, "
        f"{len(asked) - answerable} without"
    )
    rows = []
    for with_context in (False, True):
        queries = [f"{q.context}: {q.text}" if with_context else q.text for q in asked]
        suffix = " (section prefixed)" if with_context else ""
        top, seconds = fuzzy_top(queries, texts, fuzz.token_set_ratio)
        outs = [Outcome(tuple(ids[i] for i in t), 0.0, "none") for t in top]
        rows.append(evaluate(f"baseline: token_set_ratio{suffix}", outs, asked, seconds))
        top, seconds = char_tfidf_top(queries, texts)
        outs = [Outcome(tuple(ids[i] for i in t), 0.0, "none") for t in top]
        rows.append(evaluate(f"baseline: TF-IDF char 3-5-grams{suffix}", outs, asked, seconds))
    calibration = {}
    model = sentence_model()
    for embedder in (None, model) if model else (None,):
        for with_context in (False, True):
            label = "**Matcher**" + (" + sentence model" if embedder else "")
            label += ", section as context" if with_context else ""
            outs, seconds, scored = run_matcher(
                bank, asked, context=with_context, embedder=embedder
            )
            rows.append(evaluate(label, outs, asked, seconds))
            calibration[label] = scored
    print()
    print(table(COLUMNS, rows))
    print(
        "\ntargets (with context): top-1 >= 0.75, top-5 >= 0.92, auto precision >= 0.99, "
        ">= 0.30 of answerable rows auto, no auto without a counterpart"
    )
    print(f"\ncalibration (DEFAULT_AUTO = {DEFAULT_AUTO}; rows without counterpart count wrong):")
    print(
        table(
            ["method", "lowest auto threshold for 99% precision"],
            [[k, fmt(lowest_threshold(v, 0.99), 2)] for k, v in calibration.items()],
        )
    )


if __name__ == "__main__":
    main()
