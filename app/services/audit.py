"""The audit log: who did what, when, with before and after where it matters."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from app.core.formulas import neutralise_formula
from app.models import AuditEvent


class ReadOnlyTransaction(RuntimeError):
    """Something tried to record in a transaction that will not be committed."""


def record(
    *,
    db_session: Session,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Adds an event to the audit log (committed with the caller's transaction)."""
    if db_session.info.get("write") is False:
        # A read transaction never commits: the event would be lost, or on SQLite the late
        # upgrade to a write fails with "database is locked". The route must declare it writes.
        raise ReadOnlyTransaction(f"audit event '{action}' recorded in a read transaction")
    event = AuditEvent(actor=actor, action=action, target=target, details=details or {})
    db_session.add(event)
    return event


def recent(*, db_session: Session, limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    """Lists the latest events, newest first."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db_session.exec(query))


def _csv_cell(value: str) -> str:
    return neutralise_formula(value)


def as_csv(events: Iterable[AuditEvent]) -> str:
    """Renders events as CSV, with any cell a spreadsheet would run as a formula quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at", "actor", "action", "target", "details"])
    for event in events:
        writer.writerow(
            [
                str(event.id),
                event.at.isoformat(),
                _csv_cell(event.actor),
                _csv_cell(event.action),
                _csv_cell(event.target),
                _csv_cell(json.dumps(event.details, ensure_ascii=False, sort_keys=True)),
            ]
        )
    return buffer.getvalue()


def all_events(*, db_session: Session, action: str | None = None) -> list[AuditEvent]:
    """Lists every event, oldest first, for export."""
    query = select(AuditEvent).order_by(col(AuditEvent.id))
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db_session.exec(query))
