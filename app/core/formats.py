"""Tell a questionnaire's format by its content and send it to that format's reader and writer."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Literal

from app.core.delimited import fill_delimited, looks_delimited, read_delimited
from app.core.document.reader import read_document
from app.core.document.writer import fill_document
from app.core.errors import TooManyRows, UnreadableWorkbook, UnsupportedWorkbook
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import AnswerWrite, Detection, FillResult, SheetMapping
from app.core.workbook.reader import read_questionnaire as read_workbook
from app.core.workbook.writer import fill_workbook
from app.core.workbook.zipguard import ENCRYPTED_STREAM, OLE_SIGNATURE, ZIP_SIGNATURE

Kind = Literal["workbook", "document", "delimited"]
SUPPORTED_FORMATS = (
    "Vouch reads Excel workbooks (.xlsx, .xlsm), Word documents (.docx, .docm) "
    "and CSV or TSV files (.csv, .tsv)"
)
EXTENSIONS = (".xlsx", ".xlsm", ".docx", ".docm", ".csv", ".tsv", ".txt")
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    ".dotm": "application/vnd.ms-word.template.macroEnabled.12",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
}
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def questionnaire_kind(data: bytes) -> Kind:
    """Say whether an upload is a workbook, a Word document or delimited text, by its bytes."""
    if not data:
        raise UnreadableWorkbook("the file is empty")
    if data.startswith(OLE_SIGNATURE):
        if ENCRYPTED_STREAM in data:
            raise UnsupportedWorkbook(
                "the file is password-protected; remove the password and upload again"
            )
        if _WORD_STREAM in data:
            raise UnsupportedWorkbook(
                f"this is a legacy .doc Word file; {SUPPORTED_FORMATS}. "
                "Save it as .docx and upload again"
            )
        return "workbook"  # the workbook reader names legacy .xls precisely
    if data.startswith(ZIP_SIGNATURE):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            return "workbook"  # its reader says, in the worker, how the zip is damaged
        if any(name.startswith("word/") for name in names) and not any(
            name.startswith("xl/") for name in names
        ):
            return "document"
        return "workbook"
    if looks_delimited(data):
        return "delimited"
    raise UnsupportedWorkbook(
        f"the file is not a questionnaire format Vouch reads; {SUPPORTED_FORMATS}"
    )


def read_questionnaire_file(
    data: bytes, *, mappings: Sequence[SheetMapping] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Detection:
    """Detect the question rows of a workbook, Word document or CSV/TSV file."""
    kind = questionnaire_kind(data)
    if kind == "document":
        return read_document(data, mappings=mappings, limits=limits)
    if kind == "delimited":
        return read_delimited(data, mappings=mappings, limits=limits)
    return read_workbook(data, mappings=mappings, limits=limits)


def read_at_most(
    data: bytes,
    *,
    max_rows: int,
    mappings: Sequence[SheetMapping] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Detection:
    """Detect the question rows of a file, refusing more than max_rows rather than returning them."""
    detection = read_questionnaire_file(data, mappings=mappings, limits=limits)
    if len(detection.rows) > max_rows:
        raise TooManyRows(len(detection.rows), max_rows)
    return detection


def fill_questionnaire_file(
    data: bytes,
    detection: Detection,
    writes: Sequence[AnswerWrite],
    *,
    overwrite: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> FillResult:
    """Write answers into a copy of a workbook, Word document or CSV/TSV file."""
    kind = questionnaire_kind(data)
    if kind == "document":
        return fill_document(data, detection, writes, overwrite=overwrite, limits=limits)
    if kind == "delimited":
        return fill_delimited(data, detection, writes, overwrite=overwrite, limits=limits)
    return fill_workbook(data, detection, writes, overwrite=overwrite, limits=limits)


def media_type(extension: str) -> str:
    """Return the media type a file of that extension is served as."""
    return MEDIA_TYPES.get(extension.lower(), "application/octet-stream")
