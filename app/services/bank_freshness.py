"""Say which statements are stale or due for review, by owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.bank import (
    Entry,
)

FRESHNESS_HORIZON_DAYS = 30


def is_stale(entry: Entry, *, today: date, default_review_days: int | None) -> bool:
    """Tell whether a statement is past its review date."""
    return entry.is_stale(today=today, default_review_days=default_review_days)


@dataclass(frozen=True)
class FreshnessItem:
    """A statement that is stale or due for review soon."""

    entry: Entry
    due: date
    stale: bool
    days_left: int


@dataclass(frozen=True)
class OwnerFreshness:
    """What one owner has to review."""

    owner: str
    items: tuple[FreshnessItem, ...]


def freshness(
    entries: Sequence[Entry],
    *,
    today: date,
    default_review_days: int | None,
    horizon_days: int = FRESHNESS_HORIZON_DAYS,
) -> list[OwnerFreshness]:
    """List statements that are stale or due within the horizon, grouped by owner, soonest first."""
    horizon = today + timedelta(days=horizon_days)
    by_owner: dict[str, list[FreshnessItem]] = {}
    for entry in entries:
        if entry.status == "retired":
            continue
        due = entry.review_due(default_review_days=default_review_days)
        if due is None or due > horizon:
            continue
        item = FreshnessItem(
            entry=entry,
            due=due,
            stale=is_stale(entry, today=today, default_review_days=default_review_days),
            days_left=(due - today).days,
        )
        by_owner.setdefault(entry.owner or "(no owner)", []).append(item)
    return [
        OwnerFreshness(owner=owner, items=tuple(sorted(items, key=lambda i: (i.due, i.entry.id))))
        for owner, items in sorted(by_owner.items())
    ]


def never_reviewed(entries: Sequence[Entry]) -> list[Entry]:
    """List live statements with no review date, which freshness cannot judge."""
    return [e for e in entries if e.status != "retired" and e.reviewed is None]
