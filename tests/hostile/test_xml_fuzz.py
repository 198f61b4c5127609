"""Mutated XML inside valid workbooks: reading and filling raise only the documented errors."""

from __future__ import annotations

import functools
import io
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from app.core.errors import UnreadableWorkbook
from app.core.workbook import AnswerWrite, fill_workbook, read_questionnaire
from tests.hostile.corpus import QUESTIONS

pytestmark = pytest.mark.slow


@functools.cache
def seed_workbook() -> bytes:
    """A questionnaire with shared strings, styles, a dropdown, a comment and two sheets."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for number, question in enumerate(QUESTIONS, start=1):
        sheet.append([f"S-{number}", question, None, None])
    choices = DataValidation(type="list", formula1='"Yes,No,N/A"', allow_blank=True)
    sheet.add_data_validation(choices)
    choices.add("C2:C6")
    sheet["B2"].comment = Comment("Answer for production", "customer")
    other = workbook.create_sheet("Privacy")
    other.append(["Question", "Response"])
    other.append(["Do you process personal data?", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xml_parts() -> list[str]:
    names = zipfile.ZipFile(io.BytesIO(seed_workbook())).namelist()
    return sorted(n for n in names if n.endswith((".xml", ".rels")))


def with_part(name: str, content: bytes) -> bytes:
    """Return the seed workbook with one part's bytes replaced."""
    source = zipfile.ZipFile(io.BytesIO(seed_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


TOKENS = [
    b"<",
    b">",
    b"/>",
    b'"',
    b"&amp;",
    b"&#0;",
    b"&#x1F;",
    b'<c r="XFD1048576"><v>1</v></c>',
    b'<row r="0">',
    b'r="A0"',
    b'r="ZZZZ1"',
    b't="s"',
    b"<v>999999999</v>",
    b"<v>-1</v>",
    b"<v>NaN</v>",
    b'ref="A1:XFD1048576"',
    b'sqref="A1:XFD1048576 ZZ9"',
    b"<si><t>x</t></si>",
    b'Target="../../../../etc/passwd"',
    b'Target="/xl/worksheets/sheet99.xml"',
    b'sheetId="0"',
    b'name=""',
    b"\x00",
    b"\xff\xfe",
    b"\xe2\x80\xae",
]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """Pick a part and damage it: cut, splice in a token or random bytes, or repeat a slice."""
    name = draw(st.sampled_from(xml_parts()))
    original = zipfile.ZipFile(io.BytesIO(seed_workbook())).read(name)
    start = draw(st.integers(0, len(original)))
    end = draw(st.integers(start, min(len(original), start + 64)))
    kind = draw(st.sampled_from(["cut", "token", "bytes", "repeat", "truncate"]))
    if kind == "cut":
        mutated = original[:start] + original[end:]
    elif kind == "token":
        mutated = original[:start] + draw(st.sampled_from(TOKENS)) + original[end:]
    elif kind == "bytes":
        mutated = original[:start] + draw(st.binary(max_size=16)) + original[end:]
    elif kind == "repeat":
        mutated = original[:end] + original[start:end] * draw(st.integers(2, 50)) + original[end:]
    else:
        mutated = original[:start]
    return name, mutated


def read_and_fill(content: bytes) -> None:
    """Do what an upload does: read, then write an answer into every row found."""
    detection = read_questionnaire(content)
    writes = [AnswerWrite(sheet=row.sheet, row=row.row, answer="Yes") for row in detection.rows]
    fill_workbook(content, detection, writes)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations())
@example(("xl/worksheets/sheet1.xml", b""))
@example(("[Content_Types].xml", b"<Types/>"))
@example(
    ("xl/workbook.xml", b"<workbook><sheets><sheet name='x' r:id='rId1'/></sheets></workbook>")
)
@example(("xl/_rels/workbook.xml.rels", b"<Relationships/>"))
def test_a_mutated_xml_part_raises_only_unreadable_workbook(mutation: tuple[str, bytes]) -> None:
    name, mutated = mutation
    try:
        read_and_fill(with_part(name, mutated))
    except UnreadableWorkbook as exc:
        assert str(exc) and "Traceback" not in str(exc)


def test_the_seed_workbook_itself_reads_and_fills() -> None:
    detection = read_questionnaire(seed_workbook())
    assert len(detection.rows) == len(QUESTIONS) + 1
    read_and_fill(seed_workbook())
