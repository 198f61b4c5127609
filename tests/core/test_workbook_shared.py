"""The public questionnaires in ../shared: row counts, and fills that change only answer cells."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from app.core.workbook import AnswerWrite, Detection, FillResult, fill_workbook, read_questionnaire
from tests.core.workbook_fixtures import convert_with_libreoffice, structure_counts
from tests.sharedfiles import (
    CAIQ_V4_TEMPLATE,
    CAIQ_V4_WHITEPACT,
    CAIQ_V31_QANDS,
    HECVAT,
    SAMPLE_BLANKS,
    SAMPLE_TABLES,
    raw,
)

pytestmark = pytest.mark.shared

ANSWERS = ("Yes", "No", "NA")


@dataclass(frozen=True)
class Expected:
    """What a shared questionnaire must read as."""

    path: str
    rows: int
    answered: int
    fillable: int
    sheets: frozenset[str]


EXPECTED = {
    "caiq-v4-template": Expected(CAIQ_V4_TEMPLATE, 261, 0, 261, frozenset({"CAIQv4.0.3"})),
    "caiq-v4-whitepact": Expected(CAIQ_V4_WHITEPACT, 261, 261, 261, frozenset({"CAIQv4.0.3"})),
    "caiq-v3.1": Expected(CAIQ_V31_QANDS, 310, 309, 310, frozenset({"CAIQ v3.1"})),
    "hecvat-4.1.4": Expected(
        HECVAT,
        # 45 rows of the vendor tabs repeat START HERE's through formulas: not questions.
        331,
        0,
        331,
        frozenset(
            {"START HERE", "Organization", "Product", "Infrastructure", "IT Accessibility"}
            | {"Case-Specific", "AI", "Privacy"}
        ),
    ),
    "sample-blanks": Expected(SAMPLE_BLANKS, 39, 0, 39, frozenset({"Questionnaire"})),
    "sample-tables": Expected(SAMPLE_TABLES, 7, 0, 7, frozenset({"Company", "AI Capabilities"})),
}


def fill_every_row(data: bytes, detection: Detection) -> FillResult:
    """Answer every detected row with Yes / No / NA in turn, each with a detail."""
    writes = [
        AnswerWrite(
            row.sheet, row.row, ANSWERS[index % 3], f"Detail for {row.control_id or row.row}."
        )
        for index, row in enumerate(detection.rows)
    ]
    return fill_workbook(data, detection, writes)


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def filled(request: pytest.FixtureRequest) -> tuple[Expected, bytes, Detection, FillResult]:
    expected = EXPECTED[request.param]
    data = raw(expected.path).read_bytes()
    detection = read_questionnaire(data)
    return expected, data, detection, fill_every_row(data, detection)


def test_detected_rows_match_the_questionnaire(
    filled: tuple[Expected, bytes, Detection, FillResult],
) -> None:
    expected, _, detection, _ = filled

    assert len(detection.rows) == expected.rows
    assert sum(1 for row in detection.rows if row.existing_answer) == expected.answered
    assert sum(1 for row in detection.rows if row.locked_reason is None) == expected.fillable
    assert {row.sheet for row in detection.rows} == expected.sheets
    assert detection.confident


def test_filling_changes_nothing_but_the_answer_cells(
    filled: tuple[Expected, bytes, Detection, FillResult],
) -> None:
    _, data, _, result = filled

    assert result.fidelity.ok, result.fidelity.to_dict()
    assert result.fidelity.unintended_cells == ()
    assert structure_counts(result.data) == structure_counts(data)
    before, after = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(result.data))
    assert after.testzip() is None
    for old, new in zip(before.infolist(), after.infolist(), strict=True):
        assert old.filename == new.filename
        if old.filename not in result.fidelity.parts_changed:
            assert (old.compress_size, old.CRC) == (new.compress_size, new.CRC), old.filename


def test_filled_workbook_opens_in_openpyxl_with_the_answers_in_place(
    filled: tuple[Expected, bytes, Detection, FillResult],
) -> None:
    _, _, detection, result = filled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(result.data))

    written = [outcome for outcome in result.outcomes if outcome.written]
    for outcome in written[:50]:
        value = workbook[outcome.sheet][outcome.cell].value
        assert value is not None and not str(value).startswith("=")


def test_caiq_v4_template_reads_261_questions_with_a_yes_no_na_dropdown_and_a_detail_column() -> (
    None
):
    detection = read_questionnaire(raw(CAIQ_V4_TEMPLATE).read_bytes())

    first = detection.rows[0]
    assert (first.control_id, first.answer_cell, first.detail_cell) == ("A&A-01.1", "C3", "E3")
    assert first.choices == ("Yes", "No", "NA")
    assert detection.mappings[0].answer_columns == ("C",)


def test_caiq_v4_template_is_filled_in_every_row() -> None:
    data = raw(CAIQ_V4_TEMPLATE).read_bytes()
    result = fill_every_row(data, read_questionnaire(data))

    assert all(outcome.written for outcome in result.outcomes)
    assert result.fidelity.parts_changed == ("xl/worksheets/sheet2.xml",)
    reread = read_questionnaire(result.data)
    assert [row.existing_answer for row in reread.rows[:3]] == ["Yes", "No", "NA"]
    assert reread.fingerprint == read_questionnaire(data).fingerprint


def test_completed_caiq_keeps_every_existing_answer() -> None:
    data = raw(CAIQ_V4_WHITEPACT).read_bytes()
    result = fill_every_row(data, read_questionnaire(data))

    assert {outcome.reason for outcome in result.outcomes} == {"kept existing answer"}
    assert result.data == data
    assert (
        read_questionnaire(data).fingerprint
        == read_questionnaire(raw(CAIQ_V4_TEMPLATE).read_bytes()).fingerprint
    )


def test_caiq_v31_writes_one_mark_per_row_in_the_sheets_own_convention() -> None:
    data = raw(CAIQ_V31_QANDS).read_bytes()
    detection = read_questionnaire(data)

    mapping = detection.mappings[0]
    assert (mapping.answer_columns, mapping.detail_column) == (("W", "X", "Y"), "Z")
    assert mapping.choice_marks == ("YES", "NO", "NOT")
    assert detection.rows[0].choices == ("Yes", "No", "Not Applicable")
    writes = [AnswerWrite(row.sheet, row.row, "NA", "n/a") for row in detection.rows]
    result = fill_workbook(data, detection, writes, overwrite=True)
    assert result.fidelity.ok
    sheet = openpyxl.load_workbook(io.BytesIO(result.data))["CAIQ v3.1"]
    assert [sheet[f"{column}5"].value for column in "WXYZ"] == [None, None, "NOT", "n/a"]
    assert len(sheet.merged_cells.ranges) == 3336


def test_hecvat_fills_only_vendor_tabs_and_never_touches_formula_answers() -> None:
    data = raw(HECVAT).read_bytes()
    detection = read_questionnaire(data)
    result = fill_every_row(data, detection)

    reasons = Counter(outcome.reason for outcome in result.outcomes if not outcome.written)
    assert reasons["formula cell"] == 0
    assert not any(
        "Evaluation" in sheet or "Analyst" in sheet
        for sheet in {row.sheet for row in detection.rows}
    )
    assert any(reason.startswith("Questions: hidden") for reason in detection.skipped_sheets)
    assert result.fidelity.ok
    assert (
        structure_counts(result.data)["x14_dropdowns"]
        == structure_counts(data)["x14_dropdowns"]
        > 0
    )


def test_hecvat_rows_answered_by_formula_are_left_out_and_reported() -> None:
    detection = read_questionnaire(raw(HECVAT).read_bytes())
    assert len(detection.rows) == 331
    linked = [w for w in detection.warnings if "answer cell is a formula" in w]
    counts = [int(re.search(r": (\d+) rows", w).group(1)) for w in linked]  # type: ignore[union-attr]
    assert sum(counts) == 45 and len(linked) == 7
    assert "Sheet 'Organization': 8 rows" in linked[0] and "(rows 13-20)" in linked[0]
    # What START HERE asks is read there, once.
    start = [row for row in detection.rows if row.sheet == "START HERE"]
    assert start and all(row.locked_reason != "formula cell" for row in detection.rows)


def test_hecvat_cells_its_own_prompt_says_to_leave_blank_stay_blank() -> None:
    data = raw(HECVAT).read_bytes()
    detection = read_questionnaire(data)
    start = {row.control_id: row for row in detection.rows if row.sheet == "START HERE"}
    # "This cell should be left blank. Input your answer in column C." sits on D24 and D27.
    assert start["COMP-02"].detail_cell is None and start["COMP-05"].detail_cell is None
    assert start["COMP-01"].detail_cell == "D23"
    result = fill_every_row(data, detection)
    assert result.fidelity.ok
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = openpyxl.load_workbook(io.BytesIO(result.data))["START HERE"]
    assert sheet["D24"].value is None and sheet["D27"].value is None
    # With no detail cell, the detail follows the short answer in the answer cell.
    assert "Detail for COMP-02." in str(sheet["C24"].value)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_filled_shared_workbook_converts_in_libreoffice(name: str, tmp_path: Path) -> None:
    data = raw(EXPECTED[name].path).read_bytes()
    result = fill_every_row(data, read_questionnaire(data))

    pdf = convert_with_libreoffice(
        result.data, suffix=result.extension, target="pdf", workdir=tmp_path
    )

    assert pdf.startswith(b"%PDF")
