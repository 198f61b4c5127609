"""A hostile upload corpus built by code: every file an attacker or a broken tool might send."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook

from tests.core.document_fixtures import questionnaire_docx

QUESTIONS = (
    "Do you encrypt customer data at rest?",
    "Do you enforce multi-factor authentication for administrators?",
    "Describe your incident response process.",
    "Is access to production reviewed at least quarterly?",
    "Do you scan production hosts for vulnerabilities?",
)
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
MIB = 1024 * 1024
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORD_DOCUMENT = "word/document.xml"


@dataclass(frozen=True)
class Hostile:
    """One hostile upload: how to build it and what Vouch must answer."""

    name: str
    filename: str
    build: Callable[[], bytes]
    status: int
    message: str  # a pattern the plain-language error must match
    rows: int | None = None  # for files Vouch must read correctly instead of refusing


def valid_workbook() -> bytes:
    """Return a small, ordinary questionnaire workbook."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for number, question in enumerate(QUESTIONS, start=1):
        sheet.append([f"Q-{number}", question, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_parts(
    data: bytes, parts: dict[str, bytes], *, add: dict[str, bytes] | None = None
) -> bytes:
    """Return the zip with some parts' contents replaced and others appended."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, parts.get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def sheet_xml(rows: str, *, dimension: str = "A1:D6", prolog: str = "") -> bytes:
    """Return a worksheet part around some `<row>` elements."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{_MAIN_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def inline_row(number: int, *cells: tuple[str, str]) -> str:
    """Return a `<row>` of inline-string cells given (reference, text) pairs."""
    body = "".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cells)
    return f'<row r="{number}">{body}</row>'


def question_rows(count: int) -> str:
    """Return a header row plus `count` question rows as worksheet XML."""
    header = inline_row(1, ("A1", "ID"), ("B1", "Question"), ("C1", "Answer"))
    body = "".join(
        inline_row(n, (f"A{n}", f"Q-{n - 1}"), (f"B{n}", f"{QUESTIONS[n % len(QUESTIONS)]} ({n})"))
        for n in range(2, count + 2)
    )
    return header + body


def zip_bomb() -> bytes:
    """A ~1 MB workbook whose sheet inflates to 1 GiB of whitespace."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info.filename))
        opening, closing = sheet_xml("").split(b"</sheetData>")
        with target.open(SHEET, "w", force_zip64=False) as part:
            part.write(opening)
            block = b" " * MIB
            for _ in range(1024):
                part.write(block)
            part.write(b"</sheetData>" + closing)
    return buffer.getvalue()


def xml_bomb() -> bytes:
    """Billion laughs in the worksheet."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    prolog = f"<!DOCTYPE worksheet [{entities}]>"
    rows = inline_row(1, ("A1", "Question"), ("B1", "Answer")) + inline_row(2, ("A2", "&lol9;"))
    return replace_parts(valid_workbook(), {SHEET: sheet_xml(rows, prolog=prolog)})


def external_entity() -> bytes:
    """An external entity that would read /etc/passwd into a cell."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = inline_row(1, ("A1", "Question"), ("B1", "Answer")) + inline_row(2, ("A2", "&xxe;"))
    return replace_parts(valid_workbook(), {SHEET: sheet_xml(rows, prolog=prolog)})


def forged_dimension(count: int = 500) -> bytes:
    """A sheet of `count` questions whose `<dimension>` claims it is one row."""
    return replace_parts(
        valid_workbook(), {SHEET: sheet_xml(question_rows(count), dimension="A1:B1")}
    )


def million_rows() -> bytes:
    """A one-million-row sheet behind an understated dimension."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in range(1, 1_000_001)
    )
    return replace_parts(valid_workbook(), {SHEET: sheet_xml(rows, dimension="A1:B1")})


def far_corner_cell() -> bytes:
    """Five real questions plus one cell at XFD1048576, the last cell Excel allows."""
    rows = question_rows(len(QUESTIONS)) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return replace_parts(valid_workbook(), {SHEET: sheet_xml(rows, dimension="A1:XFD1048576")})


def huge_shared_strings() -> bytes:
    """Two million distinct shared strings, declared as a billion, referenced from the sheet."""
    items = "".join(f"<si><t>s{n:x}</t></si>" for n in range(2_000_000))
    table = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="{_MAIN_NS}" count="1000000000" uniqueCount="1000000000">{items}</sst>'
    ).encode()
    rows = inline_row(1, ("A1", "Question"), ("B1", "Answer")) + (
        '<row r="2"><c r="A2" t="s"><v>1999999</v></c></row>'
    )
    base = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    rels = base.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    types = base.read("[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    return replace_parts(
        valid_workbook(),
        {SHEET: sheet_xml(rows), "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
        add={SHARED_STRINGS: table},
    )


def _compound_file(stream_names: tuple[str, ...]) -> bytes:
    """Return a minimal OLE compound file whose directory names the given streams."""
    header = bytearray(512)
    header[0:8] = OLE_SIGNATURE
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 0x1000)
    directory = bytearray()
    for name in ("Root Entry", *stream_names):
        encoded = (name + "\0").encode("utf-16-le")
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), 5 if name == "Root Entry" else 2)
        directory += entry
    fat = struct.pack("<I", 0xFFFFFFFD) + struct.pack("<I", 0xFFFFFFFE) * 127
    return bytes(header) + fat + bytes(directory).ljust(512, b"\0") + b"\0" * 4096


def encrypted_workbook() -> bytes:
    """What Excel saves when a workbook has a password: an OLE file holding EncryptedPackage."""
    return _compound_file(("EncryptionInfo", "EncryptedPackage"))


def legacy_xls() -> bytes:
    """A BIFF8 .xls: an OLE file holding a Workbook stream."""
    return _compound_file(("Workbook", "\x05SummaryInformation"))


def binary_xlsb() -> bytes:
    """A .xlsb package: a zip whose workbook part is binary."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        '<Override PartName="/xl/workbook.bin" '
        'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.bin" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00" + bytes(64))
    return buffer.getvalue()


def renamed_executable() -> bytes:
    """An ELF executable header under an .xlsx name."""
    return b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(4000)


def truncated_zip() -> bytes:
    """A valid workbook cut off halfway, so its central directory is gone."""
    data = valid_workbook()
    return data[: len(data) // 2]


def dot_dot_names() -> bytes:
    """A valid workbook that also carries a part named to escape any extraction directory."""
    return replace_parts(
        valid_workbook(), {}, add={"../../etc/cron.d/vouch": b"* * * * * root id\n"}
    )


def duplicate_part() -> bytes:
    """A zip naming the worksheet twice, so two readers could see two different sheets."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked for
            target.writestr(SHEET.upper(), sheet_xml(question_rows(1)))
    return buffer.getvalue()


def absolute_part_name() -> bytes:
    """A valid workbook that also carries a part with an absolute path."""
    return replace_parts(valid_workbook(), {}, add={"/etc/vouch.conf": b"owned\n"})


def no_content_types() -> bytes:
    """A zip with the workbook's parts but no [Content_Types].xml."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "[Content_Types].xml":
                target.writestr(info, source.read(info.filename))
    return buffer.getvalue()


def no_workbook_part() -> bytes:
    """A zip with content types but no workbook part: a .docx-like package."""
    source = zipfile.ZipFile(io.BytesIO(valid_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/workbook.xml":
                target.writestr(info, source.read(info.filename))
    return buffer.getvalue()


def control_characters() -> bytes:
    """A worksheet with raw control characters, which XML 1.0 forbids."""
    rows = inline_row(1, ("A1", "Question"), ("B1", "Answer")) + inline_row(
        2, ("A2", "Do you \x01\x02\x1b[31m log \x07 access?")
    )
    return replace_parts(valid_workbook(), {SHEET: sheet_xml(rows)})


def over_the_size_limit() -> bytes:
    """One byte more than the 40 MB upload limit."""
    return b"PK\x03\x04" + b"\0" * (40 * MIB - 3)


def far_over_the_size_limit() -> bytes:
    """A 48 MB body: refused while it streams in, before anything buffers it all."""
    return b"PK\x03\x04" + b"\0" * (48 * MIB - 4)


def word_zip_bomb() -> bytes:
    """A Word document whose document.xml inflates to 1 GiB of whitespace."""
    source = zipfile.ZipFile(io.BytesIO(questionnaire_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != WORD_DOCUMENT:
                target.writestr(info, source.read(info.filename))
        opening, closing = source.read(WORD_DOCUMENT).split(b"<w:body>")
        with target.open(WORD_DOCUMENT, "w", force_zip64=False) as part:
            part.write(opening + b"<w:body>")
            block = b" " * MIB
            for _ in range(1024):
                part.write(block)
            part.write(closing)
    return buffer.getvalue()


def word_xml_bomb() -> bytes:
    """Billion laughs in a Word document's body."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    source = zipfile.ZipFile(io.BytesIO(questionnaire_docx()))
    document = source.read(WORD_DOCUMENT).decode()
    declaration, _, rest = document.partition("\n")
    hostile = f"{declaration}\n<!DOCTYPE w:document [{entities}]>{rest}".replace(
        "Governance", "&lol9;"
    )
    return replace_parts(questionnaire_docx(), {WORD_DOCUMENT: hostile.encode()})


def legacy_doc() -> bytes:
    """A Word 97-2003 .doc: an OLE file with a WordDocument stream."""
    return OLE_SIGNATURE + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 1024


def million_cell_csv() -> bytes:
    """A CSV of 1.2 million cells: small on the wire, too many to read."""
    return b"ID,Question,Answer\n" + b"1,Q,\n" * 400_000


def huge_csv_field() -> bytes:
    """A CSV whose one quoted field holds 2 million characters."""
    return b'ID,Question,Answer\n1,"' + b"x" * 2_000_000 + b'",\n'


CORPUS: tuple[Hostile, ...] = (
    Hostile("zip bomb (1 MB -> 1 GiB)", "bomb.xlsx", zip_bomb, 422, "zip bomb|when unzipped"),
    Hostile("XML bomb (billion laughs)", "laughs.xlsx", xml_bomb, 422, "entity"),
    Hostile("external entity (XXE)", "xxe.xlsx", external_entity, 422, "entity"),
    Hostile(
        "forged dimension A1:B1 on 500 rows", "forged.xlsx", forged_dimension, 201, "", rows=500
    ),
    Hostile("one million rows, dimension A1:B1", "million.xlsx", million_rows, 422, "cells"),
    Hostile("cell at XFD1048576", "corner.xlsx", far_corner_cell, 201, "", rows=len(QUESTIONS)),
    Hostile("two million shared strings", "strings.xlsx", huge_shared_strings, 422, "strings"),
    Hostile(
        "encrypted workbook (OLE)", "secret.xlsx", encrypted_workbook, 422, "remove the password"
    ),
    Hostile("legacy .xls", "legacy.xls", legacy_xls, 422, ".xlsx"),
    Hostile("binary .xlsb", "binary.xlsb", binary_xlsb, 422, ".xlsx"),
    Hostile(
        "executable renamed .xlsx",
        "setup.xlsx",
        renamed_executable,
        422,
        "not a questionnaire format",
    ),
    Hostile("truncated zip", "cut.xlsx", truncated_zip, 422, "workbook"),
    Hostile("zip with '..' names", "escape.xlsx", dot_dot_names, 422, "unsafe part name"),
    Hostile("a part named twice", "twice.xlsx", duplicate_part, 422, "twice"),
    Hostile("an absolute part name", "absolute.xlsx", absolute_part_name, 422, "unsafe part name"),
    Hostile("no [Content_Types].xml", "notypes.xlsx", no_content_types, 422, "Content_Types"),
    Hostile("no workbook part", "nobook.xlsx", no_workbook_part, 422, "not an Excel workbook"),
    Hostile("raw control characters in XML", "control.xlsx", control_characters, 422, "malformed"),
    Hostile("40 MB + 1 byte", "big.xlsx", over_the_size_limit, 422, "larger than 40 MB"),
    Hostile("48 MB body", "huge.xlsx", far_over_the_size_limit, 413, "larger than"),
    Hostile("Word zip bomb (1 GiB)", "bomb.docx", word_zip_bomb, 422, "zip bomb|when unzipped"),
    Hostile("Word billion laughs", "laughs.docx", word_xml_bomb, 422, "entity"),
    Hostile("legacy .doc", "old.doc", legacy_doc, 422, r"\.docx.*\.csv"),
    Hostile("1.2 million CSV cells", "many.csv", million_cell_csv, 422, "cells"),
    Hostile("a 2-million-character CSV field", "long.csv", huge_csv_field, 422, "characters"),
)
