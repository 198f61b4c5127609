"""The review log: who decided what from which entry version, and its CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlmodel import Session

from app.core.formulas import neutralise_formula
from app.models import ApiKey, Questionnaire, QuestionRow, User
from app.services.review.queries import WRITES_ANSWER, current_signoff, prefilled, rows

KEPT_NOTE = "kept the customer's answer"


def actor_names(*, db_session: Session, refs: Iterable[str | None]) -> dict[str, str]:
    """Resolve principal refs ('user:3', 'key:2') to the names a log reader recognises."""
    names: dict[str, str] = {}
    for ref in {r for r in refs if r}:
        kind, _, raw_id = ref.partition(":")
        if not raw_id.isdigit():
            names[ref] = ref
            continue
        if kind == "user":
            user = db_session.get(User, int(raw_id))
            names[ref] = user.username if user else ref
        elif kind == "key":
            key = db_session.get(ApiKey, int(raw_id))
            names[ref] = f"API key '{key.name}'" if key else ref
        else:
            names[ref] = ref
    return names


def log_entries(
    *, db_session: Session, questionnaire_rows: Sequence[QuestionRow]
) -> list[dict[str, Any]]:
    """Describe every row's decision: what was answered, from which entry version, by whom, when."""
    names = actor_names(db_session=db_session, refs=(r.reviewed_by for r in questionnaire_rows))
    return [
        {
            "position": r.position,
            "sheet": r.sheet,
            "row": r.row,
            "control_id": r.control_id,
            "question": r.question,
            "customer_answer": prefilled(r),
            "decision": r.review_status,
            "answer": r.answer
            if r.review_status in WRITES_ANSWER
            else (prefilled(r) or "" if r.review_status == "kept" else ""),
            "detail": r.detail if r.review_status in WRITES_ANSWER else "",
            "entry_id": r.entry_id if r.review_status in WRITES_ANSWER else None,
            "entry_version": r.entry_version if r.review_status in WRITES_ANSWER else None,
            "written": r.written,
            "write_note": r.write_note,
            "reviewed_by": names.get(r.reviewed_by or "", r.reviewed_by),
            "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None,
            "comment": r.review_comment,
            "assignee": r.assignee,
        }
        for r in questionnaire_rows
    ]


def review_log(*, db_session: Session, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Returns the review log: the signed snapshot once signed, the live decisions before."""
    signed = current_signoff(db_session=db_session, questionnaire=questionnaire)
    if signed is not None:
        return list(signed.review_log)
    return log_entries(
        db_session=db_session,
        questionnaire_rows=rows(db_session=db_session, questionnaire_id=questionnaire.id),
    )


def not_written(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """List the log's decisions that the signed file does not hold, with the reason each."""
    return [
        {
            "position": e["position"],
            "sheet": e["sheet"],
            "row": e["row"],
            "decision": e["decision"],
            "reason": e.get("write_note") or "not written",
        }
        for e in entries
        if e.get("decision") in WRITES_ANSWER and not e.get("written")
    ]


LOG_COLUMNS = (
    ("row", "Row"),
    ("sheet", "Sheet"),
    ("control_id", "Question ID"),
    ("question", "Question"),
    ("decision", "Decision"),
    ("answer", "Answer given"),
    ("detail", "Detail given"),
    ("entry_id", "Entry"),
    ("entry_version", "Entry version"),
    ("reviewed_by", "Reviewed by"),
    ("reviewed_at", "Reviewed at (UTC)"),
    ("comment", "Comment"),
    ("assignee", "Assigned to"),
    ("customer_answer", "Customer's answer"),
    ("written", "Written"),
    ("write_note", "Write note"),
)


def _log_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def log_table(entries: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Lay out the review log as spreadsheet-safe text, header first."""
    table = [[title for _, title in LOG_COLUMNS]]
    for entry in entries:
        values = (_log_text(entry.get(key)) for key, _ in LOG_COLUMNS)
        table.append([neutralise_formula(value) for value in values])
    return table


def log_csv(entries: Sequence[dict[str, Any]]) -> bytes:
    """Export the review log as CSV (UTF-8 with a BOM so Excel reads accents)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(log_table(entries))
    return buffer.getvalue().encode("utf-8-sig")


def log_xlsx(entries: Sequence[dict[str, Any]]) -> bytes:
    """Export the review log as an XLSX workbook, every cell plain text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Review log")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header, *body = log_table(entries)

    def text_cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        # openpyxl guesses types from text ("#N/A" would become an error); keep it text.
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_cell(name, bold) for name in header])
    for line in body:
        sheet.append([text_cell(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
