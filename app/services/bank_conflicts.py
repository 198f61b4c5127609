"""Find statements that ask the same question, and those that answer it differently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.bank import (
    Entry,
)
from app.core.matching import Match, Matcher, Thresholds

# Two statements whose questions score this close against each other ask the same thing;
# the matcher's calibrated auto threshold is where it is sure two wordings mean one question.
CLOSE_PAIR_SCORE = 0.60
CLOSE_PAIR_NEIGHBOURS = 4


@dataclass(frozen=True)
class ClosePair:
    """Two statements whose questions match each other closely."""

    first: Entry
    second: Entry
    score: float
    conflicting: bool = field(default=False)


def close_pairs(
    entries: Sequence[Entry], *, threshold: float = CLOSE_PAIR_SCORE
) -> list[ClosePair]:
    """Find statements asking the same question: a conflict when answers differ, else a duplicate."""
    live = [e for e in entries if e.status != "retired"]
    if len(live) < 2:
        return []
    matcher = Matcher(live, thresholds=Thresholds(auto=1.0, suggest=0.0))
    by_id = {e.id: e for e in live}
    queries: list[tuple[str, str | None]] = []
    owners: list[str] = []
    for entry in live:
        for text in (entry.question, *entry.alternates):
            queries.append((text, None))
            owners.append(entry.id)
    best: dict[tuple[str, str], float] = {}
    for source, matches in zip(
        owners, matcher.match_many(queries, top=CLOSE_PAIR_NEIGHBOURS), strict=True
    ):
        for match in matches:
            if match.entry_id == source or match.score < threshold:
                continue
            if _scope_differs(match):
                continue
            key = (min(source, match.entry_id), max(source, match.entry_id))
            best[key] = max(best.get(key, 0.0), match.score)
    pairs = []
    for (a, b), score in best.items():
        first, second = by_id[a], by_id[b]
        differs = first.answer.casefold() != second.answer.casefold()
        pairs.append(ClosePair(first=first, second=second, score=score, conflicting=differs))
    return sorted(pairs, key=lambda p: (not p.conflicting, -p.score, p.first.id, p.second.id))


def _scope_differs(match: Match) -> bool:
    # The matcher's guards see a different scope (another policy domain, frequency, party):
    # the wordings are alike but ask different things. Its rival guard ("entry X matches as
    # well and answers differently") is the very conflict looked for, so it does not count.
    guard = match.explanation.guard
    return guard is not None and not guard.startswith("entry ")
