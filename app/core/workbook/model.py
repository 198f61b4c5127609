"""The frozen records the workbook core speaks in; services and the web layer code against these."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DetectedRow:
    """One question found in a sheet, with the cells an answer goes into."""

    sheet: str
    row: int
    question: str
    control_id: str | None
    answer_cell: str
    detail_cell: str | None
    choices: tuple[str, ...]
    existing_answer: str | None
    locked_reason: str | None
    # What the sheet says about the row besides its question: the section heading above it
    # and its domain or control-title cells. Matching reads it as a hint to the subject.
    context: str = ""
    # The detail cell's text as read, for harvesting a completed questionnaire.
    existing_detail: str = ""


@dataclass(frozen=True)
class SheetMapping:
    """Where a sheet keeps its questions and answers; detected, or confirmed by a user."""

    sheet: str
    header_row: int
    question_column: str
    answer_columns: tuple[str, ...]
    detail_column: str | None = None
    id_column: str | None = None
    choice_marks: tuple[str, ...] = ()  # the mark per choice column; () means "X"


@dataclass(frozen=True)
class Detection:
    """Everything read from a questionnaire: its question rows and how they were found."""

    rows: tuple[DetectedRow, ...]
    mappings: tuple[SheetMapping, ...]
    warnings: tuple[str, ...]
    skipped_sheets: tuple[str, ...]
    fingerprint: str
    confident: bool


@dataclass(frozen=True)
class AnswerWrite:
    """An answer to put into one question row."""

    sheet: str
    row: int
    answer: str
    detail: str = ""
    # The reviewer chose to replace what the customer's file already holds in this row.
    replace: bool = False


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to one AnswerWrite."""

    sheet: str
    row: int
    cell: str
    written: bool
    reason: str | None


@dataclass(frozen=True)
class FidelityReport:
    """How a filled workbook differs from its original, beyond the answer cells meant to change."""

    ok: bool
    parts_added: tuple[str, ...]
    parts_removed: tuple[str, ...]
    parts_changed: tuple[str, ...]
    unintended_cells: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return the report as plain JSON-ready data."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True)
class FillResult:
    """A filled workbook, what happened to each answer, and the proof nothing else changed."""

    data: bytes
    outcomes: tuple[WriteOutcome, ...]
    fidelity: FidelityReport
    extension: str
