"""The audit log: who did what, when, with before and after where it matters."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.models import AuditEvent


def record(
    *,
    db_session: Session,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Adds an event to the audit log (committed with the caller's transaction)."""
    event = AuditEvent(actor=actor, action=action, target=target, details=details or {})
    db_session.add(event)
    return event


def recent(*, db_session: Session, limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    """Lists the latest events, newest first."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db_session.exec(query))
