"""The zip under every Office upload, checked before any XML parser sees a byte of it."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from app.core.errors import UnreadableWorkbook, UnsupportedWorkbook, WorkbookTooLarge
from app.core.workbook.limits import Limits

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
SUPPORTED = "Vouch reads Excel workbooks saved as .xlsx or .xlsm"


@dataclass(frozen=True)
class OfficeFormat:
    """How the refusals name a kind of Office file and the format to save it in instead."""

    noun: str  # "the {noun} is password-protected"
    title: str  # "the file is not {title}"
    supported: str
    legacy: str  # "this is {legacy}; ..."
    save_as: str


WORKBOOK = OfficeFormat(
    "workbook", "an Excel workbook", SUPPORTED, "a legacy .xls workbook", ".xlsx"
)
WORD_DOCUMENT = OfficeFormat(
    "Word document",
    "a Word document",
    "Vouch reads Word documents saved as .docx or .docm",
    "a legacy .doc Word file",
    ".docx",
)


def refuse_non_zip(data: bytes, *, limits: Limits, kind: OfficeFormat = WORKBOOK) -> None:
    """Refuse uploads that are too large, encrypted, legacy or not a zip at all."""
    if len(data) > limits.max_upload_bytes:
        raise WorkbookTooLarge(
            f"the file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limits.max_upload_bytes / 1_048_576:.0f} MB"
        )
    if data.startswith(OLE_SIGNATURE):
        if ENCRYPTED_STREAM in data:
            raise UnsupportedWorkbook(
                f"the {kind.noun} is password-protected; remove the password and upload again"
            )
        raise UnsupportedWorkbook(
            f"this is {kind.legacy}; {kind.supported}. Save it as {kind.save_as} and upload again"
        )
    if not data.startswith(ZIP_SIGNATURE):
        raise UnreadableWorkbook(f"the file is not {kind.title}; {kind.supported}")


def check_zip_entries(
    archive: zipfile.ZipFile, *, limits: Limits, kind: OfficeFormat = WORKBOOK
) -> tuple[str, ...]:
    """Refuse zip bombs and hostile names; return the entry names in archive order."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise WorkbookTooLarge(
            f"the {kind.noun} has {len(infos)} parts; the limit is {limits.max_entries}"
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        normalized = name.replace("\\", "/")
        if (
            normalized.startswith("/")
            or (len(normalized) > 1 and normalized[1] == ":")
            or ".." in normalized.split("/")
            or "\x00" in normalized
        ):
            raise UnreadableWorkbook(f"the {kind.noun} contains an unsafe part name: {name!r}")
        folded = normalized.casefold()
        if folded in seen:
            raise UnreadableWorkbook(f"the {kind.noun} contains the part {name!r} twice")
        seen.add(folded)
        if info.flag_bits & 0x1:
            raise UnsupportedWorkbook(
                f"the {kind.noun} is password-protected; remove the password and upload again"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableWorkbook(f"the part {name!r} uses an unsupported compression method")
        if (
            info.file_size > limits.ratio_floor_bytes
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            raise WorkbookTooLarge(
                f"the part {name!r} is compressed more than {limits.max_compression_ratio}:1 "
                "(a zip bomb?)"
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise WorkbookTooLarge(
                f"the {kind.noun} expands to more than "
                f"{limits.max_uncompressed_bytes / 1_048_576:.0f} MB when unzipped"
            )
    return tuple(info.filename for info in infos)


def open_office_zip(
    data: bytes, *, limits: Limits, kind: OfficeFormat
) -> tuple[zipfile.ZipFile, tuple[str, ...]]:
    """Open an Office upload's zip once it passed every check; return it and its part names."""
    refuse_non_zip(data, limits=limits, kind=kind)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableWorkbook(f"the file is not a readable {kind.noun} ({error})") from None
    names = check_zip_entries(archive, limits=limits, kind=kind)
    if "[Content_Types].xml" not in names:
        raise UnreadableWorkbook(f"the file is a zip but not {kind.title} (no [Content_Types].xml)")
    return archive, names
