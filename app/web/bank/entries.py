"""The curator's entry pages: search the bank, add a statement, edit it as versions, change its status."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.core.bank import Entry
from app.core.errors import VouchError
from app.deps import SessionDep, SettingsDep, Writes
from app.models import BankEntry
from app.refusals import refusal_for
from app.services import bank as bank_service
from app.services import bank_concepts, bank_entries, bank_variables, review
from app.web.auth import CsrfProtected, UserCanReadBank, UserCanWriteBank, WebUser
from app.web.bank.forms import (
    EntryText,
    FormShort,
    FormText,
    checked,
    empty_form,
    entry_text,
    form_values,
)
from app.web.bank.pages import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
EntryForm = Annotated[EntryText, Depends(entry_text)]
Version = Annotated[int, Form(ge=1)]


@router.get("/bank", name="bank")
def bank_page(
    request: Request,
    user: UserCanReadBank,
    db_session: SessionDep,
    settings: SettingsDep,
    q: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    owner: str | None = None,
    stale: str | None = None,
    conflicts: str | None = None,
) -> HTMLResponse:
    status = status if status in ("draft", "approved", "retired") else None
    filters: dict[str, Any] = {
        "q": (q or "")[:200],
        "status": status or "",
        "tag": (tag or "")[:100],
        "owner": (owner or "")[:200],
        "stale": checked(stale),
        "conflicts": checked(conflicts),
    }
    rows = bank_entries.search(
        db_session=db_session,
        query=filters["q"] or None,
        status=status,
        tag=filters["tag"] or None,
        owner=filters["owner"] or None,
        stale=filters["stale"],
        conflicts=filters["conflicts"],
        default_review_days=settings.default_review_days,
    )
    today = date.today()
    stale_ids = {
        r.id
        for r in rows
        if bank_service.to_entry(r).is_stale(
            today=today, default_review_days=settings.default_review_days
        )
    }
    all_rows = bank_service.list_entries(db_session=db_session, include_retired=True)
    return render(
        request,
        "bank/list.html",
        {
            "entries": rows,
            "filters": filters,
            "stale_ids": stale_ids,
            "all_tags": sorted({t for r in all_rows for t in r.tags}),
            "all_owners": sorted({r.owner for r in all_rows if r.owner}),
        },
        user=user,
    )


@router.get("/bank/new", name="bank_new")
def new_entry_page(request: Request, user: UserCanWriteBank) -> HTMLResponse:
    return render(request, "bank/new.html", {"form": empty_form(), "error": None}, user=user)


@router.post("/bank/new", name="bank_create", dependencies=[Writes])
def create_entry(
    request: Request,
    user: UserCanWriteBank,
    db_session: SessionDep,
    entry_id: Annotated[str, Form(max_length=80)],
    text: EntryForm,
    reason: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
            row = bank_entries.create_entry(
                db_session=db_session,
                fields={"id": entry_id.strip(), **text.fields()},
                actor=user.principal.ref,
                reason=reason,
            )
    except VouchError as exc:
        # The form comes back as typed, so a refused statement is corrected, not retyped.
        return render(
            request,
            "bank/new.html",
            {"form": {"id": entry_id, **text.boxes()}, "error": str(exc)},
            user=user,
            status_code=refusal_for(exc).status,
        )
    return _to_entry(request, row.id)


def _entry_row(db_session: SessionDep, entry_id: str) -> BankEntry:
    row = bank_service.get_entry(db_session=db_session, entry_id=entry_id)
    if row is None:
        raise bank_entries.EntryNotFound(f"no entry '{entry_id[:80]}'")
    return row


def _to_entry(request: Request, entry_id: str) -> RedirectResponse:
    return RedirectResponse(request.url_for("entry", entry_id=entry_id), status_code=303)


def _entry_page(
    request: Request,
    user: WebUser,
    db_session: SessionDep,
    row: BankEntry,
    *,
    form: dict[str, str] | None = None,
    preview_entry: Entry | None = None,
    error: str | None = None,
    stale: bank_entries.StaleEdit | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    profile = bank_service.profile(db_session=db_session)
    rendered, render_error = bank_variables.preview(bank_service.to_entry(row), profile)
    preview_text = preview_error = None
    can_edit = user.principal.can("bank:write")
    if preview_entry is not None:
        preview_text, preview_error = bank_variables.preview(preview_entry, profile)
    return render(
        request,
        "bank/detail.html",
        {
            "entry": row,
            "rendered": rendered,
            "render_error": render_error,
            "versions": bank_service.history(db_session=db_session, entry_id=row.id),
            # Curators see who received a statement; other roles see only their own questionnaires.
            "usage": [
                (q, r)
                for q, r in review.entry_usage(db_session=db_session, entry_id=row.id)
                if user.principal.can("bank:write")
                or user.principal.can("questionnaire:read-all")
                or q.owner == user.principal.ref
            ][:200],
            "form": form or form_values(row),
            "preview": preview_text,
            "preview_error": preview_error,
            "error": error,
            "stale": stale,
            "stale_form": form_values(stale.current) if stale else None,
            "concepts": bank_concepts.links(bank_service.to_entry(row)),
            # The catalogue, for the picker; only a curator who may link sees it.
            "catalogue": sorted(bank_concepts.catalogue(), key=lambda c: c.question)
            if can_edit
            else [],
        },
        user=user,
        status_code=status_code,
    )


@router.get("/bank/entries/{entry_id}", name="entry")
def entry_page(
    request: Request, entry_id: str, user: UserCanReadBank, db_session: SessionDep
) -> HTMLResponse:
    return _entry_page(request, user, db_session, _entry_row(db_session, entry_id))


@router.post("/bank/entries/{entry_id}/edit", name="entry_edit", dependencies=[Writes])
def edit_entry(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Version,
    text: EntryForm,
    reason: FormShort = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    try:
        with db_session.begin_nested():
            changes = text.fields()
            if action == "preview":
                row = _entry_row(db_session, entry_id)
                draft = bank_service.to_entry(row).with_changes(
                    detail=changes["detail"], answer=changes["answer"]
                )
                return _entry_page(
                    request, user, db_session, row, form=text.boxes(), preview_entry=draft
                )
            row = bank_entries.edit_entry(
                db_session=db_session,
                entry_id=entry_id,
                expected_version=version,
                changes=changes,
                actor=user.principal.ref,
                reason=reason,
            )
    except bank_entries.EntryNotFound:
        raise
    except VouchError as exc:
        # The edit comes back as typed beside the current version (a stale form shows both).
        return _entry_page(
            request,
            user,
            db_session,
            _entry_row(db_session, entry_id),
            form=text.boxes(),
            stale=exc if isinstance(exc, bank_entries.StaleEdit) else None,
            error=str(exc),
            status_code=refusal_for(exc).status,
        )
    return _to_entry(request, row.id)


@router.post("/bank/entries/{entry_id}/status", name="entry_status", dependencies=[Writes])
def change_status(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Version,
    to: Annotated[str, Form(pattern="^(approved|retired|draft)$")],
    reason: FormShort = "",
) -> Response:
    if to == "approved":
        bank_entries.approve_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=version,
            actor=user.principal.ref,
            reason=reason,
        )
    else:
        bank_entries.edit_entry(
            db_session=db_session,
            entry_id=entry_id,
            expected_version=version,
            changes={"status": to},
            actor=user.principal.ref,
            reason=reason or ("retired" if to == "retired" else "back to draft"),
        )
    return _to_entry(request, entry_id)


@router.post("/bank/entries/{entry_id}/restore", name="entry_restore", dependencies=[Writes])
def restore_version(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Version,
    restore: Version,
    reason: FormShort = "",
) -> Response:
    bank_entries.restore_version(
        db_session=db_session,
        entry_id=entry_id,
        version=restore,
        expected_version=version,
        actor=user.principal.ref,
        reason=reason,
    )
    return _to_entry(request, entry_id)


@router.post("/bank/entries/{entry_id}/alternate", name="entry_alternate", dependencies=[Writes])
def add_alternate(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    question: FormText,
    version: Version,
    reason: FormShort = "",
) -> Response:
    bank_entries.add_alternate(
        db_session=db_session,
        entry_id=entry_id,
        expected_version=version,
        question=question,
        actor=user.principal.ref,
        reason=reason,
    )
    return _to_entry(request, entry_id)


@router.post("/bank/entries/{entry_id}/concepts", name="entry_concept", dependencies=[Writes])
def link_concept(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Version,
    concept: Annotated[str, Form(min_length=1, max_length=80)],
    action: Annotated[str, Form(pattern="^(link|unlink)$")] = "link",
) -> Response:
    try:
        with db_session.begin_nested():
            bank_concepts.link(
                db_session=db_session,
                entry_id=entry_id,
                concept_id=concept,
                expected_version=version,
                actor=user.principal.ref,
                unlink=action == "unlink",
            )
    except bank_entries.EntryNotFound:
        raise
    except VouchError as exc:
        # As with an edit: a stale page shows the current version beside the refusal.
        return _entry_page(
            request,
            user,
            db_session,
            _entry_row(db_session, entry_id),
            stale=exc if isinstance(exc, bank_entries.StaleEdit) else None,
            error=str(exc),
            status_code=refusal_for(exc).status,
        )
    return _to_entry(request, entry_id)
