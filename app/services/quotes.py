"""Coverage quotes: how much of a questionnaire Vouch would answer, and the review left, without storing it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.core.answering import propose
from app.services.bank import MatchContext
from app.services.questionnaires import clean_filename, precheck, refuse_too_many_rows
from app.services.workbooks import detect

# Reviewer time assumed per row, by band: confirm a written answer; judge a proposed statement and
# accept or swap it; find an owner and write an answer from scratch.
SECONDS_PER_ROW = {"auto": 15, "suggest": 60, "none": 240}


@dataclass(frozen=True)
class Quote:
    """Rows found and how they would band, with the review time that leaves."""

    source: str
    auto: int
    suggest: int
    none: int
    sheets: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds_per_row: dict[str, int] = field(default_factory=lambda: dict(SECONDS_PER_ROW))

    @property
    def rows(self) -> int:
        """Return how many question rows were found."""
        return self.auto + self.suggest + self.none

    @property
    def estimated_review_seconds(self) -> int:
        """Return the review time the bands leave, by the per-row figures."""
        return sum(
            count * self.seconds_per_row[band]
            for band, count in (("auto", self.auto), ("suggest", self.suggest), ("none", self.none))
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the quote as the API answers it."""
        return {
            "source": self.source,
            "rows": self.rows,
            "auto": self.auto,
            "suggest": self.suggest,
            "none": self.none,
            "seconds_per_row": dict(self.seconds_per_row),
            "estimated_review_seconds": self.estimated_review_seconds,
            "estimated_review_minutes": round(self.estimated_review_seconds / 60, 1),
            "sheets": list(self.sheets),
            "warnings": list(self.warnings),
        }


def _count(bands: Sequence[str]) -> dict[str, int]:
    return {band: sum(1 for b in bands if b == band) for band in SECONDS_PER_ROW}


def for_workbook(
    *, filename: str, content: bytes, settings: Settings, context: MatchContext
) -> Quote:
    """Quotes a workbook the way a fill would band it: same detection, same matcher, nothing kept."""
    precheck(filename=clean_filename(filename), content=content, settings=settings)
    detection = detect(content=content, settings=settings)
    refuse_too_many_rows(detection=detection, settings=settings)
    proposals = propose(
        detection.rows, matcher=context.matcher, entries=context.entries, profile=context.profile
    )
    counts = _count([p.band for p in proposals])
    return Quote(
        source="workbook",
        auto=counts["auto"],
        suggest=counts["suggest"],
        none=counts["none"],
        sheets=tuple(dict.fromkeys(m.sheet for m in detection.mappings)),
        warnings=tuple(detection.warnings),
    )


def for_questions(questions: Sequence[str], *, context: MatchContext) -> Quote:
    """Quotes a list of questions by the band of each one's best statement."""
    results = context.matcher.match_many([(q, None) for q in questions], top=1)
    counts = _count([matches[0].band if matches else "none" for matches in results])
    return Quote(
        source="questions", auto=counts["auto"], suggest=counts["suggest"], none=counts["none"]
    )
