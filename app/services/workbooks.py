"""Customers' questionnaire files read and filled in a child process, under limits."""

from __future__ import annotations

from collections.abc import Sequence

from app.config import Settings
from app.core.answering import Proposal, auto_writes
from app.core.formats import fill_questionnaire_file, read_questionnaire_file
from app.core.workbook import Detection, FillResult, SheetMapping
from app.isolation import run_isolated


def detect(
    *, content: bytes, settings: Settings, mappings: Sequence[SheetMapping] | None = None
) -> Detection:
    """Finds the question rows, in a child process with a memory limit and a timeout."""
    return run_isolated(
        read_questionnaire_file,
        content,
        mappings=mappings,
        timeout=settings.parse_timeout_seconds,
        memory=settings.parse_memory_bytes,
    )


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
