"""Hostile and broken uploads come out as one of three domain errors, quickly and in bounded memory."""

from __future__ import annotations

import contextlib
import io
import random
import re
import time
import tracemalloc
import zipfile
from xml.etree.ElementTree import ParseError

import pytest

from app.core.errors import UnreadableWorkbook, UnsupportedWorkbook, WorkbookTooLarge
from app.core.workbook import Limits, read_questionnaire
from app.core.workbook.package import iterparse_xml, open_package, parse_xml, rebuild_zip
from tests.core.workbook_fixtures import edit_part, questionnaire, rewrite_zip, with_part

SHEET = "xl/worksheets/sheet1.xml"


def zip_of(parts: dict[str, bytes]) -> bytes:
    """Return a zip holding the given parts, in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_encrypted_workbook_is_refused_with_a_remove_the_password_message() -> None:
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")
    )

    with pytest.raises(UnsupportedWorkbook, match="remove the password and upload again"):
        read_questionnaire(ole)


def test_legacy_xls_is_refused_naming_the_supported_formats() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "Workbook".encode("utf-16-le")

    with pytest.raises(UnsupportedWorkbook, match=r"\.xlsx or \.xlsm"):
        read_questionnaire(ole)


def test_xlsb_is_refused_naming_the_supported_formats() -> None:
    data = zip_of(
        {
            "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": (
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
            ),
            "xl/workbook.bin": b"\x83\x01\x00",
        }
    )

    with pytest.raises(UnsupportedWorkbook, match=r"\.xlsb.*\.xlsx or \.xlsm"):
        read_questionnaire(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world", b"PK\x03\x04 truncated", b"%PDF-1.7\n"],
    ids=["empty", "text", "truncated-zip", "pdf"],
)
def test_files_that_are_not_workbooks_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableWorkbook):
        read_questionnaire(data)


def test_a_zip_without_content_types_is_not_a_workbook() -> None:
    with pytest.raises(UnreadableWorkbook, match="Content_Types"):
        read_questionnaire(zip_of({"hello.txt": b"hi"}))


def test_a_zip_without_a_workbook_part_is_not_a_workbook() -> None:
    data = rewrite_zip(questionnaire(), edit=lambda name, content: content)
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist() if name != "xl/workbook.xml"}

    with pytest.raises(UnreadableWorkbook, match="no workbook part"):
        read_questionnaire(zip_of(parts))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "xl/../../evil.xml", "C:/evil.xml"])
def test_unsafe_part_names_are_refused(name: str) -> None:
    data = rewrite_zip(questionnaire(), add={name: b"<x/>"})

    with pytest.raises(UnreadableWorkbook, match="unsafe part name"):
        read_questionnaire(data)


def test_duplicate_part_names_are_refused() -> None:
    buffer = io.BytesIO(questionnaire())
    with zipfile.ZipFile(buffer, "a") as archive, pytest.warns(UserWarning):
        archive.writestr(SHEET, b"<worksheet/>")

    with pytest.raises(UnreadableWorkbook, match="twice"):
        read_questionnaire(buffer.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = rewrite_zip(questionnaire(), add={"xl/media/bomb.bin": b"\x00" * (300 * 1024 * 1024)})
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    started = time.perf_counter()

    with pytest.raises(WorkbookTooLarge, match="compressed more than"):
        read_questionnaire(bomb)

    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024


def test_total_uncompressed_size_and_entry_count_are_capped() -> None:
    data = questionnaire()

    with pytest.raises(WorkbookTooLarge, match="expands to more than"):
        read_questionnaire(data, limits=Limits(max_uncompressed_bytes=10_000))
    with pytest.raises(WorkbookTooLarge, match="parts"):
        read_questionnaire(data, limits=Limits(max_entries=3))
    with pytest.raises(WorkbookTooLarge, match="MB"):
        read_questionnaire(data, limits=Limits(max_upload_bytes=1000))


def test_a_lying_zip_header_cannot_smuggle_a_bigger_part() -> None:
    data = bytearray(questionnaire())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    central = bytes(data).find(b"PK\x01\x02")
    while bytes(data[central + 46 : central + 46 + len(SHEET)]) != SHEET.encode():
        central = bytes(data).find(b"PK\x01\x02", central + 4)
        assert central > 0
    # understate the uncompressed size in both headers: zipfile then stops early and the CRC fails
    for offset in (info.header_offset + 22, central + 24):
        data[offset : offset + 4] = (10).to_bytes(4, "little")

    with pytest.raises(UnreadableWorkbook):
        read_questionnaire(bytes(data))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    "payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"]
)
def test_entity_attacks_in_a_sheet_are_refused_quickly(payload: str) -> None:
    data = with_part(questionnaire(), SHEET, payload.encode())
    started = time.perf_counter()

    with pytest.raises(UnreadableWorkbook, match="entity|DTD|refused"):
        read_questionnaire(data)

    assert time.perf_counter() - started < 1.0


def test_entity_attacks_in_shared_strings_and_workbook_are_refused() -> None:
    data = edit_part(
        questionnaire(),
        "xl/workbook.xml",
        lambda text: text.replace("<workbook", '<!DOCTYPE w [<!ENTITY e "x">]><workbook', 1),
    )

    with pytest.raises(UnreadableWorkbook):
        read_questionnaire(data)


def test_a_forged_dimension_does_not_hide_rows() -> None:
    data = edit_part(
        questionnaire(200),
        SHEET,
        lambda text: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B1"', text),
    )

    assert len(read_questionnaire(data).rows) == 200


def test_one_cell_at_xfd1048576_does_not_make_reading_slow() -> None:
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row>'
    data = edit_part(
        questionnaire(), SHEET, lambda text: text.replace("</sheetData>", far + "</sheetData>")
    )
    started = time.perf_counter()

    detection = read_questionnaire(data)

    assert len(detection.rows) == 5
    assert time.perf_counter() - started < 2.0


def test_a_whole_sheet_validation_range_is_handled_without_expanding_it() -> None:
    rule = (
        '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="N1:XFD1048576 C1:C1048576">'
        '<formula1>"Yes,No"</formula1></dataValidation></dataValidations>'
    )
    data = edit_part(
        questionnaire(dropdown=None),
        SHEET,
        lambda text: text.replace("<pageMargins", rule + "<pageMargins", 1),
    )
    started = time.perf_counter()

    detection = read_questionnaire(data)

    assert time.perf_counter() - started < 2.0
    assert {row.choices for row in detection.rows} == {("Yes", "No")}


def test_the_cell_cap_stops_a_sheet_with_too_many_cells() -> None:
    with pytest.raises(WorkbookTooLarge, match="cells"):
        read_questionnaire(questionnaire(400), limits=Limits(max_cells=500))


def test_mutated_xml_parts_only_ever_raise_domain_errors() -> None:
    original = questionnaire(30)
    archive = zipfile.ZipFile(io.BytesIO(original))
    xml_parts = [name for name in archive.namelist() if name.endswith((".xml", ".rels"))]
    generator = random.Random(20240603)
    for _ in range(300):
        name = generator.choice(xml_parts)
        content = bytearray(archive.read(name))
        for _ in range(generator.randint(1, 4)):
            position = generator.randrange(len(content))
            content[position : position + generator.randint(1, 8)] = bytes(
                generator.choice(b"<>/\"'=&;:#x0123456789abcdefr ")
                for _ in range(generator.randint(0, 6))
            )
        with contextlib.suppress(UnreadableWorkbook, UnsupportedWorkbook, WorkbookTooLarge):
            read_questionnaire(with_part(original, name, bytes(content)))


def test_rebuilding_the_zip_copies_untouched_parts_as_their_raw_compressed_bytes() -> None:
    original = questionnaire()
    rebuilt = rebuild_zip(original, {SHEET: b"<changed/>"})
    before, after = zipfile.ZipFile(io.BytesIO(original)), zipfile.ZipFile(io.BytesIO(rebuilt))

    assert after.testzip() is None
    assert [info.filename for info in after.infolist()] == [
        info.filename for info in before.infolist()
    ]
    for old, new in zip(before.infolist(), after.infolist(), strict=True):
        if old.filename == SHEET:
            assert after.read(SHEET) == b"<changed/>"
            continue
        assert (new.compress_type, new.compress_size, new.CRC) == (
            old.compress_type,
            old.compress_size,
            old.CRC,
        )
        assert after.read(new.filename) == before.read(old.filename)


def test_open_package_reports_the_sheets_and_their_states() -> None:
    package = open_package(questionnaire())

    assert [(sheet.name, sheet.state) for sheet in package.sheets] == [("Security", "visible")]
    assert package.extension == ".xlsx"


class _Unseekable(io.RawIOBase):
    """A write-only stream, which makes zipfile write data descriptors after each part."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        return len(data)


def test_rebuilding_handles_data_descriptors_and_zip64_extras() -> None:
    original = questionnaire()
    source = zipfile.ZipFile(io.BytesIO(original))
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            with target.open(info.filename, "w", force_zip64=info.filename == SHEET) as part:
                part.write(source.read(info.filename))
    streamed = bytes(stream.buffer)
    assert zipfile.ZipFile(io.BytesIO(streamed)).getinfo(SHEET).flag_bits & 0x8

    rebuilt = rebuild_zip(streamed, {"docProps/app.xml": b"<Properties/>"})

    archive = zipfile.ZipFile(io.BytesIO(rebuilt))
    assert archive.testzip() is None
    assert archive.read(SHEET) == source.read(SHEET)
    assert archive.read("docProps/app.xml") == b"<Properties/>"
    assert len(read_questionnaire(rebuilt).rows) == 5


def test_rebuilding_a_zip64_archive_falls_back_to_rewriting_every_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = questionnaire()
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with monkeypatch.context() as patched:
        patched.setattr(zipfile, "ZIP64_LIMIT", 64)  # forces the ZIP64 end-of-directory records
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, source.read(info.filename))
    zip64 = buffer.getvalue()
    assert b"PK\x06\x06" in zip64

    rebuilt = rebuild_zip(zip64, {"docProps/app.xml": b"<Properties/>"})

    archive, fresh = zipfile.ZipFile(io.BytesIO(rebuilt)), zipfile.ZipFile(io.BytesIO(original))
    assert archive.namelist() == fresh.namelist()
    assert archive.read(SHEET) == fresh.read(SHEET)
    assert archive.read("docProps/app.xml") == b"<Properties/>"


def test_an_xml_part_naming_an_unknown_encoding_is_malformed_xml() -> None:
    declared = b'<?xml version="1.0" encoding="TF-8"?><a/>'
    with pytest.raises(ParseError):
        parse_xml(declared)
    with pytest.raises(ParseError):
        list(iterparse_xml(io.BytesIO(declared), ("end",)))
