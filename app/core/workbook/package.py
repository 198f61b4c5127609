"""Package safety and structure: inspect the zip before any XML parser sees it, map its parts."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from app.core.errors import UnreadableWorkbook, UnsupportedWorkbook, VouchError, WorkbookTooLarge
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.zipguard import SUPPORTED, WORKBOOK, open_office_zip

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
    raise ImportError("defusedxml must be installed: openpyxl would parse untrusted XML unguarded")

_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
_STYLES = "/styles"
_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_PLAIN_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_BINARY_WORKBOOK = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of the workbook as workbook.xml lists it."""

    name: str
    part: str
    state: str  # "visible", "hidden" or "veryHidden"
    position: int  # 0-based index in workbook.xml, the localSheetId of defined names


@dataclass
class Package:
    """A zip that passed the safety checks, with its workbook structure resolved."""

    data: bytes
    names: tuple[str, ...]
    workbook_part: str
    extension: str
    sheets: tuple[SheetInfo, ...]
    shared_strings_part: str | None
    styles_part: str | None
    defined_names: dict[tuple[str, int | None], str]
    limits: Limits
    _zip: zipfile.ZipFile
    _cache: dict[str, bytes] = field(default_factory=dict)

    def read(self, name: str) -> bytes:
        """Return the uncompressed bytes of a part (bounded by the size checked up front)."""
        if name not in self._cache:
            self._cache[name] = self._zip.read(name)
        return self._cache[name]

    def has(self, name: str) -> bool:
        """Tell whether the package holds a part."""
        return name in self._cache or name in self.names

    def open(self, name: str) -> IO[bytes]:
        """Return a stream over a part, for parsing without holding a second copy."""
        if name in self._cache:
            return io.BytesIO(self._cache[name])
        return self._zip.open(name)

    def sheet(self, name: str) -> SheetInfo | None:
        """Return the sheet of that name, if any."""
        return next((sheet for sheet in self.sheets if sheet.name == name), None)


@contextmanager
def translate_errors(*, subject: str = "workbook", formats: str = ".xlsx/.xlsm") -> Iterator[None]:
    """Turn whatever a hostile or broken file makes the parsers raise into a domain error."""
    try:
        yield
    except VouchError:
        raise
    except DefusedXmlException:
        raise UnreadableWorkbook(
            f"the {subject} contains XML entity declarations or external references; "
            "they are refused"
        ) from None
    except ParseError as error:
        raise UnreadableWorkbook(f"the {subject}'s XML is malformed ({error})") from None
    except MemoryError:
        raise WorkbookTooLarge(f"the {subject} needs more memory than allowed to read") from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        struct.error,
        EOFError,
        KeyError,
        OSError,
        ValueError,
        IndexError,
        TypeError,
        AttributeError,
        OverflowError,
        RecursionError,
        UnicodeError,
    ) as error:
        raise UnreadableWorkbook(
            f"the {subject} is damaged or not a valid {formats} file ({type(error).__name__})"
        ) from None


def local_name(tag: str) -> str:
    """Return an element or attribute name without its namespace."""
    return tag.rpartition("}")[2]


def parse_xml(data: bytes) -> Element:
    """Parse a small XML part with entity expansion and DTDs forbidden.

    A declaration naming an encoding Python does not know ("TF-8") is malformed XML like any
    other: it raises ParseError, which every reader of a part turns into a plain refusal.
    """
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except LookupError as error:
        raise ParseError(f"unreadable XML: {error}") from error
    return root


def iterparse_xml(stream: IO[bytes], events: tuple[str, ...]) -> Iterator[tuple[str, Element]]:
    """Stream a large XML part with entity expansion and DTDs forbidden (see `parse_xml`)."""
    try:
        yield from SafeET.iterparse(stream, events=events, forbid_dtd=True)
    except LookupError as error:
        raise ParseError(f"unreadable XML: {error}") from error


def relationship_id(element: Element) -> str | None:
    """Return the r:id attribute of an element, whatever the relationships namespace."""
    for key, value in element.attrib.items():
        if key.endswith("}id") and "relationships" in key:
            return value
    return None


def resolve_target(source_part: str, target: str) -> str:
    """Resolve a relationship target against the part that declares it."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    base = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(base, target))


def rels_part(part: str) -> str:
    """Return the name of the relationships part that belongs to a part."""
    directory, _, filename = part.rpartition("/")
    prefix = f"{directory}/" if directory else ""
    return f"{prefix}_rels/{filename}.rels"


def read_relationships(
    package_names: set[str], read: Callable[[str], bytes], part: str
) -> dict[str, tuple[str, str]]:
    """Return {rId: (type, resolved target)} for a part, or {} when it has none."""
    name = rels_part(part)
    if name not in package_names:
        return {}
    root = parse_xml(read(name))
    relationships: dict[str, tuple[str, str]] = {}
    for element in root:
        if local_name(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        rel_id, rel_type, target = element.get("Id"), element.get("Type", ""), element.get("Target")
        if rel_id and target:
            relationships[rel_id] = (rel_type, resolve_target(part, target))
    return relationships


def open_package(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Package:
    """Check an upload and map its workbook, sheets and shared parts, or raise a domain error."""
    archive, names = open_office_zip(data, limits=limits, kind=WORKBOOK)
    name_set = set(names)

    def read(name: str) -> bytes:
        return archive.read(name)

    content_types = _content_types(parse_xml(read("[Content_Types].xml")))
    workbook_part = next(
        (
            target
            for rel_type, target in read_relationships(name_set, read, "").values()
            if rel_type.endswith(_OFFICE_DOCUMENT)
        ),
        "xl/workbook.xml",
    )
    workbook_type = content_types.get(workbook_part, "")
    if workbook_part.endswith(".bin") or workbook_type == _BINARY_WORKBOOK:
        raise UnsupportedWorkbook(
            f"this is a binary .xlsb workbook; {SUPPORTED}. Save it as .xlsx and upload again"
        )
    if workbook_part not in name_set:
        raise UnreadableWorkbook("the file is a zip but not an Excel workbook (no workbook part)")
    if workbook_type and workbook_type not in (_PLAIN_WORKBOOK, _MACRO_WORKBOOK):
        raise UnsupportedWorkbook(
            f"the workbook part has the content type {workbook_type!r}; {SUPPORTED}"
        )
    extension = ".xlsm" if workbook_type == _MACRO_WORKBOOK else ".xlsx"
    relationships = read_relationships(name_set, read, workbook_part)
    workbook = parse_xml(read(workbook_part))
    sheets: list[SheetInfo] = []
    defined_names: dict[tuple[str, int | None], str] = {}
    for element in workbook.iter():
        tag = local_name(element.tag)
        if tag == "sheet":
            rel = relationships.get(relationship_id(element) or "")
            name = element.get("name")
            if not name or rel is None or not rel[0].endswith(_WORKSHEET):
                continue  # chart sheets and dialog sheets hold no cells to answer
            if rel[1] not in name_set:
                raise UnreadableWorkbook(f"the sheet {name!r} points at a missing part")
            sheets.append(SheetInfo(name, rel[1], element.get("state", "visible"), len(sheets)))
        elif tag == "definedName" and element.get("name") and element.text:
            local = element.get("localSheetId")
            key = (
                element.get("name", "").casefold(),
                int(local) if local and local.isdigit() else None,
            )
            defined_names[key] = element.text
    if not sheets:
        raise UnreadableWorkbook("the workbook has no worksheets")
    shared = next((t for kind, t in relationships.values() if kind.endswith(_SHARED_STRINGS)), None)
    styles = next((t for kind, t in relationships.values() if kind.endswith(_STYLES)), None)
    return Package(
        data=data,
        names=names,
        workbook_part=workbook_part,
        extension=extension,
        sheets=tuple(sheets),
        shared_strings_part=shared if shared in name_set else None,
        styles_part=styles if styles in name_set else None,
        defined_names=defined_names,
        limits=limits,
        _zip=archive,
    )


def _content_types(root: Element) -> dict[str, str]:
    """Return {part name: content type} for the overrides in [Content_Types].xml."""
    types: dict[str, str] = {}
    for element in root:
        if local_name(element.tag) == "Override":
            part, kind = element.get("PartName"), element.get("ContentType")
            if part and kind:
                types[posixpath.normpath(part.lstrip("/"))] = kind
    return types


_EOCD = struct.Struct("<4sHHHHIIH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_DATA_DESCRIPTOR = b"PK\x07\x08"


def rebuild_zip(original: bytes, replacements: dict[str, bytes]) -> bytes:
    """Return the zip with some parts replaced; every other part keeps its raw compressed bytes."""
    try:
        return _rebuild_raw(original, replacements)
    except _NotPlainZip:
        return _rebuild_with_zipfile(original, replacements)


class _NotPlainZip(Exception):
    """The archive uses ZIP64, a prefix or another layout the raw copier does not handle."""


def _rebuild_raw(original: bytes, replacements: dict[str, bytes]) -> bytes:
    end = original.rfind(b"PK\x05\x06", max(0, len(original) - 65_557))
    if end < 0 or end + _EOCD.size > len(original):
        raise _NotPlainZip
    _, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment_length = _EOCD.unpack_from(
        original, end
    )
    if disk or cd_disk or on_disk != total or total == 0xFFFF or cd_offset == 0xFFFFFFFF:
        raise _NotPlainZip
    if cd_offset + cd_size != end:
        raise _NotPlainZip
    out = bytearray()
    central = bytearray()
    position = cd_offset
    for _ in range(total):
        if original[position : position + 4] != b"PK\x01\x02":
            raise _NotPlainZip
        fields = list(_CENTRAL.unpack_from(original, position))
        flags, compressed_size, name_length, extra_length, comment_len = (
            fields[3],
            fields[8],
            fields[10],
            fields[11],
            fields[12],
        )
        local_offset = fields[16]
        if 0xFFFFFFFF in (fields[8], fields[9], local_offset):
            raise _NotPlainZip  # the real sizes or offset sit in a ZIP64 extra field
        record_end = position + _CENTRAL.size + name_length + extra_length + comment_len
        raw_name = original[position + _CENTRAL.size : position + _CENTRAL.size + name_length]
        comment = original[record_end - comment_len : record_end]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        if original[local_offset : local_offset + 4] != b"PK\x03\x04":
            raise _NotPlainZip
        local = _LOCAL.unpack_from(original, local_offset)
        data_start = local_offset + _LOCAL.size + local[9] + local[10]
        data_end = data_start + compressed_size
        if flags & 0x8:
            data_end += 16 if original[data_end : data_end + 4] == _DATA_DESCRIPTOR else 12
        new_offset = len(out)
        if name in replacements:
            content = replacements[name]
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = compressor.compress(content) + compressor.flush()
            crc = zlib.crc32(content) & 0xFFFFFFFF
            new_flags = flags & 0x800
            out += _LOCAL.pack(
                b"PK\x03\x04",
                20,
                new_flags,
                zipfile.ZIP_DEFLATED,
                fields[5],
                fields[6],
                crc,
                len(packed),
                len(content),
                name_length,
                0,
            )
            out += raw_name + packed
            central += _CENTRAL.pack(
                b"PK\x01\x02",
                fields[1],
                20,
                new_flags,
                zipfile.ZIP_DEFLATED,
                fields[5],
                fields[6],
                crc,
                len(packed),
                len(content),
                name_length,
                0,
                comment_len,
                0,
                fields[14],
                fields[15],
                new_offset,
            )
            central += raw_name + comment
        else:
            out += original[local_offset:data_end]
            fields[16] = new_offset
            central += _CENTRAL.pack(*fields) + original[position + _CENTRAL.size : record_end]
        position = record_end
    central_offset = len(out)
    out += central
    out += _EOCD.pack(
        b"PK\x05\x06", 0, 0, total, total, len(central), central_offset, comment_length
    )
    out += original[end + _EOCD.size : end + _EOCD.size + comment_length]
    return bytes(out)


def _rebuild_with_zipfile(original: bytes, replacements: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = replacements.get(info.filename)
            if content is None:
                content = source.read(info.filename)
            clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            clone.compress_type = info.compress_type
            clone.external_attr = info.external_attr
            target.writestr(clone, content)
    return buffer.getvalue()
