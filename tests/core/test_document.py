"""Word questionnaires: every table read, answers written into answer cells only, all else kept."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.document.reader import read_document
from app.core.document.writer import check_document_fidelity, fill_document
from app.core.errors import UnreadableWorkbook, UnsupportedWorkbook, WorkbookTooLarge
from app.core.formats import questionnaire_kind, read_questionnaire_file
from app.core.workbook import AnswerWrite
from app.core.workbook.limits import Limits
from tests.core.document_fixtures import (
    FAKE_VBA,
    cell,
    header_row,
    package,
    questionnaire_docx,
    row,
    run,
    table,
)
from tests.core.workbook_fixtures import convert_with_libreoffice

DOCUMENT = "word/document.xml"


def rows_by_question(data: bytes) -> dict[str, object]:
    return {row.question: row for row in read_document(data).rows}


def answer_all(data: bytes, answer: str = "Yes", detail: str = "Reviewed yearly."):  # type: ignore[no-untyped-def]
    detection = read_document(data)
    writes = [AnswerWrite(r.sheet, r.row, answer, detail) for r in detection.rows]
    return detection, fill_document(data, detection, writes)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def document_text(data: bytes) -> str:
    return parts(data)[DOCUMENT].decode()


def test_every_question_table_is_found_and_other_tables_are_skipped_with_a_reason() -> None:
    detection = read_document(questionnaire_docx())

    assert [m.sheet for m in detection.mappings] == ["Table 2", "Table 3", "Table 4", "Table 6"]
    assert any(skip.startswith("Table 1: ") for skip in detection.skipped_sheets)
    assert len(detection.rows) == 9


def test_columns_ids_and_the_nearest_heading_are_read_as_for_workbooks() -> None:
    detection = read_document(questionnaire_docx())
    first = detection.mappings[0]

    assert (first.id_column, first.question_column, first.answer_columns, first.detail_column) == (
        "A",
        "B",
        ("C",),
        "D",
    )
    row = detection.rows[0]
    assert row.control_id == "GOV-01"
    # the heading above the table and the section row spanning the table both give context
    assert row.context == "1. Security programme; Governance"
    assert detection.rows[3].context == "1. Security programme; Identity and access"


def test_a_table_split_by_a_heading_continues_with_the_same_columns() -> None:
    detection = read_document(questionnaire_docx())
    continued = [r for r in detection.rows if r.sheet == "Table 3"]

    assert [r.control_id for r in continued] == ["CRY-01", "CRY-02"]
    assert continued[0].context == "2. Data protection"
    assert any("continuation" in warning for warning in detection.warnings)


def test_drop_downs_and_check_boxes_offer_their_own_choices() -> None:
    rows = rows_by_question(questionnaire_docx())

    assert rows["Is the information security policy reviewed at least annually?"].choices == (  # type: ignore[attr-defined]
        "Yes",
        "No",
        "N/A",
    )
    text_boxes = rows["Do you enforce multi-factor authentication for administrative access?"]
    assert text_boxes.choices == ("Yes", "No", "N/A")  # type: ignore[attr-defined]
    controls = rows["Are user access rights reviewed periodically?"]
    assert controls.choices == ("Yes", "No", "N/A")  # type: ignore[attr-defined]
    placeholder = rows["Is data encrypted in transit over public networks using TLS?"]
    assert placeholder.existing_answer is None  # type: ignore[attr-defined]


def test_a_nested_table_is_read_as_its_own_table() -> None:
    detection = read_document(questionnaire_docx())

    nested = [r for r in detection.rows if r.sheet == "Table 6"]
    assert [r.question for r in nested] == ["Do you have a documented incident response plan?"]
    assert nested[0].context == "4. Incident response"


def test_merged_cells_lock_the_covered_positions_and_repeated_headers_are_skipped() -> None:
    body = table(
        header_row(),
        row(cell(run("A-1")), cell(run("Do you run backups daily?")), cell(), cell()),
        header_row(),  # repeated where the table breaks across pages
        row(cell(run("A-2")), cell(run("Do you test restores?")), cell(span=2)),
        row(
            cell(run("A-3"), vmerge="restart"), cell(run("Are backups encrypted?")), cell(), cell()
        ),
        row(cell(vmerge="continue"), cell(run("Are backups kept offsite?")), cell(), cell()),
        columns=4,
    )
    detection = read_document(package(body))

    by_question = {r.question: r for r in detection.rows}
    assert list(by_question) == [
        "Do you run backups daily?",
        "Do you test restores?",
        "Are backups encrypted?",
        "Are backups kept offsite?",
    ]
    assert by_question["Do you test restores?"].locked_reason is None  # the answer cell spans C:D
    assert by_question["Are backups kept offsite?"].control_id is None
    spanned = by_question["Do you test restores?"]

    result = fill_document(
        package(body),
        detection,
        [AnswerWrite(spanned.sheet, spanned.row, "Yes", "Quarterly restore tests.")],
    )

    (outcome,) = result.outcomes
    assert (
        outcome.written
        and outcome.reason == "detail not written: merged cell that is not the first"
    )
    assert result.fidelity.ok


def test_an_explicit_mapping_overrides_detection_per_table() -> None:
    body = table(
        row(cell(run("Item")), cell(run("Text")), cell(run("Vendor says"))),
        row(cell(run("1")), cell(run("Do you encrypt backups?")), cell()),
        columns=3,
    )
    data = package(body)
    assert read_document(data).rows == ()

    from app.core.workbook import SheetMapping

    mapping = SheetMapping("Table 1", 1, "B", ("C",), None, "A")
    detection = read_document(data, mappings=[mapping])

    assert [r.question for r in detection.rows] == ["Do you encrypt backups?"]
    result = fill_document(data, detection, [AnswerWrite("Table 1", 2, "Yes", "")])
    assert result.fidelity.ok
    (filled,) = read_document(result.data, mappings=[mapping]).rows
    assert filled.existing_answer == "Yes"


def test_a_mark_goes_under_its_own_label_when_a_choice_header_is_blank() -> None:
    from app.core.workbook import SheetMapping

    body = table(
        row(cell(run("Question")), cell(run("Yes")), cell(), cell(run("N/A"))),
        row(cell(run("Do you encrypt data at rest?")), cell(), cell(), cell()),
        row(cell(run("Is access reviewed?")), cell(), cell(), cell()),
        columns=4,
    )
    data = package(body)
    mapping = SheetMapping("Table 1", 1, "A", ("B", "C", "D"))
    detection = read_document(data, mappings=[mapping])

    result = fill_document(
        data, detection, [AnswerWrite("Table 1", 2, "N/A"), AnswerWrite("Table 1", 3, "Yes")]
    )

    assert all(o.written for o in result.outcomes), result.outcomes
    assert result.fidelity.ok
    filled = {r.row: r.existing_answer for r in read_document(result.data, mappings=[mapping]).rows}
    assert filled == {2: "N/A", 3: "Yes"}


def test_answers_go_into_the_answer_cells_keeping_the_cells_formatting() -> None:
    _, result = answer_all(questionnaire_docx())
    text = document_text(result.data)

    assert result.fidelity.ok, result.fidelity
    assert all(outcome.written for outcome in result.outcomes)
    # the empty answer cell's paragraph mark was Arial: the new run carries it
    assert (
        '<w:r><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/></w:rPr>'
        '<w:t xml:space="preserve">Yes</w:t></w:r>' in text
    )
    rows = rows_by_question(result.data)
    assert (
        rows[
            "Do you maintain an information security policy approved by management?"
        ].existing_answer
        == "Yes"
    )  # type: ignore[attr-defined]
    assert (
        rows[
            "Do you maintain an information security policy approved by management?"
        ].existing_detail
        == "Reviewed yearly."
    )  # type: ignore[attr-defined]


def test_check_boxes_are_ticked_and_drop_downs_pick_from_their_list() -> None:
    data = questionnaire_docx()
    detection = read_document(data)
    wanted = {
        "Is the information security policy reviewed at least annually?": "n/a",
        "Do you enforce multi-factor authentication for administrative access?": "No",
        "Are user access rights reviewed periodically?": "yes",
        "Do you centrally collect and retain security logs?": "No",
    }
    writes = [
        AnswerWrite(r.sheet, r.row, wanted[r.question], "")
        for r in detection.rows
        if r.question in wanted
    ]
    result = fill_document(data, detection, writes)
    text = document_text(result.data)

    assert result.fidelity.ok, result.fidelity
    assert "☐ Yes ☒ No ☐ N/A" in text
    assert text.count('<w14:checked w14:val="1"/>') == 1
    assert "<w:showingPlcHdr/>" not in text
    assert '<w:t xml:space="preserve">N/A</w:t>' in text  # the list's own spelling
    after = rows_by_question(result.data)
    assert {q: after[q].existing_answer for q in wanted} == {  # type: ignore[attr-defined]
        "Is the information security policy reviewed at least annually?": "N/A",
        "Do you enforce multi-factor authentication for administrative access?": "No",
        "Are user access rights reviewed periodically?": "Yes",
        "Do you centrally collect and retain security logs?": "No",
    }


def test_an_answer_outside_a_drop_downs_list_is_not_written() -> None:
    data = questionnaire_docx()
    detection = read_document(data)
    target = next(r for r in detection.rows if r.choices and r.sheet == "Table 2")

    result = fill_document(data, detection, [AnswerWrite(target.sheet, target.row, "Partly", "")])

    assert not result.outcomes[0].written
    assert "not in the cell's list" in (result.outcomes[0].reason or "")
    assert result.data == data


def test_every_other_part_comes_back_byte_identical_and_comments_stay_anchored() -> None:
    original = questionnaire_docx(macro=True)
    _, result = answer_all(original)

    before, after = parts(original), parts(result.data)
    assert list(before) == list(after)
    assert [name for name in before if before[name] != after[name]] == [DOCUMENT]
    assert after["word/vbaProject.bin"] == FAKE_VBA
    assert result.extension == ".docm"
    text = document_text(result.data)
    for anchor in ('<w:commentRangeStart w:id="0"/>', '<w:commentRangeEnd w:id="0"/>'):
        assert anchor in text
    assert '<w:commentReference w:id="0"/>' in text
    assert result.fidelity.parts_changed == (DOCUMENT,)


def test_the_fidelity_check_catches_a_change_outside_the_answer_cells() -> None:
    original = questionnaire_docx()
    detection, result = answer_all(original)
    tampered_parts = parts(result.data)
    tampered_parts[DOCUMENT] = tampered_parts[DOCUMENT].replace(
        b"Vendor Security", b"Vendor Safety"
    )
    tampered_parts["word/header1.xml"] += b" "
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in tampered_parts.items():
            archive.writestr(name, content)
    expected = {
        (r.sheet, r.row, int(ord(r.answer_cell[0]) - 64)): "Yes" for r in detection.rows[:1]
    }

    report = check_document_fidelity(original, buffer.getvalue(), expected=expected)

    assert not report.ok
    assert "document text outside the answer cells" in report.unintended_cells
    assert any("word/header1.xml" in note for note in report.notes)


def test_a_filled_document_converts_to_pdf_with_libreoffice(tmp_path: Path) -> None:
    _, result = answer_all(questionnaire_docx())

    pdf = convert_with_libreoffice(result.data, suffix=".docx", target="pdf", workdir=tmp_path)

    assert pdf.startswith(b"%PDF")


def test_a_legacy_doc_is_refused_naming_the_formats_vouch_reads() -> None:
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "WordDocument".encode("utf-16-le")

    with pytest.raises(UnsupportedWorkbook, match=r"\.doc.*\.docx.*\.csv"):
        questionnaire_kind(legacy)


def test_the_dispatcher_reads_a_docx_by_its_content_not_its_name() -> None:
    assert questionnaire_kind(questionnaire_docx()) == "document"
    assert len(read_questionnaire_file(questionnaire_docx()).rows) == 9


def test_an_entity_declaration_is_refused_quickly() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = package("")
    hostile = parts(data)
    hostile[DOCUMENT] = bomb.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in hostile.items():
            archive.writestr(name, content)

    started = time.monotonic()
    with pytest.raises(UnreadableWorkbook, match="entity"):
        read_document(buffer.getvalue())
    assert time.monotonic() - started < 1


def test_a_zip_bomb_and_an_unsafe_part_name_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (50 * 1024 * 1024))
    with pytest.raises(WorkbookTooLarge):
        read_document(buffer.getvalue())

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("../word/document.xml", "<x/>")
    with pytest.raises(UnreadableWorkbook, match="unsafe part name"):
        read_document(buffer.getvalue())


def test_the_zip_refusals_of_a_word_file_name_a_word_document_not_a_workbook() -> None:
    def zipped(*entries: tuple[str, bytes], encrypt_flag: bool = False) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in entries:
                archive.writestr(name, content)
        data = bytearray(buffer.getvalue())
        if encrypt_flag:  # set the "encrypted" bit of each entry, local and central headers
            for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
                at = data.find(signature)
                while at != -1:
                    data[at + offset] |= 0x1
                    at = data.find(signature, at + 4)
        return bytes(data)

    cases = [
        (zipped(("[Content_Types].xml", b"<Types/>"), ("../word/document.xml", b"<x/>")), "unsafe"),
        (zipped(("[Content_Types].xml", b"<Types/>"), ("a", b""), ("A", b"")), "twice"),
        (zipped(("[Content_Types].xml", b"<Types/>"), encrypt_flag=True), "password-protected"),
        (zipped(*((f"p{n}.xml", b"") for n in range(12))), "12 parts"),
        (zipped(("word/document.xml", os.urandom(3 * 1024 * 1024))), "expands to more than"),
    ]
    for data, words in cases:
        with pytest.raises(UnreadableWorkbook) as refused:
            read_document(
                data, limits=Limits(max_entries=10, max_uncompressed_bytes=2 * 1024 * 1024)
            )
        message = str(refused.value)
        assert words in message and "Word document" in message, message
        assert "workbook" not in message, message


def test_a_document_with_too_many_elements_is_refused() -> None:
    many = table(*(row(cell(run("Q?")), cell()) for _ in range(300)), columns=2)
    with pytest.raises(WorkbookTooLarge):
        read_document(package(many), limits=Limits(max_cells=500))


def test_a_truncated_document_is_a_plain_error() -> None:
    data = questionnaire_docx()
    with pytest.raises(UnreadableWorkbook):
        read_document(data[: len(data) // 2])


def test_cells_with_tracked_changes_or_fields_are_never_written() -> None:
    tracked = (
        '<w:p><w:ins w:id="5" w:author="Legal" w:date="2026-01-05T10:00:00Z">'
        "<w:r><w:t>Pending</w:t></w:r></w:ins></w:p>"
    )
    field = (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
        ' DATE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    body = table(
        header_row(),
        row(cell(run("T-1")), cell(run("Do you run backups daily?")), cell(tracked), cell()),
        row(cell(run("T-2")), cell(run("Do you test restores?")), cell(), cell(field)),
        columns=4,
    )
    data = package(body)
    detection = read_document(data)
    first, second = detection.rows
    assert first.locked_reason == "the cell has tracked changes"

    result = fill_document(
        data,
        detection,
        [AnswerWrite(r.sheet, r.row, "Yes", "Daily, tested monthly.") for r in detection.rows],
    )

    assert [o.written for o in result.outcomes] == [False, True]
    assert result.outcomes[1].reason == "detail not written: the cell holds a field"
    assert result.fidelity.ok
    assert document_text(result.data).count("DATE") == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mangled_document_is_read_and_filled_or_refused_plainly(data: st.DataObject) -> None:
    original = parts(questionnaire_docx())
    xml = original[DOCUMENT]
    start = data.draw(st.integers(0, len(xml) - 1))
    length = data.draw(st.integers(0, 40))
    insert = data.draw(st.sampled_from([b"", b"<", b">", b"<w:p>", b"</w:tc>", b"&amp;", b'"']))
    mangled = {**original, DOCUMENT: xml[:start] + insert + xml[start + length :]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in mangled.items():
            archive.writestr(name, content)
    content = buffer.getvalue()

    try:
        detection = read_document(content)
        writes = [AnswerWrite(r.sheet, r.row, "Yes", "Checked.") for r in detection.rows]
        result = fill_document(content, detection, writes)
    except UnreadableWorkbook:
        return
    assert result.fidelity.ok, result.fidelity


def test_labels_written_before_their_boxes_are_read_and_the_right_box_is_ticked() -> None:
    body = table(
        header_row(),
        row(cell(run("B-1")), cell(run("Do you back up daily?")), cell(run("Yes ☐  No ☐")), cell()),
        columns=4,
    )
    data = package(body)
    (question,) = read_document(data).rows
    assert question.choices == ("Yes", "No")

    result = fill_document(data, read_document(data), [AnswerWrite("Table 1", 2, "no", "")])

    assert result.fidelity.ok
    assert "Yes ☐  No ☒" in document_text(result.data)
    assert read_document(result.data).rows[0].existing_answer == "No"


def test_a_text_content_control_gets_the_answer_and_loses_its_prompt() -> None:
    control = (
        '<w:p><w:sdt><w:sdtPr><w:id w:val="77"/><w:showingPlcHdr/><w:text/></w:sdtPr>'
        '<w:sdtContent><w:r><w:rPr><w:rStyle w:val="PlaceholderText"/><w:i/></w:rPr>'
        "<w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt></w:p>"
    )
    body = table(
        header_row(),
        row(cell(run("C-1")), cell(run("Describe your backup schedule.")), cell(control), cell()),
        columns=4,
    )
    data = package(body)
    detection = read_document(data)
    assert detection.rows[0].existing_answer is None

    result = fill_document(
        data, detection, [AnswerWrite("Table 1", 2, "Nightly, kept 35 days.", "")]
    )

    text = document_text(result.data)
    assert result.fidelity.ok, result.fidelity
    assert "<w:showingPlcHdr/>" not in text and "PlaceholderText" not in text
    assert '<w:rPr><w:i/></w:rPr><w:t xml:space="preserve">Nightly, kept 35 days.</w:t>' in text
    assert '<w:sdtPr><w:id w:val="77"/><w:text/></w:sdtPr>' in text
