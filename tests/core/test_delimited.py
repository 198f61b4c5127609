"""CSV and TSV questionnaires: read as a table, written back with only answer fields changed."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.delimited import (
    check_delimited_fidelity,
    fill_delimited,
    read_delimited,
    sniff_delimiter,
    tokenize,
)
from app.core.errors import UnreadableWorkbook, WorkbookTooLarge
from app.core.formats import questionnaire_kind, read_questionnaire_file
from app.core.formulas import FORMULA_TRIGGERS
from app.core.workbook import AnswerWrite
from app.core.workbook.limits import Limits
from tests.core.document_fixtures import QUESTIONS


def portal_export(*, delimiter: str = ",", newline: str = "\r\n", bom: bool = True) -> bytes:
    """Return a portal's CSV export: ID, question (one with a quoted newline), answer, comments."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["ID", "Question", "Answer", "Comments"])
    writer.writerow(["", "Governance", "", ""])
    for identifier, question in QUESTIONS[:3]:
        writer.writerow([identifier, question, "", ""])
    writer.writerow(
        ["IAM-02", "Are user access rights\nreviewed periodically?", "Yes", "Quarterly"]
    )
    text = buffer.getvalue()
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def fill(data: bytes, answers: dict[int, tuple[str, str]], *, overwrite: bool = False):  # type: ignore[no-untyped-def]
    detection = read_delimited(data)
    sheet = detection.mappings[0].sheet
    writes = [AnswerWrite(sheet, row, answer, detail) for row, (answer, detail) in answers.items()]
    return fill_delimited(data, detection, writes, overwrite=overwrite)


def records(data: bytes, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def test_a_csv_export_is_read_with_its_columns_sections_and_quoted_newlines() -> None:
    detection = read_delimited(portal_export())

    (mapping,) = detection.mappings
    assert (mapping.question_column, mapping.answer_columns, mapping.detail_column) == (
        "B",
        ("C",),
        "D",
    )
    assert mapping.id_column == "A"
    questions = {row.row: row for row in detection.rows}
    assert sorted(questions) == [3, 4, 5, 6]
    assert questions[3].context == "Governance"
    assert questions[6].question == "Are user access rights reviewed periodically?"
    assert (questions[6].existing_answer, questions[6].existing_detail) == ("Yes", "Quarterly")


def test_filling_changes_only_the_answer_fields_and_keeps_every_other_byte() -> None:
    original = portal_export()
    result = fill(original, {3: ("Yes", "Approved by the board."), 5: ("No", "")})

    assert result.fidelity.ok, result.fidelity
    assert result.extension == ".csv"
    assert result.data.startswith(b"\xef\xbb\xbf")
    before, after = records(original), records(result.data)
    assert after[2][2:] == ["Yes", "Approved by the board."]
    assert after[4][2] == "No"
    changed = {
        (r, c)
        for r, (old, new) in enumerate(zip(before, after, strict=True))
        for c in range(4)
        if old[c] != new[c]
    }
    assert changed == {(2, 2), (2, 3), (4, 2)}
    # every line the answers did not touch is the very same bytes, CRLF included
    old_lines = original.split(b"\r\n")
    new_lines = result.data.split(b"\r\n")
    assert [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b] == [
        2,
        4,
    ]


def test_an_existing_answer_is_kept_unless_overwriting() -> None:
    result = fill(portal_export(), {6: ("No", "Never")})

    assert not result.outcomes[0].written
    assert result.outcomes[0].reason == "kept existing answer"
    assert result.data == portal_export()


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(trigger: str) -> None:
    result = fill(portal_export(), {3: ("Yes", f'{trigger}HYPERLINK("http://x")')})

    detail = records(result.data)[2][3]
    if trigger == "\0":  # a NUL byte never reaches a text file
        assert detail == 'HYPERLINK("http://x")'
    else:
        assert detail.startswith("'") and detail[1:] == f'{trigger}HYPERLINK("http://x")'
    assert result.fidelity.ok


def test_a_file_without_answer_columns_gets_them_added_on_the_right() -> None:
    original = b"Ref;Question\n1;Is customer data encrypted at rest?\n2;Do you use TLS?\n"
    detection = read_delimited(original)
    (mapping,) = detection.mappings
    assert mapping.answer_columns == ("C",) and mapping.detail_column == "D"
    assert any("no answer column" in warning for warning in detection.warnings)

    result = fill_delimited(
        original, detection, [AnswerWrite("CSV", 2, "Yes", "AES-256; keys in a KMS")]
    )

    assert result.fidelity.ok, result.fidelity
    assert result.data == (
        b'Ref;Question;Answer;Detail\n1;Is customer data encrypted at rest?;Yes;"AES-256; keys in a KMS"\n'
        b"2;Do you use TLS?\n"
    )


def test_a_mark_goes_under_its_own_label_when_a_choice_header_is_blank() -> None:
    from app.core.workbook import SheetMapping

    data = b"Question,Yes,,N/A\r\nDo you encrypt data at rest?,,,\r\nIs access reviewed?,,,\r\n"
    sheet = "CSV"  # the name a comma-separated file's one table goes by
    detection = read_delimited(data, mappings=[SheetMapping(sheet, 1, "A", ("B", "C", "D"))])

    result = fill_delimited(
        data, detection, [AnswerWrite(sheet, 2, "N/A"), AnswerWrite(sheet, 3, "Yes")]
    )

    assert records(result.data, encoding="utf-8")[1:] == [
        ["Do you encrypt data at rest?", "", "", "X"],
        ["Is access reviewed?", "X", "", ""],
    ]
    assert [o.cell for o in result.outcomes] == ["D2", "B3"]
    assert all(o.written for o in result.outcomes)
    assert result.fidelity.ok


def test_windows_1252_is_read_and_written_back_in_windows_1252() -> None:
    original = "Nº;Question;Answer\n1;Do you encrypt data “at rest”?;\n".encode("cp1252")
    detection = read_delimited(original)
    assert detection.rows[0].question == "Do you encrypt data “at rest”?"

    result = fill_delimited(original, detection, [AnswerWrite("CSV", 2, "Oui – AES", "")])

    assert result.data == "Nº;Question;Answer\n1;Do you encrypt data “at rest”?;Oui – AES\n".encode(
        "cp1252"
    )
    assert result.fidelity.ok


def test_an_answer_the_files_encoding_cannot_hold_is_not_written() -> None:
    original = "Nº;Question;Answer\n1;Do you encrypt data at rest?;\n".encode("cp1252")
    detection = read_delimited(original)

    result = fill_delimited(original, detection, [AnswerWrite("CSV", 2, "Yes ☒", "")])

    assert not result.outcomes[0].written
    assert "encoding" in (result.outcomes[0].reason or "")
    assert result.data == original


def test_tsv_is_sniffed_and_keeps_its_extension() -> None:
    original = portal_export(delimiter="\t", newline="\n", bom=False)
    assert sniff_delimiter(original.decode()) == "\t"

    result = fill(original, {3: ("Yes", "")})

    assert result.extension == ".tsv"
    assert records(result.data, "utf-8", "\t")[2][2] == "Yes"
    assert result.fidelity.ok


def test_the_sniffer_is_not_fooled_by_commas_in_semicolon_separated_prose() -> None:
    text = "Nr;Frage, bitte lesen;Antwort\n1;Do you, or your vendors, store data?;\n2;Is it, in fact, encrypted?;\n"
    assert sniff_delimiter(text) == ";"


def test_the_fidelity_check_names_a_field_that_changed_outside_the_answers() -> None:
    original = portal_export()
    tampered = original.replace(b"GOV-01", b"GOV-99")

    report = check_delimited_fidelity(original, tampered, expected={})

    assert not report.ok
    assert report.unintended_cells == ("A3",)


def test_the_dispatcher_sends_text_to_the_csv_reader_and_binary_away() -> None:
    assert questionnaire_kind(portal_export()) == "delimited"
    assert read_questionnaire_file(portal_export()).rows
    with pytest.raises(UnreadableWorkbook, match=r"\.docx.*\.csv"):
        questionnaire_kind(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))


def test_an_unclosed_quote_is_a_plain_error() -> None:
    with pytest.raises(UnreadableWorkbook, match="never closed"):
        read_delimited(b'ID,Question,Answer\n1,"Do you encrypt data?,\n')


def test_too_many_cells_is_refused() -> None:
    data = b"ID,Question,Answer\n" + b"1,Q?,\n" * 500
    with pytest.raises(WorkbookTooLarge):
        read_delimited(data, limits=Limits(max_cells=1000))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_the_tokenizer_agrees_with_the_csv_module(rows: list[list[str]], delimiter: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()

    ours = [[item.value for item in record.fields] for record in tokenize(text, delimiter)]

    assert ours == list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
