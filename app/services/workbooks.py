"""Customers' workbooks read and filled in a child process, under a memory limit and a timeout."""

from __future__ import annotations

from collections.abc import Sequence

from app.config import Settings
from app.core.answering import Proposal, auto_writes
from app.core.workbook import Detection, FillResult, SheetMapping, fill_workbook, read_questionnaire
from app.isolation import run_isolated


def detect(
    *, content: bytes, settings: Settings, mappings: Sequence[SheetMapping] | None = None
) -> Detection:
    """Finds the question rows, in a child process with a memory limit and a timeout."""
    return run_isolated(
        read_questionnaire,
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
        fill_workbook,
        content,
        detection,
        auto_writes(proposals),
        timeout=settings.parse_timeout_seconds,
        memory=settings.parse_memory_bytes,
    )
