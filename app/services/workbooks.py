"""Customers' questionnaire files read and filled in a child process, under limits."""

from __future__ import annotations

from collections.abc import Sequence

from app.config import Settings
from app.core.answering import Proposal, auto_writes
from app.core.errors import TooManyRows, WorkbookTooLarge
from app.core.formats import fill_questionnaire_file, read_at_most
from app.core.workbook import Detection, FillResult, SheetMapping
from app.isolation import run_isolated


def too_many_rows(*, found: int, settings: Settings) -> WorkbookTooLarge:
    """Return the refusal of a file with more question rows than a questionnaire may have."""
    return WorkbookTooLarge(
        f"the workbook has {found} question rows; Vouch takes at most "
        f"{settings.max_rows_per_questionnaire} per questionnaire "
        "(VOUCH_MAX_ROWS_PER_QUESTIONNAIRE): split it and upload the parts"
    )


def detect(
    *, content: bytes, settings: Settings, mappings: Sequence[SheetMapping] | None = None
) -> Detection:
    """Finds the question rows, in a child process with a memory limit and a timeout.

    The row cap is applied in the child, so a file over it never sends its rows to this process:
    what a request holds stays bounded by the cap, not by the million cells a workbook may have.
    """
    try:
        return run_isolated(
            read_at_most,
            content,
            max_rows=settings.max_rows_per_questionnaire,
            mappings=mappings,
            timeout=settings.parse_timeout_seconds,
            memory=settings.parse_memory_bytes,
        )
    except TooManyRows as exc:
        raise too_many_rows(found=exc.found, settings=settings) from None


def fill(
    *, content: bytes, detection: Detection, proposals: Sequence[Proposal], settings: Settings
) -> FillResult:
    """Writes the auto-band answers into a copy of the workbook, in a child process."""
    return run_isolated(
        fill_questionnaire_file,
        content,
        detection,
        auto_writes(proposals),
        timeout=settings.parse_timeout_seconds,
        memory=settings.parse_memory_bytes,
    )
