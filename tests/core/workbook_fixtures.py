"""Small questionnaire workbooks built by code: openpyxl first, zip post-processing where it cannot."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

QUESTIONS = (
    "Do you encrypt customer data at rest?",
    "Do you enforce multi-factor authentication for administrators?",
    "Describe your incident response process.",
    "Is access reviewed at least quarterly?",
    "Automated vulnerability scanning of production hosts",
)
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
FAKE_VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1fake vba project: never run, only carried" + bytes(
    range(256)
)


def saved(workbook: Workbook) -> bytes:
    """Return a workbook saved to bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_zip(
    data: bytes,
    *,
    edit: Callable[[str, bytes], bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """Return the zip with parts edited by a function and new parts appended."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, edit(info.filename, content) if edit else content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def questionnaire(
    rows: int = len(QUESTIONS), *, dropdown: str | None = '"Yes,No,N/A"', title: bool = True
) -> bytes:
    """A one-sheet questionnaire: a title and an instruction above an ID | Question | Answer | Comments header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Security"
    top = 1
    if title:
        sheet["A1"] = "Vendor security questionnaire"
        sheet["A2"] = "Please answer every question; add detail in the Comments column."
        top = 4
    for column, label in enumerate(("ID", "Question", "Answer", "Comments"), start=1):
        sheet.cell(top, column, label).font = Font(bold=True)
    for index in range(rows):
        row = top + 1 + index
        sheet.cell(row, 1, f"SEC-{index + 1:02d}")
        sheet.cell(row, 2, QUESTIONS[index % len(QUESTIONS)])
    if dropdown:
        validation = DataValidation(type="list", formula1=dropdown, allow_blank=True)
        validation.add(f"C{top + 1}:C{top + rows}")
        sheet.add_data_validation(validation)
    return saved(workbook)


def ten_thousand_rows(rows: int = 10_000) -> bytes:
    """A 10,000-row questionnaire with a Yes/No/N/A dropdown, for scale tests and the benchmark."""
    return questionnaire(rows)


def two_row_merged_header() -> bytes:
    """Group labels merged over two columns each, with the column labels on the row below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Controls"
    sheet["A1"] = "Control"
    sheet["C1"] = "Response"
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:D1")
    for column, label in enumerate(("Ref", "Requirement", "Answer", "Comments"), start=1):
        sheet.cell(2, column, label)
    sheet["A3"] = "Access control"
    sheet.merge_cells("A3:D3")
    sheet.append(["AC-1", "Do you enforce least privilege?"])
    sheet.append(["AC-2", "Describe how you revoke access for leavers."])
    sheet["A6"] = "Logging"
    sheet.merge_cells("A6:D6")
    sheet.append(["LG-1", "Are security logs retained for at least one year?"])
    return saved(workbook)


def choice_columns_with_x() -> bytes:
    """One column per choice (Yes / No / N/A) under a merged "Answers" group, marked with a lower-case x."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Assessment"
    sheet["A1"] = "#"
    sheet["B1"] = "Question"
    sheet["C1"] = "Answers"
    sheet["F1"] = "Notes"
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:E1")
    sheet.merge_cells("F1:F2")
    sheet["C2"], sheet["D2"], sheet["E2"] = "Yes", "No", "N/A"
    for index, question in enumerate(QUESTIONS[:4], start=3):
        sheet.cell(index, 1, index - 2)
        sheet.cell(index, 2, question)
    sheet["C3"] = "x"
    sheet["D4"] = "x"
    return saved(workbook)


def excel_table() -> bytes:
    """A questionnaire laid out as an Excel Table (ListObject) with a Response and a Notes column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Vendor"
    sheet.append(["Q#", "Question", "Response", "Notes"])
    for index, question in enumerate(QUESTIONS, start=1):
        sheet.append([index, question, None, None])
    table = Table(displayName="Questions", ref=f"A1:D{len(QUESTIONS) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    return saved(workbook)


def special_cells() -> bytes:
    """Formula, merged, hidden and already-answered answer cells, plus hidden and dashboard sheets."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    sheet.append(["Q-1", "Do you run a bug bounty?", None, None])
    sheet.append(["Q-2", "Do you have a CISO?", '=IF(1,"Yes","No")', None])
    sheet.append(["Q-3", "Do you train staff yearly?", "Yes", "Every January."])
    sheet.append(["Q-4", "Is the office badge-controlled?", None, None])
    sheet.append(["Q-5", "Do you pen-test yearly?", None, None])
    sheet.append(["Q-6", "Do you back up daily?", None, None])
    sheet.merge_cells("C4:C5")  # C5 is a merged cell that is not the anchor
    sheet.row_dimensions[6].hidden = True
    sheet.column_dimensions["E"].hidden = True
    hidden = workbook.create_sheet("Scoring backend")
    hidden.append(["ID", "Question", "Answer"])
    hidden.append(["Q-1", "Do you run a bug bounty?", None])
    hidden.sheet_state = "hidden"
    dashboard = workbook.create_sheet("Dashboard")
    dashboard.append(["Status", "Count"])
    dashboard.append(["answered", "=COUNTA(Questions!C2:C7)"])
    return saved(workbook)


def png_pixel() -> bytes:
    """A valid 1x1 PNG, built without an imaging library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<xdr:oneCellAnchor><xdr:from><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row>"
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr>'
    '<xdr:cNvPr id="2" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/>'
    '<a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
    '<a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
    "</xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
)
_DRAWING_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/image" Target="../media/image1.png"/></Relationships>'
)
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DRAWING_REL = (
    '<Relationship Id="rIdLogo" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/drawing" Target="../drawings/drawing1.xml"/>'
)


def images_and_comments() -> bytes:
    """A questionnaire with cell comments (openpyxl) and a logo image (added by zip post-processing)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questionnaire"
    sheet.append(["ID", "Question", "Response", "Evidence"])
    for index, question in enumerate(QUESTIONS, start=1):
        sheet.append([f"Q{index}", question])
    sheet["B2"].comment = Comment("Encryption at rest covers backups too.", "Analyst")
    sheet["C3"].comment = Comment("Answer Yes or No.", "Analyst")
    data = saved(workbook)

    def edit(name: str, content: bytes) -> bytes:
        text = content.decode("utf-8")
        if name == "[Content_Types].xml":
            text = text.replace(
                "<Default ",
                '<Default Extension="png" ContentType="image/png"/><Default ',
                1,
            ).replace(
                "</Types>",
                '<Override PartName="/xl/drawings/drawing1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>',
            )
        elif name == "xl/worksheets/_rels/sheet1.xml.rels":
            text = text.replace("</Relationships>", _DRAWING_REL + "</Relationships>")
        elif name == "xl/worksheets/sheet1.xml":
            drawing = f'<drawing xmlns:r="{_RELATIONSHIPS}" r:id="rIdLogo"/>'
            text = text.replace("<legacyDrawing ", drawing + "<legacyDrawing ", 1)
        return text.encode("utf-8")

    return rewrite_zip(
        data,
        edit=edit,
        add={
            "xl/drawings/drawing1.xml": _DRAWING.encode(),
            "xl/drawings/_rels/drawing1.xml.rels": _DRAWING_RELS.encode(),
            "xl/media/image1.png": png_pixel(),
        },
    )


def macro_workbook() -> bytes:
    """An .xlsm: the questionnaire plus a fake vbaProject.bin with the macro content types."""
    data = questionnaire()

    def edit(name: str, content: bytes) -> bytes:
        text = content.decode("utf-8")
        if name == "[Content_Types].xml":
            text = text.replace(PLAIN_WORKBOOK, MACRO_WORKBOOK).replace(
                "<Default ",
                f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/><Default ',
                1,
            )
        elif name == "xl/_rels/workbook.xml.rels":
            text = text.replace(
                "</Relationships>",
                f'<Relationship Id="rIdVba" Type="{VBA_RELATIONSHIP}" Target="vbaProject.bin"/>'
                "</Relationships>",
            )
        return text.encode("utf-8")

    return rewrite_zip(data, edit=edit, add={"xl/vbaProject.bin": FAKE_VBA})


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """Return the workbook with one part's content replaced."""
    return rewrite_zip(data, edit=lambda part, old: content if part == name else old)


def edit_part(data: bytes, name: str, change: Callable[[str], str]) -> bytes:
    """Return the workbook with one XML part's text changed by a function (which must change it)."""
    found = []

    def edit(part: str, old: bytes) -> bytes:
        if part != name:
            return old
        text = old.decode("utf-8")
        new = change(text)
        found.append(new != text)
        return new.encode("utf-8")

    edited = rewrite_zip(data, edit=edit)
    if found != [True]:
        raise AssertionError(f"{name} is missing or the edit changed nothing")
    return edited


def structure_counts(data: bytes) -> dict[str, int]:
    """Count what an openpyxl round trip is known to drop: dropdowns, merges, images, comments."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    counts = dict.fromkeys(
        ("dropdowns", "x14_dropdowns", "merged", "images", "pictures", "comments", "threaded"), 0
    )
    for name in archive.namelist():
        text = (
            archive.read(name).decode("utf-8", "replace")
            if not name.startswith("xl/media/")
            else ""
        )
        if name.startswith("xl/worksheets/sheet"):
            counts["dropdowns"] += len(re.findall(r"<dataValidation\b", text))
            counts["x14_dropdowns"] += len(re.findall(r"<x14:dataValidation\b", text))
            counts["merged"] += len(re.findall(r"<mergeCell\b", text))
        elif name.startswith("xl/media/"):
            counts["images"] += 1
        elif name.startswith("xl/drawings/drawing"):
            counts["pictures"] += len(re.findall(r"<(?:xdr:)?pic>", text))
        elif name.startswith("xl/comments"):
            counts["comments"] += len(re.findall(r"<comment\b", text))
        elif name.startswith("xl/threadedComments/"):
            counts["threaded"] += len(re.findall(r"<threadedComment\b", text))
    return counts


def libreoffice() -> str | None:
    """Return the LibreOffice executable, if one is on PATH."""
    return shutil.which("libreoffice") or shutil.which("soffice")


def convert_with_libreoffice(data: bytes, *, suffix: str, target: str, workdir: Path) -> bytes:
    """Convert a workbook with headless LibreOffice (its own profile) and return the output bytes."""
    executable = libreoffice()
    if executable is None:
        pytest.skip("LibreOffice (libreoffice/soffice) is not on PATH")
    source = workdir / f"filled{suffix}"
    source.write_bytes(data)
    output = workdir / "converted"
    completed = subprocess.run(
        [
            executable,
            f"-env:UserInstallation=file://{workdir / 'profile'}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(output),
            str(source),
        ],
        capture_output=True,
        timeout=240,
        check=False,
    )
    produced = list(output.glob("filled.*")) if output.exists() else []
    assert produced, f"LibreOffice produced nothing: {completed.stderr.decode(errors='replace')}"
    return produced[0].read_bytes()


_X14_RULE = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f>'
    "</x14:formula1><xm:sqref>C2:C4</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
    "</extLst>"
)


def list_sources() -> bytes:
    """Dropdowns fed from a hidden Lists sheet: the x14 form on one sheet, a defined name on another."""
    workbook = Workbook()
    extension_form = workbook.active
    extension_form.title = "Extension form"
    named = workbook.create_sheet("Named range")
    for sheet in (extension_form, named):
        sheet.append(["ID", "Question", "Answer"])
        for index, question in enumerate(QUESTIONS[:3], start=1):
            sheet.append([f"Q{index}", question])
    lists = workbook.create_sheet("Lists")
    for value in ("Yes", "No", "Not applicable"):
        lists.append([value])
    lists.sheet_state = "hidden"
    workbook.defined_names["Choices"] = DefinedName("Choices", attr_text="Lists!$A$1:$A$3")
    validation = DataValidation(type="list", formula1="=Choices", allow_blank=True)
    validation.add("C2:C4")
    named.add_data_validation(validation)

    def add_extension(text: str) -> str:
        return text.replace("</worksheet>", _X14_RULE + "</worksheet>")

    return edit_part(saved(workbook), "xl/worksheets/sheet1.xml", add_extension)
