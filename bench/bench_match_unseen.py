"""The CC0 answer bank's questions that no benchmark uses, against the starter bank: for reading.

The customer benchmark takes 54 of the 101 questions of the CC0 answer bank in ../shared; the
other 47 are matched here against the starter bank, every statement approved, each with its
section heading as context, as a user would upload them. They have no key: every auto-fill is
printed with the statement it writes, for a person to read, and the bands are counted.

Run: .venv/bin/python bench/bench_match_unseen.py
"""

from __future__ import annotations

import re
import time
from collections import Counter

from bench_match_common import RAW, require, table
from bench_match_customer import customer_questions
from bench_match_starter import starter_bank

from app.core.answering import cell_answer
from app.core.matching import Matcher

ANSWERS = RAW / "answer-bank-plainanswer-cc0" / "answers"
_QUESTION = re.compile(r"^### (.+?)\s*$", re.MULTILINE)


def unseen_questions() -> list[tuple[str, str]]:
    """(section heading, question) for each CC0 question the customer benchmark does not use."""
    require(ANSWERS / "README.md")
    used = {q.text for q in customer_questions()}
    found = []
    for path in sorted(ANSWERS.glob("[0-9]*.md")):
        text = path.read_text(encoding="utf-8")
        heading = text.splitlines()[0].lstrip("# ").strip()
        found.extend((heading, q) for q in _QUESTION.findall(text) if q not in used)
    return found


def main() -> None:
    asked = unseen_questions()
    bank = starter_bank()
    statements = {e.id: e for e in bank}
    start = time.perf_counter()
    results = Matcher(bank).match_many([(q, None, heading) for heading, q in asked], top=1)
    seconds = time.perf_counter() - start
    bands = Counter(found[0].band if found else "none" for found in results)
    print(f"{len(asked)} questions of the CC0 answer bank that no benchmark uses, starter bank")
    print(
        table(
            ["auto", "suggest", "none", "time"],
            [[bands["auto"], bands["suggest"], bands["none"], f"{seconds:.2f} s"]],
        )
    )
    print()
    print("Auto-fills, for reading (section | question -> statement: what its answer cell says):")
    for (heading, question), found in zip(asked, results, strict=True):
        if found and found[0].band == "auto":
            entry = statements[found[0].entry_id]
            written, _ = cell_answer(question, entry.answer, entry.detail)
            print(f"- {heading} | {question}")
            print(f"    -> {entry.id} ({found[0].score:.2f}) {entry.question}: {written}")


if __name__ == "__main__":
    main()
