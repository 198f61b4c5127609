"""Files sent to a browser or an API client: workbooks, bank exports and review logs as attachments."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from app.core.formats import media_type
from app.deps import ApiError
from app.models import Questionnaire
from app.services import review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
CSV = "text/csv; charset=utf-8"
# The formats the answer bank exports to.
MEDIA = {"csv": CSV, "xlsx": XLSX}


def attachment(content: bytes, filename: str) -> Response:
    """Return bytes as a download with a safe Content-Disposition."""
    media = media_type(PurePath(filename).suffix)
    ascii_name = "".join(
        ch if ch.isascii() and ch.isalnum() or ch in "-_." else "_" for ch in filename
    )
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


def download(content: bytes, kind: str) -> Response:
    """Return an export as an attachment."""
    name = f"answer-bank.{kind}"
    return Response(
        content,
        media_type=MEDIA[kind],
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
        },
    )


def log_download(questionnaire: Questionnaire, entries: list[dict[str, Any]], fmt: str) -> Response:
    """Return the review log as a CSV or XLSX download."""
    stem = questionnaire.filename.rsplit(".", 1)[0] or "questionnaire"
    name = f"{stem}-review-log-r{questionnaire.revision}.{fmt}"
    if fmt == "csv":
        content, media = review.log_csv(entries), CSV
    elif fmt == "xlsx":
        content, media = review.log_xlsx(entries), XLSX
    else:
        raise ApiError(404, "not_found", "the review log comes as .csv or .xlsx")
    response = attachment(content, name)
    response.headers["Content-Type"] = media
    return response
