"""What the bank learns from review, and whether it then fills right: the customer benchmark.

When a reviewer accepts or chooses a match, the customer's wording is learned as an alternate of
the entry (app/services/review/learning.py), read with its row's heading when it takes its subject
from it. This benchmark plays that out on the customer questions
(`bench/data/customer_questions.yaml`) against the approved WhitePact CAIQ bank:

- **another customer's questions**: the questions are split in two halves at random (5 seeds,
  each half learned from in turn: 10 folds); the reviewer confirms each answerable question of
  one half (the keyed entry ranked highest, as a reviewer picks from the suggestions, else the
  first keyed one), and the other half is then matched against the bank that learned them;
- **the same questionnaire again**: every answerable question is confirmed once, and all of
  them are matched again, as when a customer sends next year's copy.

Each is measured with the learned alternates judged like the entry's own question (as before),
and as now (a short alternate fills alone only when it asks the same of the same subject, see
app/core/alternates.py). With the optional sentence model (VOUCH_EMBEDDING_MODEL, or the offline
MiniLM package installed beside Vouch) it adds the same rows with the model.

Run: .venv/bin/python bench/bench_match_learning.py [--show-wrong]
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from bench_match_common import (
    WHITEPACT,
    cited_id,
    fmt,
    require,
    sentence_model,
    table,
    whitepact_bank,
    wilson,
)
from bench_match_customer import CustomerQuestion, customer_questions

from app.core.bank import MAX_ALTERNATES, Entry
from app.core.embeddings import Embedder
from app.core.matching import Matcher
from app.core.normalise import shipped_thesaurus
from app.core.question_forms import QuestionForms
from app.services.review.learning import learned_key, worth_learning

SEEDS = range(5)
SHOW_WRONG = "--show-wrong" in sys.argv


def confirmed(bank: Sequence[Entry], asked: Sequence[CustomerQuestion]) -> dict[str, str]:
    """The entry a reviewer confirms for each answerable question, keyed by the question."""
    by_id = {e.id: e for e in bank}
    results = Matcher(bank).match_many([(q.text, None, q.context) for q in asked], top=5)
    chosen: dict[str, str] = {}
    for q, found in zip(asked, results, strict=True):
        if not q.key:
            continue
        ranked = [cited_id(by_id[m.entry_id]) for m in found]
        chosen[q.text] = next((c for c in ranked if c in q.key), min(q.key))
    return chosen


def learned(
    bank: Sequence[Entry], asked: Sequence[CustomerQuestion], chosen: dict[str, str]
) -> list[Entry]:
    """The bank after its reviewers confirmed `asked`, learned as review learns."""
    # Read as the matcher reads it: a question taking its subject from its heading is learned
    # with the heading, one naming no subject without a heading is not (QuestionForms.as_learned).
    forms = QuestionForms.of_thesaurus(shipped_thesaurus())
    wordings: dict[str, list[str]] = defaultdict(list)
    for q in asked:
        wording = forms.as_learned(q.text, q.context) if q.key else None
        if wording is not None:
            wordings[chosen[q.text]].append(wording)
    out = []
    for entry in bank:
        alternates = list(entry.alternates)
        known = {learned_key(t) for t in (entry.question, *alternates)}
        for text in wordings.get(cited_id(entry), ()):
            if len(alternates) >= MAX_ALTERNATES or learned_key(text) in known:
                continue
            if worth_learning(text, entry_wordings=[entry.question, *alternates]):
                alternates.append(text)
                known.add(learned_key(text))
        out.append(replace(entry, alternates=tuple(alternates)))
    return out


def matched(
    bank: Sequence[Entry],
    asked: Sequence[CustomerQuestion],
    *,
    judged: bool,
    embedder: Embedder | None = None,
) -> tuple[int, int, int, int, int]:
    """Match `asked`: right autos, wrong autos, autos without a counterpart, answerable, asked."""
    matcher = Matcher(bank, embedder=embedder)
    if not judged:
        # The rule as it was: an alternate judged like the entry's own question.
        matcher._scoring = replace(matcher._scoring, judge_alternates=False)
    by_id = {e.id: e for e in bank}
    results = matcher.match_many([(q.text, None, q.context) for q in asked], top=5)
    right = wrong = stray = 0
    for q, found in zip(asked, results, strict=True):
        if not found or found[0].band != "auto":
            continue
        if not q.key:
            stray += 1
        elif cited_id(by_id[found[0].entry_id]) in q.key:
            right += 1
        else:
            wrong += 1
            if SHOW_WRONG and judged:
                print(f"wrong auto: {q.text} -> {found[0].entry_id}: {found[0].explanation.text()}")
    answerable = sum(bool(q.key) for q in asked)
    return right, wrong, stray, answerable, len(asked) - answerable


def row(name: str, totals: Sequence[int]) -> list[object]:
    right, wrong, stray, answerable, orphans = totals
    taken = right + wrong + stray
    low, high = wilson(right, taken)
    return [
        name,
        f"{fmt(right / taken)} [{low:.2f}, {high:.2f}] ({right}/{taken})" if taken else "—",
        f"{fmt(right / answerable)} ({right}/{answerable})",
        f"{wrong}",
        f"{stray}/{orphans}",
    ]


def main() -> None:
    require(WHITEPACT)
    start = time.perf_counter()
    bank = whitepact_bank()
    asked = customer_questions()
    chosen = confirmed(bank, asked)
    folds = []
    for seed in SEEDS:
        order = list(asked)
        random.Random(seed).shuffle(order)
        half = len(order) // 2
        folds += [(order[:half], order[half:]), (order[half:], order[:half])]
    taught_banks = [(learned(bank, learn_from, chosen), then) for learn_from, then in folds]
    rows = []
    model = sentence_model()
    for embedder in (None, model) if model else (None,):
        suffix = " + sentence model" if embedder else ""
        for judged in (False, True):
            label = "now" if judged else "before (alternates judged like the question)"
            plain, taught = [0] * 5, [0] * 5
            for (source, then), (_, same) in zip(taught_banks, folds, strict=True):
                if judged:
                    for i, n in enumerate(matched(bank, same, judged=True, embedder=embedder)):
                        plain[i] += n
                for i, n in enumerate(matched(source, then, judged=judged, embedder=embedder)):
                    taught[i] += n
            if judged:
                rows.append(row(f"another customer's questions{suffix}: bank as harvested", plain))
            rows.append(
                row(f"another customer's questions{suffix}, after learning: {label}", taught)
            )
            again = matched(learned(bank, asked, chosen), asked, judged=judged, embedder=embedder)
            rows.append(row(f"the same questionnaire again{suffix}: {label}", again))
    print(
        f"bank: {len(bank)} approved statements from {WHITEPACT.name}; {len(asked)} customer "
        f"questions, {len(folds)} folds of learning from one half and matching the other"
        + ("" if model else "\n(sentence-model rows skipped: no VOUCH_EMBEDDING_MODEL, no MiniLM)")
        + "\n"
    )
    print(
        table(
            [
                "bank",
                "auto precision [95% CI] (right/autos)",
                "right auto / answerable",
                "wrong autos",
                "autos without counterpart",
            ],
            rows,
        )
    )
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
