"""What waits for a curator's decision: draft statements to approve, and harvest proposals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import RowId, SessionDep, Writes
from app.services import bank as bank_service
from app.services import bank_entries, bank_proposals, bank_variables
from app.web.auth import CsrfProtected, UserCanReadBank, UserCanWriteBank
from app.web.bank.forms import FormShort
from app.web.bank.pages import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


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


@router.get("/bank/proposals", name="bank_proposals")
def proposals_page(
    request: Request, user: UserCanWriteBank, db_session: SessionDep, status: str | None = None
) -> HTMLResponse:
    chosen = status if status in bank_proposals.PROPOSAL_STATUSES else "pending"
    return render(
        request,
        "bank/proposals.html",
        {
            "proposals": bank_proposals.list_proposals(db_session=db_session, status=chosen),
            "status": chosen,
            "statuses": bank_proposals.PROPOSAL_STATUSES,
            "error": None,
        },
        user=user,
    )


def _to_proposals(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url_for("bank_proposals"), status_code=303)


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
    bank_proposals.accept_proposal(
        db_session=db_session,
        proposal_id=proposal_id,
        actor=user.principal.ref,
        expected_version=version,
    )
    return _to_proposals(request)


@router.post("/bank/proposals/{proposal_id}/keep", name="bank_proposal_keep", dependencies=[Writes])
def keep_proposal_entry(
    request: Request, proposal_id: RowId, user: UserCanWriteBank, db_session: SessionDep
) -> Response:
    bank_proposals.keep_entry(
        db_session=db_session, proposal_id=proposal_id, actor=user.principal.ref
    )
    return _to_proposals(request)


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
    bank_proposals.dismiss_proposal(
        db_session=db_session,
        proposal_id=proposal_id,
        actor=user.principal.ref,
        reason=reason,
    )
    return _to_proposals(request)
