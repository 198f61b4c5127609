"""The customer questions against the starter bank, approved as it ships: a new user's first upload.

The bank is `answer_bank/` with every statement approved. The questions are
`bench/data/customer_questions.yaml` with their sections. A starter statement answers a question
when it cites one of the question's CAIQ IDs (`refs: {caiq: ...}`), or when
`bench/data/starter_keys.yaml` says so (statements citing no ID of the key, read by hand). A
question no statement answers has no counterpart.

Run: .venv/bin/python bench/bench_match_starter.py [--show-wrong]
With the optional sentence model (VOUCH_EMBEDDING_MODEL, or the offline MiniLM package installed
beside Vouch) it adds the Matcher's rows with the model.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import yaml
from bench_match_common import REPO, fmt, sentence_model, table, wilson
from bench_match_customer import COLUMNS, CustomerQuestion, customer_questions

from app.core.bank import Entry, load_bank
from app.core.embeddings import Embedder
from app.core.matching import Matcher

EXTRA_KEYS = Path(__file__).resolve().parent / "data" / "starter_keys.yaml"
SHOW_WRONG = "--show-wrong" in sys.argv


def starter_bank() -> list[Entry]:
    """The starter statements, every one approved."""
    return [replace(e, status="approved") for e in load_bank(REPO / "answer_bank").entries]


def keys(bank: Sequence[Entry], asked: Sequence[CustomerQuestion]) -> list[frozenset[str]]:
    """Each question's answering starter statements."""
    extra = yaml.safe_load(EXTRA_KEYS.read_text(encoding="utf-8"))["extra"]
    citing: dict[str, set[str]] = {}
    for entry in bank:
        if entry.refs.get("caiq"):
            citing.setdefault(entry.refs["caiq"], set()).add(entry.id)
    out = []
    for q in asked:
        found = {e for control in q.key for e in citing.get(control, ())}
        out.append(frozenset(found | set(extra.get(q.text, ()))))
    return out


def run(
    bank: Sequence[Entry],
    asked: Sequence[CustomerQuestion],
    key: Sequence[frozenset[str]],
    *,
    judged: bool,
    embedder: Embedder | None,
) -> list[object]:
    """Match with the section as context; return the table row's figures."""
    start = time.perf_counter()
    matcher = Matcher(bank, embedder=embedder)
    if not judged:
        # The rule before: a short alternate judged like the entry's own question.
        matcher._scoring = replace(matcher._scoring, judge_alternates=False)
    results = matcher.match_many([(q.text, None, q.context) for q in asked], top=5)
    seconds = time.perf_counter() - start
    answerable = [i for i, k in enumerate(key) if k]
    top1 = sum(bool(results[i]) and results[i][0].entry_id in key[i] for i in answerable)
    top5 = sum(any(m.entry_id in key[i] for m in results[i]) for i in answerable)
    right = wrong = stray = 0
    for q, k, found in zip(asked, key, results, strict=True):
        if not found or found[0].band != "auto":
            continue
        if not k:
            stray += 1
        elif found[0].entry_id in k:
            right += 1
            continue
        else:
            wrong += 1
        if SHOW_WRONG and judged:
            print(f"wrong auto: [{q.context}] {q.text} -> {found[0].entry_id}")
    taken = right + wrong + stray
    low, high = wilson(right, taken)
    orphans = len(asked) - len(answerable)
    return [
        fmt(top1 / len(answerable)),
        fmt(top5 / len(answerable)),
        f"{fmt(right / taken)} [{low:.2f}, {high:.2f}] ({right}/{taken})" if taken else "—",
        fmt(right / len(answerable)),
        f"{stray}/{orphans}",
        f"{seconds:.2f} s",
    ]


def main() -> None:
    bank = starter_bank()
    asked = customer_questions()
    key = keys(bank, asked)
    print(
        f"bank: {len(bank)} starter statements, approved; incoming: {len(asked)} customer "
        f"questions with their sections, {sum(bool(k) for k in key)} answered by a starter "
        "statement"
    )
    rows = []
    model = sentence_model()
    for embedder in (None, model) if model else (None,):
        for judged in (False, True):
            label = "**Matcher**" if judged else "Matcher, short alternates judged like questions"
            if embedder is not None:
                label += " + sentence model"
            rows.append([label, *run(bank, asked, key, judged=judged, embedder=embedder)])
    print()
    print(table(COLUMNS, rows))


if __name__ == "__main__":
    main()
