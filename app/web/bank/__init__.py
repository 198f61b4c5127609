"""The curator's pages, one module per subject, assembled into one router."""

from __future__ import annotations

from fastapi import APIRouter

from app.web.bank import drafts, entries, profile, transfer, upkeep

# Each part declares the pages' CSRF check on its own router, where the route walk sees it.
router = APIRouter()
for part in (entries, upkeep, profile, drafts, transfer):
    router.include_router(part.router)
