"""Edit the profile variables that statements' details render with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.core.bank import (
    Entry,
    render_detail,
)
from app.core.detail_template import check_variable
from app.core.errors import BankError
from app.models import ProfileVariable
from app.services import audit
from app.services import bank as bank_service
from app.services.bank_entries import EntryNotFound, actor_name, live_entries

VariableValue = str | int | float | bool | list[str | int | float | bool] | None


def set_variable(
    *, db_session: Session, name: str, value: VariableValue, actor: str
) -> ProfileVariable:
    """Change a profile variable, refusing a value that would break any statement's detail."""
    check_variable(name, value)
    # Before the check: no detail may start using the old value's shape while this one commits.
    bank_service.lock_bank(db_session=db_session)
    current = bank_service.profile(db_session=db_session)
    _check_renders(db_session, {**current, name: value})
    variable = db_session.get(ProfileVariable, name) or ProfileVariable(name=name, value=None)
    before = variable.value if name in current else None
    variable.value = value
    db_session.add(variable)
    _record_change(db_session, name=name, before=before, after=value, actor=actor)
    return variable


def delete_variable(*, db_session: Session, name: str, actor: str) -> None:
    """Remove a profile variable, unless some statement's detail still uses it."""
    # Before the check: no detail may start using the variable while it is removed.
    bank_service.lock_bank(db_session=db_session)
    variable = db_session.get(ProfileVariable, name)
    if variable is None:
        raise EntryNotFound(f"no variable '{name}'")
    profile = bank_service.profile(db_session=db_session)
    profile.pop(name, None)
    _check_renders(db_session, profile)
    before = variable.value
    db_session.delete(variable)
    _record_change(db_session, name=name, before=before, after=None, actor=actor)


def _record_change(
    db_session: Session, *, name: str, before: object, after: object, actor: str
) -> None:
    """Move the bank to a new revision (its matcher and details change) and audit the change."""
    bank_service.bump_revision(db_session=db_session)
    audit.record(
        db_session=db_session,
        actor=actor_name(actor),
        action="bank.variable",
        target=name,
        details={"before": before, "after": after},
    )


def _check_renders(db_session: Session, profile: Mapping[str, Any]) -> None:
    for entry in live_entries(db_session=db_session):
        render_detail(entry, profile)


def preview(entry: Entry, profile: Mapping[str, Any]) -> tuple[str, str | None]:
    """Render a detail for display: the text, or an empty text and the reason it cannot render."""
    try:
        return render_detail(entry, profile), None
    except BankError as exc:
        return "", str(exc)
