"""Statements and checks the guards' tests share."""

from __future__ import annotations

from app.core.bank import Entry
from app.core.matching import Matcher


def approved(entry_id: str, question: str, answer: str = "Yes", detail: str = "") -> Entry:
    """An approved statement; its detail, left out, names it so that it says no more."""
    return Entry(
        id=entry_id,
        question=question,
        answer=answer,
        detail=detail or f"Statement {entry_id}.",
        status="approved",
    )


def held_back(matcher: Matcher, question: str, entry_id: str) -> str | None:
    """Match a question, check its best statement is `entry_id` and does not fill: say why."""
    (best, *_) = matcher.match(question)
    assert best.entry_id == entry_id
    assert best.band != "auto"
    return best.explanation.guard
