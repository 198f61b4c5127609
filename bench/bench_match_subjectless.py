"""Subjectless benchmark: "are the policies and procedures reviewed and updated?" questions.

Every CAIQ v4.0.3, CAIQ v4.1.0 and AI-CAIQ 1.1.0 question of the review family, matched without
its control ID against the approved WhitePact CAIQ v4.0.3 bank, with and without its CCM/AICM
control title and domain as context. The right statement is the bank's review question of the
same control (same control title); a question whose control has none has no counterpart, and
any `auto` on it is wrong. Target: zero wrong `auto`.

Run: .venv/bin/python bench/bench_match_subjectless.py
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bench_match_common import (
    AI_CAIQ,
    CAIQ_403,
    CAIQ_410,
    CCM_4012,
    WHITEPACT,
    caiq_403,
    ccm_titles,
    cited_id,
    one_line,
    require,
    table,
    whitepact_bank,
)

from app.core.bank import Entry
from app.core.matching import Match, Matcher

REVIEW_FAMILY = re.compile(r"\breview\w*\b.{0,40}\bupdat\w*|\bupdat\w*\b.{0,40}\bannual", re.I)


@dataclass(frozen=True)
class Asked:
    """A review-family question with its control title and domain."""

    source: str
    id: str
    text: str
    title: str
    domain: str


def family() -> list[Asked]:
    """Collect the review-family questions of the three questionnaires."""
    titles = ccm_titles()
    asked = [
        Asked("CAIQ 4.0.3", q.id, q.text, titles[q.control_id][1], titles[q.control_id][0])
        for q in caiq_403()
    ]
    for q in json.loads(CAIQ_410.read_text(encoding="utf-8"))["questions"]:
        asked.append(
            Asked(
                "CAIQ 4.1.0",
                q["question_id"],
                one_line(q["question"]),
                one_line(q["ccm_control_title"]),
                one_line(q["ccm_domain_title"]),
            )
        )
    with AI_CAIQ.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            asked.append(
                Asked(
                    "AI-CAIQ 1.1.0",
                    row["question_id"],
                    one_line(row["question"]),
                    one_line(row["aicm_control_title"]),
                    one_line(row["aicm_domain_title"]),
                )
            )
    return [a for a in asked if REVIEW_FAMILY.search(a.text)]


def main() -> None:
    require(WHITEPACT, CAIQ_403, CAIQ_410, CCM_4012, AI_CAIQ)
    bank = whitepact_bank()
    asked = family()
    # The right statement: the bank's review-family question under the same control title.
    by_title: dict[str, set[str]] = {}
    for entry in bank:
        if REVIEW_FAMILY.search(entry.question) and len(entry.tags) > 1:
            by_title.setdefault(entry.tags[1].casefold(), set()).add(entry.id)
    right_of = {a: by_title.get(a.title.casefold(), set()) | same_id(bank, a) for a in asked}
    rows = []
    print(
        f"bank: {len(bank)} approved statements; incoming: {len(asked)} review-family questions "
        f"({sum(bool(right_of[a]) for a in asked)} whose control has one in the bank)"
    )
    for with_context in (False, True):
        matcher = Matcher(bank)
        results = matcher.match_many(
            [(a.text, None, f"{a.title}; {a.domain}" if with_context else None) for a in asked],
            top=3,
        )
        rows.extend(summarise(asked, results, right_of, with_context))
    print()
    print(
        table(
            [
                "questions",
                "context",
                "n",
                "with counterpart",
                "top-1",
                "right auto",
                "wrong auto",
            ],
            rows,
        )
    )
    print("\ntarget: no wrong auto")
    wrong = [
        (a, r[0])
        for a, r in zip(asked, matcher.match_many([(a.text, None) for a in asked]), strict=True)
        if r and r[0].band == "auto" and r[0].entry_id not in right_of[a]
    ]
    for a, m in wrong[:10]:
        print(f"  wrong auto without context: {a.source} {a.id} -> {m.entry_id} ({m.score:.2f})")


def same_id(bank: Sequence[Entry], asked: Asked) -> set[str]:
    """The bank's review-family statement with the question's own ID (titles change by version)."""
    return {e.id for e in bank if cited_id(e) == asked.id and REVIEW_FAMILY.search(e.question)}


def summarise(
    asked: Sequence[Asked],
    results: Sequence[Sequence[Match]],
    right_of: dict[Asked, set[str]],
    with_context: bool,
) -> list[list[object]]:
    """One table row per questionnaire and one for all of them."""
    rows = []
    for source in (*sorted({a.source for a in asked}), "all"):
        picked = [
            (a, r) for a, r in zip(asked, results, strict=True) if source in ("all", a.source)
        ]
        right_ids = [right_of[a] for a, _ in picked]
        top = [r[0] if r else None for _, r in picked]
        linked = sum(bool(ids) for ids in right_ids)
        top1 = sum(
            m is not None and m.entry_id in ids
            for m, ids in zip(top, right_ids, strict=True)
            if ids
        )
        autos = [
            (m, ids)
            for m, ids in zip(top, right_ids, strict=True)
            if m is not None and m.band == "auto"
        ]
        right = sum(m.entry_id in ids for m, ids in autos)
        rows.append(
            [
                source,
                "control title and domain" if with_context else "none",
                len(picked),
                linked,
                f"{top1 / linked:.3f}" if linked else "—",
                right,
                len(autos) - right,
            ]
        )
    return rows


if __name__ == "__main__":
    main()
