"""The bank's upkeep pages: what is stale or due for review, and statements that clash or repeat."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.deps import SessionDep, SettingsDep
from app.services import bank as bank_service
from app.services import bank_conflicts, bank_entries, bank_freshness, bank_variables
from app.web.auth import CsrfProtected, UserCanReadBank
from app.web.bank.pages import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


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
