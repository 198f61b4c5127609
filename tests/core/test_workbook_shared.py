"""The public questionnaires in ../shared: row counts, and fills that change only answer cells."""

from __future__ import annotations

import pytest

from app.core.workbook import AnswerWrite, Detection, FillResult, fill_workbook, read_questionnaire
from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

pytestmark = pytest.mark.shared

ANSWERS = ("Yes", "No", "NA")


def fill_every_row(data: bytes, detection: Detection) -> FillResult:
    """Answer every detected row with Yes / No / NA in turn, each with a detail."""
    writes = [
        AnswerWrite(
            row.sheet, row.row, ANSWERS[index % 3], f"Detail for {row.control_id or row.row}."
        )
        for index, row in enumerate(detection.rows)
    ]
    return fill_workbook(data, detection, writes)


def test_caiq_v4_template_has_261_questions_with_a_yes_no_na_dropdown_and_a_detail_column() -> None:
    detection = read_questionnaire(raw(CAIQ_V4_TEMPLATE).read_bytes())

    assert len(detection.rows) == 261
    assert detection.confident
    first = detection.rows[0]
    assert (first.control_id, first.answer_cell, first.detail_cell) == ("A&A-01.1", "C3", "E3")
    assert first.choices == ("Yes", "No", "NA")
    assert all(row.locked_reason is None and row.existing_answer is None for row in detection.rows)


def test_caiq_v4_template_filled_changes_only_the_answer_and_detail_cells() -> None:
    data = raw(CAIQ_V4_TEMPLATE).read_bytes()
    detection = read_questionnaire(data)

    result = fill_every_row(data, detection)

    assert all(outcome.written for outcome in result.outcomes)
    assert result.fidelity.ok, result.fidelity.to_dict()
    assert result.fidelity.parts_changed == ("xl/worksheets/sheet2.xml",)
    reread = read_questionnaire(result.data)
    assert [row.existing_answer for row in reread.rows[:3]] == ["Yes", "No", "NA"]
