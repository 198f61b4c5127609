"""Word packages: check the zip as for workbooks, find the main document part, parse it safely."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass

from app.core.document.xmltree import XmlPart, parse_part
from app.core.errors import UnreadableWorkbook, UnsupportedWorkbook
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.package import local_name, parse_xml, read_relationships
from app.core.workbook.zipguard import WORD_DOCUMENT, open_office_zip

_OFFICE_DOCUMENT = "/officeDocument"
DOCUMENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ".docx",
    "application/vnd.ms-word.document.macroEnabled.main+xml": ".docm",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": ".dotx",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": ".dotm",
}


@dataclass
class DocumentPackage:
    """A Word zip that passed the safety checks, with its main document part parsed."""

    data: bytes
    names: tuple[str, ...]
    document_part: str
    extension: str
    document: XmlPart
    bom: bool
    archive: zipfile.ZipFile

    def read(self, name: str) -> bytes:
        """Return the uncompressed bytes of a part."""
        return self.archive.read(name)


def open_document(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> DocumentPackage:
    """Check a Word upload and parse its main document part, or raise a domain error."""
    archive, names = open_office_zip(data, limits=limits, kind=WORD_DOCUMENT)
    name_set = set(names)

    def read(name: str) -> bytes:
        return archive.read(name)

    types: dict[str, str] = {}
    for element in parse_xml(read("[Content_Types].xml")):
        if local_name(element.tag) == "Override":
            part, kind = element.get("PartName"), element.get("ContentType")
            if part and kind:
                types[posixpath.normpath(part.lstrip("/"))] = kind
    document_part = next(
        (
            target
            for kind, target in read_relationships(name_set, read, "").values()
            if kind.endswith(_OFFICE_DOCUMENT)
        ),
        "word/document.xml",
    )
    if document_part not in name_set:
        raise UnreadableWorkbook("the file is a zip but not a Word document (no document part)")
    kind = types.get(document_part, "")
    if kind and kind not in DOCUMENT_TYPES:
        raise UnsupportedWorkbook(f"the document part has the content type {kind!r}")
    raw = read(document_part)
    parse_xml(raw)  # refuses DTDs, entity declarations and malformed XML before anything else
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedWorkbook("the document part is not encoded as UTF-8") from None
    document = parse_part(text.removeprefix("\ufeff"), max_elements=limits.max_cells)
    return DocumentPackage(
        data=data,
        names=names,
        document_part=document_part,
        extension=DOCUMENT_TYPES.get(kind, ".docx"),
        document=document,
        bom=text.startswith("\ufeff"),
        archive=archive,
    )
