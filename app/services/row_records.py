"""A detected question row and its stored record: one pair of conversions, both ways."""

from __future__ import annotations

from typing import Any

from app.core.workbook import DetectedRow
from app.models import QuestionRow


def detected_fields(row: DetectedRow) -> dict[str, Any]:
    """Return the stored columns that keep what was detected of a row."""
    return {
        "sheet": row.sheet,
        "row": row.row,
        "question": row.question,
        "control_id": row.control_id,
        "context": row.context,
        "answer_cell": row.answer_cell,
        "detail_cell": row.detail_cell,
        "choices": list(row.choices),
        "existing_answer": row.existing_answer,
        "locked_reason": row.locked_reason,
    }


def detected_row(record: QuestionRow) -> DetectedRow:
    """Rebuild the detected row a stored row came from, as the fill at sign-off needs it."""
    return DetectedRow(
        sheet=record.sheet,
        row=record.row,
        question=record.question,
        control_id=record.control_id,
        context=record.context,
        answer_cell=record.answer_cell,
        detail_cell=record.detail_cell,
        choices=tuple(record.choices),
        existing_answer=record.existing_answer,
        locked_reason=record.locked_reason,
    )
