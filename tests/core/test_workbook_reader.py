"""Detection on small generated layouts: headers, columns, sections, choices, locks and mappings."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from app.core.workbook import SheetMapping, read_questionnaire
from app.core.workbook.labels import classify_label, id_shape
from tests.core.workbook_fixtures import (
    choice_columns_with_x,
    edit_part,
    excel_table,
    images_and_comments,
    list_sources,
    macro_workbook,
    questionnaire,
    saved,
    special_cells,
    ten_thousand_rows,
    two_row_merged_header,
)


def test_header_below_a_title_and_an_instruction_is_found() -> None:
    detection = read_questionnaire(questionnaire())

    assert detection.confident
    (mapping,) = detection.mappings
    assert (mapping.header_row, mapping.question_column, mapping.answer_columns) == (4, "B", ("C",))
    assert (mapping.detail_column, mapping.id_column) == ("D", "A")
    assert [row.row for row in detection.rows] == [5, 6, 7, 8, 9]


def test_a_dropdown_answer_cell_reports_its_list_in_its_own_spelling() -> None:
    detection = read_questionnaire(questionnaire())

    assert {row.choices for row in detection.rows} == {("Yes", "No", "N/A")}


def test_statements_count_as_questions() -> None:
    questions = [row.question for row in read_questionnaire(questionnaire()).rows]

    assert "Automated vulnerability scanning of production hosts" in questions
    assert "Describe your incident response process." in questions


def test_two_row_header_with_merged_group_labels_and_section_banners() -> None:
    detection = read_questionnaire(two_row_merged_header())

    (mapping,) = detection.mappings
    assert (mapping.header_row, mapping.question_column, mapping.answer_columns) == (2, "B", ("C",))
    assert mapping.detail_column == "D"
    assert [(row.row, row.control_id) for row in detection.rows] == [
        (4, "AC-1"),
        (5, "AC-2"),
        (7, "LG-1"),
    ]


def test_choice_per_column_layout_reads_the_labels_and_the_existing_marks() -> None:
    detection = read_questionnaire(choice_columns_with_x())

    (mapping,) = detection.mappings
    assert mapping.answer_columns == ("C", "D", "E")
    assert mapping.choice_marks == ("x", "x", "x")
    assert mapping.detail_column == "F"
    rows = detection.rows
    assert [row.choices for row in rows] == [("Yes", "No", "N/A")] * 4
    assert [row.existing_answer for row in rows] == ["Yes", "No", None, None]
    assert rows[0].answer_cell == "C3"


def test_excel_table_layout_is_read_like_any_other() -> None:
    detection = read_questionnaire(excel_table())

    (mapping,) = detection.mappings
    assert (mapping.question_column, mapping.answer_columns, mapping.detail_column) == (
        "B",
        ("C",),
        "D",
    )
    assert len(detection.rows) == 5


def test_formula_merged_hidden_and_answered_cells_are_reported_as_such() -> None:
    detection = read_questionnaire(special_cells())

    by_id = {row.control_id: row for row in detection.rows}
    assert by_id["Q-1"].locked_reason is None
    # An answer computed by a formula is answered elsewhere: not a question row, but reported.
    assert "Q-2" not in by_id
    assert any(
        "1 rows whose answer cell is a formula" in w and "(rows " in w for w in detection.warnings
    )
    assert by_id["Q-3"].existing_answer == "Yes"
    assert by_id["Q-4"].locked_reason == "merged cell that is not the anchor"
    assert by_id["Q-5"].locked_reason == "hidden row"


def test_hidden_sheets_and_dashboards_are_skipped_with_reasons() -> None:
    detection = read_questionnaire(special_cells())

    assert {row.sheet for row in detection.rows} == {"Questions"}
    assert "Scoring backend: hidden sheet" in detection.skipped_sheets
    assert any(reason.startswith("Dashboard:") for reason in detection.skipped_sheets)


def test_question_text_produced_by_a_formula_is_read_from_its_cached_value() -> None:
    cached = '<c r="B5" t="str"><f>VLOOKUP(A5,Questions!A:B,2,0)</f><v>Is data encrypted in transit?</v></c>'
    data = edit_part(
        questionnaire(),
        "xl/worksheets/sheet1.xml",
        lambda text: text.replace(
            text[text.index('<c r="B5"') : text.index("</c>", text.index('<c r="B5"')) + 4], cached
        ),
    )

    assert read_questionnaire(data).rows[0].question == "Is data encrypted in transit?"


def test_an_explicit_mapping_overrides_detection() -> None:
    mapping = SheetMapping(
        sheet="Security",
        header_row=4,
        question_column="B",
        answer_columns=("D",),
        detail_column=None,
    )

    detection = read_questionnaire(questionnaire(), mappings=[mapping])

    assert detection.mappings == (mapping,)
    assert {row.answer_cell[0] for row in detection.rows} == {"D"}
    assert all(row.detail_cell is None for row in detection.rows)


def test_a_sheet_without_an_answer_column_is_skipped_and_detection_says_it_is_unsure() -> None:
    data = edit_part(
        questionnaire(),
        "xl/worksheets/sheet1.xml",
        lambda text: text.replace(">Answer<", ">Owner<"),
    )

    detection = read_questionnaire(data)

    assert detection.rows == ()
    assert not detection.confident
    assert detection.warnings


def test_the_fingerprint_ignores_answers_but_not_the_template() -> None:
    blank = read_questionnaire(questionnaire())
    other = read_questionnaire(two_row_merged_header())

    assert blank.fingerprint == read_questionnaire(macro_workbook()).fingerprint
    assert blank.fingerprint != other.fingerprint


def test_images_and_comments_do_not_disturb_detection() -> None:
    detection = read_questionnaire(images_and_comments())

    assert len(detection.rows) == 5
    assert detection.mappings[0].detail_column == "D"


def test_ten_thousand_rows_are_all_found() -> None:
    assert len(read_questionnaire(ten_thousand_rows()).rows) == 10_000


def test_header_labels_are_classified_by_role() -> None:
    assert classify_label("Question ID") == "id"
    assert classify_label("Consensus Assessment Questions") == "question"
    assert classify_label("CSP CAIQ Answer") == "answer"
    assert classify_label("CSP Implementation Description (Optional/Recommended)") == "detail"
    assert classify_label("Response Comments") == "detail"
    assert classify_label("Analyst Notes") == "ignore"
    assert classify_label("SSRM Control Ownership") is None
    assert id_shape("A&A-01.1") == id_shape("BCR-11.7")


def test_dropdown_lists_are_read_from_x14_rules_and_defined_names_on_other_sheets() -> None:
    detection = read_questionnaire(list_sources())

    choices = {(row.sheet, row.choices) for row in detection.rows}
    assert choices == {
        ("Extension form", ("Yes", "No", "Not applicable")),
        ("Named range", ("Yes", "No", "Not applicable")),
    }
    assert "Lists: hidden sheet" in detection.skipped_sheets


def test_a_hidden_answer_column_locks_its_rows() -> None:
    mapping = SheetMapping(
        sheet="Questions", header_row=1, question_column="B", answer_columns=("E",)
    )

    detection = read_questionnaire(special_cells(), mappings=[mapping])

    assert {row.locked_reason for row in detection.rows} == {"hidden column", "hidden row"}


def test_each_row_carries_its_section_heading_as_context() -> None:
    detection = read_questionnaire(two_row_merged_header())

    assert [(row.row, row.context) for row in detection.rows] == [
        (4, "Access control"),
        (5, "Access control"),
        (7, "Logging"),
    ]


def test_domain_and_title_columns_become_context_even_under_a_two_row_header() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Controls"
    sheet.append(["Control Domain", "Control Title", "Question ID", "Question", "Answers"])
    sheet.append([None, None, None, None, "Yes"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.append(["Business Continuity", "Plan testing", "BC-1", "Are plans tested yearly?", None])
    sheet.append([None, None, "BC-2", "Are plans approved by management?", None])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.append(["Logging", "Retention\n of   logs", "LG-1", "Are logs kept for a year?", None])

    detection = read_questionnaire(saved(workbook))

    assert [(row.control_id, row.context) for row in detection.rows] == [
        ("BC-1", "Business Continuity; Plan testing"),
        ("BC-2", "Business Continuity; Plan testing"),
        ("LG-1", "Logging; Retention of logs"),
    ]


def test_a_sheet_without_headings_or_context_columns_gives_empty_context() -> None:
    assert {row.context for row in read_questionnaire(questionnaire()).rows} == {""}


def test_a_cell_whose_prompt_says_leave_it_blank_is_never_written() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Question", "Answer", "Comments"])
    sheet.append(["Q-1", "Do you encrypt backups?", None, None])
    sheet.append(["Q-2", "Describe your backup schedule.", None, None])
    sheet.append(["Q-3", "Do you test restores?", None, None])
    blank = DataValidation(
        type=None, prompt="This cell should be left blank. Input your answer in column C."
    )
    blank.add("D3")
    blank.add("C4")
    sheet.add_data_validation(blank)

    rows = read_questionnaire(saved(workbook)).rows

    assert [(row.detail_cell, row.locked_reason) for row in rows] == [
        ("D2", None),
        (None, None),
        ("D4", "the sheet asks for this cell to be left blank"),
    ]


def two_tab_workbook(second: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer"])
    sheet.append(["S-1", "Do you encrypt backups?", None])
    other = workbook.create_sheet(second)
    other.append(["ID", "Question", "Answer"])
    other.append(["X-1", "Do you run a bug bounty?", None])
    other.append(["X-2", "Do you rotate keys yearly?", None])
    return saved(workbook)


def test_a_tab_named_like_a_summary_that_holds_questions_is_read_and_flagged() -> None:
    detection = read_questionnaire(two_tab_workbook("Executive Summary"))

    assert [row.control_id for row in detection.rows] == ["S-1", "X-1", "X-2"]
    assert not detection.confident
    assert any("'Executive Summary'" in w and "2 question rows" in w for w in detection.warnings)


def test_a_tab_for_the_customers_assessors_is_skipped_whatever_it_holds() -> None:
    detection = read_questionnaire(two_tab_workbook("Analyst Scoring"))

    assert [row.control_id for row in detection.rows] == ["S-1"]
    assert detection.confident
    assert detection.skipped_sheets == (
        "Analyst Scoring: not a questionnaire (its name says assessors fill or score it)",
    )
