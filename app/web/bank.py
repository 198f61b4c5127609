"""The curator's pages: browse and search the bank, edit with versions, freshness, conflicts, variables, harvest, proposals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from app.core.bank import Entry
from app.core.errors import BankError, VouchError
from app.deps import RowId, SessionDep, SettingsDep, Writes
from app.downloads import download
from app.models import BankEntry
from app.services import bank as bank_service
from app.services import (
    bank_conflicts,
    bank_entries,
    bank_freshness,
    bank_harvest,
    bank_proposals,
    bank_transfer,
    bank_variables,
    review,
)
from app.services.questionnaires import precheck
from app.web.auth import CsrfProtected, UserCanReadBank, UserCanWriteBank, WebUser
from app.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
FormText = Annotated[str, Form(max_length=40_000)]
FormShort = Annotated[str, Form(max_length=500)]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: WebUser,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a bank page with the user, the CSRF token, and whether the user may edit."""
    base = {
        "user": user,
        "csrf_token": user.csrf_token,
        "can_edit": user.principal.can("bank:write"),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _refs(text: str) -> dict[str, str]:
    refs: dict[str, str] = {}
    for line in _lines(text):
        scheme, sep, ref = line.partition(":")
        if not sep or not scheme.strip() or not ref.strip():
            raise BankError(
                f"reference '{line[:60]}' must read 'scheme: ID', e.g. 'caiq: IAM-14.1'"
            )
        refs[scheme.strip()] = ref.strip()
    return refs


def form_fields(
    *,
    question: str,
    answer: str,
    alternates: str,
    detail: str,
    tags: str,
    refs: str,
    owner: str,
    reviewed: str,
    review_every_days: str,
) -> dict[str, Any]:
    """Turn the entry form's text boxes into entry fields."""
    every = review_every_days.strip()
    if every and not every.isdigit():
        raise BankError("'review every' must be a whole number of days")
    return {
        "question": question.strip(),
        "answer": answer.strip(),
        "alternates": _lines(alternates),
        "detail": detail.strip(),
        "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "refs": _refs(refs),
        "owner": owner.strip() or None,
        "reviewed": reviewed.strip() or None,
        "review_every_days": int(every) if every else None,
    }


def form_values(entry: Entry | BankEntry) -> dict[str, str]:
    """Lay out an entry as the entry form's text boxes."""
    return {
        "question": entry.question,
        "answer": entry.answer,
        "alternates": "\n".join(entry.alternates),
        "detail": entry.detail,
        "tags": ", ".join(entry.tags),
        "refs": "\n".join(f"{k}: {v}" for k, v in dict(entry.refs).items()),
        "owner": entry.owner or "",
        "reviewed": entry.reviewed.isoformat() if entry.reviewed else "",
        "review_every_days": str(entry.review_every_days or ""),
    }


def _bool(value: str | None) -> bool:
    return value in ("1", "on", "true", "yes")


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
        "stale": _bool(stale),
        "conflicts": _bool(conflicts),
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


def _empty_form() -> dict[str, str]:
    return {
        k: ""
        for k in (
            "id",
            "question",
            "answer",
            "alternates",
            "detail",
            "tags",
            "refs",
            "owner",
            "reviewed",
            "review_every_days",
        )
    }


@router.get("/bank/new", name="bank_new")
def new_entry_page(request: Request, user: UserCanWriteBank) -> HTMLResponse:
    return render(request, "bank/new.html", {"form": _empty_form(), "error": None}, user=user)


@router.post("/bank/new", name="bank_create", dependencies=[Writes])
def create_entry(
    request: Request,
    user: UserCanWriteBank,
    db_session: SessionDep,
    entry_id: Annotated[str, Form(max_length=80)],
    question: FormText,
    answer: FormText,
    alternates: FormText = "",
    detail: FormText = "",
    tags: FormShort = "",
    refs: FormText = "",
    owner: FormShort = "",
    reviewed: FormShort = "",
    review_every_days: FormShort = "",
    reason: FormShort = "",
) -> Response:
    raw = {
        "question": question,
        "answer": answer,
        "alternates": alternates,
        "detail": detail,
        "tags": tags,
        "refs": refs,
        "owner": owner,
        "reviewed": reviewed,
        "review_every_days": review_every_days,
    }
    try:
        with db_session.begin_nested():
            fields = {"id": entry_id.strip(), **form_fields(**raw)}
            row = bank_entries.create_entry(
                db_session=db_session, fields=fields, actor=user.principal.ref, reason=reason
            )
    except VouchError as exc:
        return render(
            request,
            "bank/new.html",
            {"form": {"id": entry_id, **raw}, "error": str(exc)},
            user=user,
            status_code=409 if isinstance(exc, bank_entries.EntryExists) else 422,
        )
    return RedirectResponse(request.url_for("entry", entry_id=row.id), status_code=303)


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
        },
        user=user,
        status_code=status_code,
    )


def _row_or_404(
    request: Request, user: WebUser, db_session: SessionDep, entry_id: str
) -> BankEntry | HTMLResponse:
    row = bank_service.get_entry(db_session=db_session, entry_id=entry_id)
    if row is None:
        return render(
            request,
            "error.html",
            {"title": "Not found", "message": f"No entry '{entry_id[:80]}'."},
            user=user,
            status_code=404,
        )
    return row


@router.get("/bank/entries/{entry_id}", name="entry")
def entry_page(
    request: Request, entry_id: str, user: UserCanReadBank, db_session: SessionDep
) -> HTMLResponse:
    row = _row_or_404(request, user, db_session, entry_id)
    if isinstance(row, HTMLResponse):
        return row
    return _entry_page(request, user, db_session, row)


@router.post("/bank/entries/{entry_id}/edit", name="entry_edit", dependencies=[Writes])
def edit_entry(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    question: FormText,
    answer: FormText,
    alternates: FormText = "",
    detail: FormText = "",
    tags: FormShort = "",
    refs: FormText = "",
    owner: FormShort = "",
    reviewed: FormShort = "",
    review_every_days: FormShort = "",
    reason: FormShort = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    raw = {
        "question": question,
        "answer": answer,
        "alternates": alternates,
        "detail": detail,
        "tags": tags,
        "refs": refs,
        "owner": owner,
        "reviewed": reviewed,
        "review_every_days": review_every_days,
    }
    try:
        with db_session.begin_nested():
            changes = form_fields(**raw)
            if action == "preview":
                row = _row_or_404(request, user, db_session, entry_id)
                if isinstance(row, HTMLResponse):
                    return row
                draft = bank_service.to_entry(row).with_changes(
                    detail=changes["detail"], answer=changes["answer"]
                )
                return _entry_page(request, user, db_session, row, form=raw, preview_entry=draft)
            row = bank_entries.edit_entry(
                db_session=db_session,
                entry_id=entry_id,
                expected_version=version,
                changes=changes,
                actor=user.principal.ref,
                reason=reason,
            )
    except bank_entries.StaleEdit as exc:
        current = _row_or_404(request, user, db_session, entry_id)
        if isinstance(current, HTMLResponse):
            return current
        return _entry_page(
            request, user, db_session, current, form=raw, stale=exc, error=str(exc), status_code=409
        )
    except bank_entries.EntryNotFound:
        return _row_or_404(request, user, db_session, entry_id)  # type: ignore[return-value]
    except VouchError as exc:
        current = _row_or_404(request, user, db_session, entry_id)
        if isinstance(current, HTMLResponse):
            return current
        return _entry_page(
            request, user, db_session, current, form=raw, error=str(exc), status_code=422
        )
    return RedirectResponse(request.url_for("entry", entry_id=row.id), status_code=303)


@router.post("/bank/entries/{entry_id}/status", name="entry_status", dependencies=[Writes])
def change_status(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    to: Annotated[str, Form(pattern="^(approved|retired|draft)$")],
    reason: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
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
    except bank_entries.EntryNotFound:
        return _row_or_404(request, user, db_session, entry_id)  # type: ignore[return-value]
    except VouchError as exc:
        return _refused(request, user, db_session, entry_id, exc)
    return RedirectResponse(request.url_for("entry", entry_id=entry_id), status_code=303)


def _refused(
    request: Request, user: WebUser, db_session: SessionDep, entry_id: str, exc: VouchError
) -> Response:
    current = _row_or_404(request, user, db_session, entry_id)
    if isinstance(current, HTMLResponse):
        return current
    stale = exc if isinstance(exc, bank_entries.StaleEdit) else None
    return _entry_page(
        request,
        user,
        db_session,
        current,
        stale=stale,
        error=str(exc),
        status_code=409 if stale else 422,
    )


@router.post("/bank/entries/{entry_id}/restore", name="entry_restore", dependencies=[Writes])
def restore_version(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    restore: Annotated[int, Form(ge=1)],
    reason: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
            bank_entries.restore_version(
                db_session=db_session,
                entry_id=entry_id,
                version=restore,
                expected_version=version,
                actor=user.principal.ref,
                reason=reason,
            )
    except VouchError as exc:
        return _refused(request, user, db_session, entry_id, exc)
    return RedirectResponse(request.url_for("entry", entry_id=entry_id), status_code=303)


@router.post("/bank/entries/{entry_id}/alternate", name="entry_alternate", dependencies=[Writes])
def add_alternate(
    request: Request,
    entry_id: str,
    user: UserCanWriteBank,
    db_session: SessionDep,
    question: FormText,
    version: Annotated[int, Form(ge=1)],
    reason: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
            bank_entries.add_alternate(
                db_session=db_session,
                entry_id=entry_id,
                expected_version=version,
                question=question,
                actor=user.principal.ref,
                reason=reason,
            )
    except VouchError as exc:
        return _refused(request, user, db_session, entry_id, exc)
    return RedirectResponse(request.url_for("entry", entry_id=entry_id), status_code=303)


@router.get("/bank/freshness", name="bank_freshness")
def freshness_page(
    request: Request, user: UserCanReadBank, db_session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    entries = bank_entries.live_entries(db_session=db_session)
    groups = bank_freshness.freshness(
        entries, today=date.today(), default_review_days=settings.default_review_days
    )
    return render(
        request,
        "bank/freshness.html",
        {
            "groups": groups,
            "horizon": bank_freshness.FRESHNESS_HORIZON_DAYS,
            "never_reviewed": bank_freshness.never_reviewed(entries),
            "default_review_days": settings.default_review_days,
        },
        user=user,
    )


@router.get("/bank/conflicts", name="bank_conflicts")
def conflicts_page(request: Request, user: UserCanReadBank, db_session: SessionDep) -> HTMLResponse:
    pairs = bank_conflicts.close_pairs(bank_entries.live_entries(db_session=db_session))
    profile = bank_service.profile(db_session=db_session)
    rendered = {
        e.id: bank_variables.preview(e, profile)[0] for p in pairs for e in (p.first, p.second)
    }
    return render(
        request,
        "bank/conflicts.html",
        {
            "conflicts": [p for p in pairs if p.conflicting],
            "duplicates": [p for p in pairs if not p.conflicting],
            "rendered": rendered,
        },
        user=user,
    )


def _profile_page(
    request: Request,
    user: WebUser,
    db_session: SessionDep,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    profile = bank_service.profile(db_session=db_session)
    return render(
        request,
        "bank/profile.html",
        {"variables": [(k, _as_text(v)) for k, v in sorted(profile.items())], "error": error},
        user=user,
        status_code=status_code,
    )


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(f"- {item}" for item in value)
    return "" if value is None else str(value)


def parse_variable(text: str) -> Any:
    """Read a variable's value as typed: text, a number, or a list written as '- item' lines."""
    stripped = text.strip()
    if not stripped:
        return ""
    if stripped.startswith("- ") or stripped.startswith("["):
        try:
            value = YAML(typ="safe", pure=True).load(stripped)
        except YAMLError as exc:
            raise BankError("a list is written one '- item' per line") from exc
        return value
    if stripped.isdigit():
        return int(stripped)
    return stripped


@router.get("/bank/profile", name="bank_profile")
def profile_page(request: Request, user: UserCanReadBank, db_session: SessionDep) -> HTMLResponse:
    return _profile_page(request, user, db_session)


@router.post("/bank/profile", name="bank_profile_save", dependencies=[Writes])
def save_variable(
    request: Request,
    user: UserCanWriteBank,
    db_session: SessionDep,
    name: Annotated[str, Form(max_length=64)],
    value: FormText = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    try:
        with db_session.begin_nested():
            if action == "delete":
                bank_variables.delete_variable(
                    db_session=db_session, name=name, actor=user.principal.ref
                )
            else:
                bank_variables.set_variable(
                    db_session=db_session,
                    name=name.strip(),
                    value=parse_variable(value),
                    actor=user.principal.ref,
                )
    except VouchError as exc:
        return _profile_page(request, user, db_session, error=str(exc), status_code=422)
    return RedirectResponse(request.url_for("bank_profile"), status_code=303)


@router.get("/bank/drafts", name="bank_drafts")
def drafts_page(
    request: Request, user: UserCanReadBank, db_session: SessionDep, q: str | None = None
) -> HTMLResponse:
    rows = bank_service.list_entries(
        db_session=db_session, status="draft", query=(q or "")[:200] or None
    )
    profile = bank_service.profile(db_session=db_session)
    shown = [(r, bank_variables.preview(bank_service.to_entry(r), profile)[0]) for r in rows]
    return render(request, "bank/drafts.html", {"drafts": shown, "q": q or ""}, user=user)


@router.post(
    "/bank/drafts/approve",
    name="bank_drafts_approve",
    dependencies=[Writes],
    # One field per draft ticked: a curator may approve thousands after reading them.
    form_limits={"max_files": 0, "max_fields": 20_000},
)
async def approve_drafts(
    request: Request, user: UserCanWriteBank, db_session: SessionDep
) -> Response:
    form = await request.form(max_files=0, max_fields=20_000)
    ids = [str(v)[:80] for v in form.getlist("ids")]
    await run_in_threadpool(
        bank_entries.approve_drafts,
        db_session=db_session,
        actor=user.principal.ref,
        entry_ids=ids,
        reason=str(form.get("reason", ""))[:500] or "approved after reading, from the drafts page",
    )
    return RedirectResponse(request.url_for("bank_drafts"), status_code=303)


# A folder of past questionnaires, not an archive: each one is parsed in its own child process.
MAX_HARVEST_FILES = 20


@router.get("/bank/harvest", name="bank_harvest")
def harvest_page(request: Request, user: UserCanWriteBank) -> HTMLResponse:
    return render(request, "bank/harvest.html", {"result": None, "error": None}, user=user)


@router.post("/bank/harvest", name="bank_harvest_upload", dependencies=[Writes])
async def harvest_upload(
    request: Request,
    user: UserCanWriteBank,
    db_session: SessionDep,
    settings: SettingsDep,
    file: Annotated[list[UploadFile], File()],
    owner: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
            if len(file) > MAX_HARVEST_FILES:
                raise VouchError(f"harvest at most {MAX_HARVEST_FILES} workbooks at once")
            files = []
            for upload in file:
                content = await upload.read()
                name = upload.filename or "questionnaire.xlsx"
                precheck(filename=name, content=content, settings=settings)
                files.append((name, content))
            label = ", ".join(name for name, _ in files)
            result = await run_in_threadpool(
                bank_harvest.harvest_files,
                db_session=db_session,
                files=files,
                owner=owner.strip() or None,
                settings=settings,
            )
            saved = await run_in_threadpool(
                bank_harvest.save_harvest,
                db_session=db_session,
                result=result,
                source_name=label,
                actor=user.principal.ref,
            )
    except VouchError as exc:
        return render(
            request,
            "bank/harvest.html",
            {"result": None, "error": str(exc)},
            user=user,
            status_code=422,
        )
    return render(
        request,
        "bank/harvest.html",
        {"result": result, "saved": saved, "error": None, "source": label},
        user=user,
    )


def _proposals_page(
    request: Request,
    user: WebUser,
    db_session: SessionDep,
    *,
    status: str = "pending",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "bank/proposals.html",
        {
            "proposals": bank_proposals.list_proposals(db_session=db_session, status=status),
            "status": status,
            "statuses": bank_proposals.PROPOSAL_STATUSES,
            "error": error,
        },
        user=user,
        status_code=status_code,
    )


@router.get("/bank/proposals", name="bank_proposals")
def proposals_page(
    request: Request, user: UserCanWriteBank, db_session: SessionDep, status: str | None = None
) -> HTMLResponse:
    chosen = status if status in bank_proposals.PROPOSAL_STATUSES else "pending"
    return _proposals_page(request, user, db_session, status=chosen)


def _proposal_refused(
    request: Request, user: WebUser, db_session: SessionDep, exc: VouchError
) -> HTMLResponse:
    if isinstance(exc, bank_proposals.ProposalNotFound):
        status_code = 404
    elif isinstance(exc, bank_proposals.ProposalRefused | bank_entries.StaleEdit):
        status_code = 409
    else:
        status_code = 422
    return _proposals_page(request, user, db_session, error=str(exc), status_code=status_code)


@router.post(
    "/bank/proposals/{proposal_id}/accept", name="bank_proposal_accept", dependencies=[Writes]
)
def accept_proposal(
    request: Request,
    proposal_id: RowId,
    user: UserCanWriteBank,
    db_session: SessionDep,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    try:
        with db_session.begin_nested():
            bank_proposals.accept_proposal(
                db_session=db_session,
                proposal_id=proposal_id,
                actor=user.principal.ref,
                expected_version=version,
            )
    except VouchError as exc:
        return _proposal_refused(request, user, db_session, exc)
    return RedirectResponse(request.url_for("bank_proposals"), status_code=303)


@router.post("/bank/proposals/{proposal_id}/keep", name="bank_proposal_keep", dependencies=[Writes])
def keep_proposal_entry(
    request: Request,
    proposal_id: RowId,
    user: UserCanWriteBank,
    db_session: SessionDep,
) -> Response:
    try:
        with db_session.begin_nested():
            bank_proposals.keep_entry(
                db_session=db_session, proposal_id=proposal_id, actor=user.principal.ref
            )
    except VouchError as exc:
        return _proposal_refused(request, user, db_session, exc)
    return RedirectResponse(request.url_for("bank_proposals"), status_code=303)


@router.post(
    "/bank/proposals/{proposal_id}/dismiss", name="bank_proposal_dismiss", dependencies=[Writes]
)
def dismiss_proposal(
    request: Request,
    proposal_id: RowId,
    user: UserCanWriteBank,
    db_session: SessionDep,
    reason: FormShort = "",
) -> Response:
    try:
        with db_session.begin_nested():
            bank_proposals.dismiss_proposal(
                db_session=db_session,
                proposal_id=proposal_id,
                actor=user.principal.ref,
                reason=reason,
            )
    except VouchError as exc:
        return _proposal_refused(request, user, db_session, exc)
    return RedirectResponse(request.url_for("bank_proposals"), status_code=303)


@router.get("/bank/export.{kind}", name="bank_export", dependencies=[Writes])
def export_bank(
    kind: str, user: UserCanReadBank, db_session: SessionDep, settings: SettingsDep
) -> Response:
    if kind not in ("csv", "xlsx"):
        raise BankError("export as .csv or .xlsx")
    content = bank_transfer.export_table(
        db_session=db_session,
        kind=kind,
        default_review_days=settings.default_review_days,
        actor=user.principal.ref,
    )
    return download(content, kind)
