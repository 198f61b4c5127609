"""Writing answers: only answer cells change, in the sheet's own spelling, always as text."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from app.core.formulas import FORMULA_TRIGGERS
from app.core.workbook import AnswerWrite, check_fidelity, fill_workbook, read_questionnaire
from app.core.workbook.sheetxml import CellEdit, SheetXml
from app.core.workbook.writer import join_answer, match_choice
from tests.core.workbook_fixtures import (
    FAKE_VBA,
    choice_columns_with_x,
    convert_with_libreoffice,
    edit_part,
    excel_table,
    images_and_comments,
    macro_workbook,
    questionnaire,
    special_cells,
    structure_counts,
    two_row_merged_header,
)

SHEET = "xl/worksheets/sheet1.xml"


def fill(data: bytes, answers: dict[int, tuple[str, str]], *, overwrite: bool = False):  # type: ignore[no-untyped-def]
    """Fill rows {row: (answer, detail)} of the first detected sheet."""
    detection = read_questionnaire(data)
    sheet = detection.mappings[0].sheet
    writes = [AnswerWrite(sheet, row, answer, detail) for row, (answer, detail) in answers.items()]
    return fill_workbook(data, detection, writes, overwrite=overwrite)


def cells_of(data: bytes, sheet: str | None = None) -> openpyxl.worksheet.worksheet.Worksheet:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook[sheet] if sheet else workbook.worksheets[0]


def test_dropdown_cell_gets_a_value_from_its_list_in_the_lists_spelling() -> None:
    result = fill(questionnaire(), {5: ("NA", ""), 6: ("not applicable", ""), 7: ("yes", "")})

    sheet = cells_of(result.data)
    assert [sheet["C5"].value, sheet["C6"].value, sheet["C7"].value] == ["N/A", "N/A", "Yes"]
    assert result.fidelity.ok


def test_an_answer_outside_the_list_is_not_written_and_the_outcome_says_why() -> None:
    result = fill(questionnaire(), {5: ("Partial", "Half the estate.")})

    (outcome,) = result.outcomes
    assert not outcome.written
    assert outcome.reason == "answer 'Partial' not in the cell's list (Yes, No, N/A)"
    assert cells_of(result.data)["C5"].value is None
    assert result.data == questionnaire() or result.fidelity.parts_changed == ()


def test_detail_goes_to_the_detail_column() -> None:
    result = fill(questionnaire(), {5: ("Yes", "AES-256 on every volume.")})

    sheet = cells_of(result.data)
    assert (sheet["C5"].value, sheet["D5"].value) == ("Yes", "AES-256 on every volume.")
    assert set(result.fidelity.unintended_cells) == set()


def test_with_one_answer_column_the_detail_follows_the_short_answer() -> None:
    no_detail_column = edit_part(
        questionnaire(dropdown=None), SHEET, lambda text: text.replace(">Comments<", ">Owner<")
    )

    result = fill(
        no_detail_column, {5: ("Yes", "AES-256 on every volume."), 6: ("No.", "Planned.")}
    )

    sheet = cells_of(result.data)
    assert sheet["C5"].value == "Yes. AES-256 on every volume."
    assert sheet["C6"].value == "No. Planned."
    assert join_answer("", "Only detail") == "Only detail"


def test_missing_cells_are_inserted_in_column_order() -> None:
    result = fill(questionnaire(), {5: ("Yes", "Detail.")})

    xml = zipfile.ZipFile(io.BytesIO(result.data)).read(SHEET).decode()
    row = xml[xml.index('<row r="5"') : xml.index("</row>", xml.index('<row r="5"'))]
    assert [row.index(f'r="{ref}"') for ref in ("A5", "B5", "C5", "D5")] == sorted(
        row.index(f'r="{ref}"') for ref in ("A5", "B5", "C5", "D5")
    )


def test_missing_rows_are_inserted_in_row_order_and_an_empty_sheet_data_is_opened() -> None:
    sheet = SheetXml(
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B2"/><sheetData><row r="2"><c r="B2"><v>1</v></c></row>'
        b'<row r="9" spans="1:2"><c r="A9"><v>2</v></c></row></sheetData></worksheet>'
    )
    text = sheet.apply(
        {
            (1, 3): CellEdit("first"),
            (5, 1): CellEdit("middle"),
            (12, 2): CellEdit("last"),
            (9, 4): CellEdit("D"),
        },
        default_styles={},
    ).decode()

    positions = [text.index(f'<row r="{number}"') for number in (1, 2, 5, 9, 12)]
    assert positions == sorted(positions)
    assert '<row r="9" spans="1:4">' in text
    assert '<dimension ref="A1:D12"/>' in text
    empty = SheetXml(
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    )
    opened = empty.apply({(3, 2): CellEdit("x")}, default_styles={}).decode()
    assert opened.endswith(
        '<sheetData><row r="3"><c r="B3" t="inlineStr"><is><t xml:space="preserve">x</t></is></c></row></sheetData></worksheet>'
    )


def test_existing_answers_are_kept_unless_the_caller_asks_to_overwrite() -> None:
    kept = fill(special_cells(), {4: ("No", "Not yet.")})
    replaced = fill(special_cells(), {4: ("No", "Not yet.")}, overwrite=True)

    assert (kept.outcomes[0].written, kept.outcomes[0].reason) == (False, "kept existing answer")
    assert cells_of(kept.data, "Questions")["C4"].value == "Yes"
    assert cells_of(replaced.data, "Questions")["C4"].value == "No"
    assert cells_of(replaced.data, "Questions")["D4"].value == "Not yet."
    assert replaced.fidelity.ok


def test_formula_merged_and_hidden_answer_cells_are_never_written_even_when_overwriting() -> None:
    result = fill(
        special_cells(),
        {3: ("No", ""), 5: ("Yes", ""), 6: ("Yes", ""), 2: ("Yes", "")},
        overwrite=True,
    )

    reasons = {outcome.row: (outcome.written, outcome.reason) for outcome in result.outcomes}
    assert reasons == {
        # A formula answer is no question row at all (the reader leaves it out).
        3: (False, "not a detected question row"),
        5: (False, "merged cell that is not the anchor"),
        6: (False, "hidden row"),
        2: (True, None),
    }
    workbook = openpyxl.load_workbook(io.BytesIO(result.data))
    assert workbook["Questions"]["C3"].value == '=IF(1,"Yes","No")'
    assert workbook["Scoring backend"].sheet_state == "hidden"
    assert result.fidelity.ok


def test_a_row_that_was_not_detected_is_not_written() -> None:
    data = questionnaire()
    detection = read_questionnaire(data)

    result = fill_workbook(data, detection, [AnswerWrite("Security", 2, "Yes")])

    assert result.outcomes[0].reason == "not a detected question row"
    assert result.data == data


def test_choice_per_column_marks_the_right_column_with_the_sheets_own_mark() -> None:
    result = fill(choice_columns_with_x(), {5: ("N/A", "Out of scope."), 6: ("yes", "")})

    sheet = cells_of(result.data)
    assert [sheet[f"{column}5"].value for column in "CDEF"] == [None, None, "x", "Out of scope."]
    assert [sheet[f"{column}6"].value for column in "CDE"] == ["x", None, None]
    assert result.fidelity.ok


def test_overwriting_a_choice_clears_the_other_columns() -> None:
    result = fill(choice_columns_with_x(), {3: ("No", "")}, overwrite=True)

    sheet = cells_of(result.data)
    assert [sheet[f"{column}3"].value for column in "CDE"] == [None, "x", None]
    assert result.fidelity.ok


def test_two_row_headers_and_excel_tables_fill_cleanly() -> None:
    merged = fill(two_row_merged_header(), {4: ("Yes", "Role-based."), 7: ("No", "")})
    table = fill(excel_table(), {2: ("Yes", "KMS."), 6: ("No", "")})

    assert merged.fidelity.ok and table.fidelity.ok
    assert cells_of(table.data)["C2"].value == "Yes"
    assert "xl/tables/table1.xml" not in table.fidelity.parts_changed


def test_images_comments_and_dropdowns_survive_a_fill() -> None:
    original = images_and_comments()
    result = fill(original, {row: ("Yes", "See policy.") for row in range(2, 7)})

    assert result.fidelity.ok
    assert result.fidelity.parts_changed == (SHEET,)
    assert structure_counts(result.data) == structure_counts(original)
    assert (
        structure_counts(original)["pictures"] == 1 and structure_counts(original)["comments"] == 2
    )


def test_xlsm_comes_back_as_xlsm_with_the_vba_project_byte_identical() -> None:
    original = macro_workbook()
    result = fill(original, {5: ("Yes", "")})

    assert result.extension == ".xlsm"
    after, before = zipfile.ZipFile(io.BytesIO(result.data)), zipfile.ZipFile(io.BytesIO(original))
    assert after.read("xl/vbaProject.bin") == FAKE_VBA
    assert (
        after.getinfo("xl/vbaProject.bin").compress_size
        == before.getinfo("xl/vbaProject.bin").compress_size
    )
    assert "macroEnabled" in after.read("[Content_Types].xml").decode()
    assert result.fidelity.ok
    reopened = openpyxl.load_workbook(io.BytesIO(result.data), keep_vba=True)
    assert reopened.vba_archive is not None
    reopened.vba_archive.close()  # openpyxl leaves this in-memory zip open


def test_the_filled_copy_keeps_the_template_fingerprint() -> None:
    original = questionnaire()
    result = fill(original, {5: ("Yes", "x")})

    assert read_questionnaire(result.data).fingerprint == read_questionnaire(original).fingerprint


def test_text_over_excels_cell_limit_is_refused() -> None:
    result = fill(questionnaire(dropdown=None), {5: ("A" * 32_768, "")})

    assert not result.outcomes[0].written
    assert "32,767" in (result.outcomes[0].reason or "")


def test_fidelity_check_lists_a_cell_changed_beyond_the_answers() -> None:
    original = questionnaire()
    tampered = edit_part(
        original, SHEET, lambda text: text.replace(">Do you encrypt", ">Do you really encrypt")
    )

    report = check_fidelity(original, tampered, intended=[("Security", "C5")])

    assert not report.ok
    assert report.unintended_cells == ("Security!B5",)
    assert report.to_dict()["unintended_cells"] == ["Security!B5"]


def test_fidelity_check_lists_parts_added_removed_and_changed() -> None:
    original = questionnaire()
    added = edit_part(
        original, "docProps/app.xml", lambda text: text.replace("<Application>", "<Application>x")
    )

    report = check_fidelity(original, added, intended=[])

    assert not report.ok
    assert report.parts_changed == ("docProps/app.xml",)


def test_matching_choices_uses_synonyms_case_insensitively() -> None:
    assert match_choice("n/a", ("Yes", "No", "Not Applicable")) == "Not Applicable"
    assert match_choice("Not applicable", ("Yes", "No", "NA")) == "NA"
    assert match_choice("TRUE", ("Yes", "No")) == "Yes"
    assert match_choice("Partial", ("Yes", "No")) is None


def test_formula_like_text_is_written_as_quote_prefixed_text() -> None:
    result = fill(questionnaire(dropdown=None), {5: ("=1+1", "@SUM(A1:A2)"), 6: ("#N/A", "")})

    sheet = cells_of(result.data)
    assert (sheet["C5"].value, sheet["C5"].data_type, sheet["C5"].quotePrefix) == (
        "=1+1",
        "s",
        True,
    )
    assert (sheet["D5"].value, sheet["D5"].quotePrefix) == ("@SUM(A1:A2)", True)
    assert (sheet["C6"].value, sheet["C6"].data_type) == ("#N/A", "s")
    assert result.fidelity.ok
    assert set(result.fidelity.parts_changed) == {"xl/styles.xml", SHEET}
    assert any("quotePrefix" in note for note in result.fidelity.notes)


TRIGGER_TEXT = st.builds(
    lambda trigger, rest: trigger + rest,
    st.sampled_from(FORMULA_TRIGGERS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TRIGGER_TEXT, min_size=1, max_size=4))
def test_no_app_written_cell_is_ever_a_formula_and_text_reads_back_as_written(
    texts: list[str],
) -> None:
    data = questionnaire(dropdown=None)
    answers = {5 + index: (text, "") for index, text in enumerate(texts)}

    result = fill(data, answers)

    assert result.fidelity.ok, result.fidelity.to_dict()
    sheet = cells_of(result.data)
    reread = {row.row: row.existing_answer for row in read_questionnaire(result.data).rows}
    for row, (text, _) in answers.items():
        cell = sheet[f"C{row}"]
        if not text.strip():
            continue
        assert cell.data_type == "s"
        assert cell.quotePrefix
        # openpyxl does not decode OOXML's _xHHHH_ escapes (for characters XML cannot carry); Excel does
        assert unescape(cell.value) == text
        assert reread[row] == text.strip()


@pytest.mark.slow
def test_formula_like_text_stays_text_in_libreoffice(tmp_path: Path) -> None:
    texts = ["=1+1", "+SUM(1,2)", "-2+3", "@NOW()", "\t=1+1", "#N/A"]
    result = fill(
        questionnaire(len(texts), dropdown=None),
        {5 + index: (text, "") for index, text in enumerate(texts)},
    )

    exported = convert_with_libreoffice(result.data, suffix=".xlsx", target="csv", workdir=tmp_path)

    rows = list(csv.reader(io.StringIO(exported.decode("utf-8"))))
    assert [row[2] for row in rows[4:10]] == texts


@pytest.mark.slow
@pytest.mark.parametrize(
    "build",
    [images_and_comments, macro_workbook, choice_columns_with_x],
    ids=lambda build: build.__name__,
)
def test_filled_generated_workbooks_open_in_libreoffice(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    original = build()
    detection = read_questionnaire(original)
    writes = [AnswerWrite(row.sheet, row.row, "No", "Because.") for row in detection.rows]
    result = fill_workbook(original, detection, writes, overwrite=True)

    pdf = convert_with_libreoffice(
        result.data, suffix=result.extension, target="pdf", workdir=tmp_path
    )

    assert pdf.startswith(b"%PDF")


def _blank_headed_choices() -> tuple[bytes, object]:
    """A Yes | (blank header) | N/A choice layout, mapped by hand as a confirmed template would be."""
    from app.core.workbook import SheetMapping

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Answers"
    sheet.append(["Question", "Yes", None, "N/A"])
    sheet.append(["Do you encrypt customer data at rest?", None, None, None])
    sheet.append(["Is access reviewed at least quarterly?", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    mapping = SheetMapping(
        sheet="Answers", header_row=1, question_column="A", answer_columns=("B", "C", "D")
    )
    return buffer.getvalue(), mapping


def test_a_mark_goes_under_its_own_label_when_a_choice_header_is_blank() -> None:
    data, mapping = _blank_headed_choices()
    detection = read_questionnaire(data, mappings=[mapping])  # type: ignore[list-item]

    result = fill_workbook(
        data, detection, [AnswerWrite("Answers", 2, "N/A"), AnswerWrite("Answers", 3, "Yes")]
    )

    sheet = cells_of(result.data)
    assert [sheet[f"{column}2"].value for column in "BCD"] == [None, None, "X"]
    assert [sheet[f"{column}3"].value for column in "BCD"] == ["X", None, None]
    assert [o.cell for o in result.outcomes] == ["D2", "B3"]
    assert all(o.written for o in result.outcomes)
    assert result.fidelity.ok


def test_two_writes_to_one_cell_are_a_reported_conflict_not_a_silent_overwrite() -> None:
    data = questionnaire()
    detection = read_questionnaire(data)
    sheet = detection.mappings[0].sheet
    row = detection.rows[0].row

    result = fill_workbook(
        data, detection, [AnswerWrite(sheet, row, "Yes"), AnswerWrite(sheet, row, "No")]
    )

    first, second = result.outcomes
    assert first.written and "conflict" in (first.reason or "")
    assert not second.written and (second.reason or "").startswith("conflict:")
    assert cells_of(result.data)[detection.rows[0].answer_cell].value == "Yes"


def test_a_write_marked_replace_overwrites_only_its_own_row() -> None:
    data = choice_columns_with_x()
    detection = read_questionnaire(data)
    sheet = detection.mappings[0].sheet

    result = fill_workbook(
        data,
        detection,
        [AnswerWrite(sheet, 3, "No", replace=True), AnswerWrite(sheet, 4, "Yes")],
    )

    cells = cells_of(result.data)
    assert [cells[f"{column}3"].value for column in "CDE"] == [None, "x", None]
    assert [cells[f"{column}4"].value for column in "CDE"] == [None, "x", None]
    assert [(o.written, o.reason) for o in result.outcomes] == [
        (True, None),
        (False, "kept existing answer"),
    ]
