"""Refuse a form that repeats a field: two files in one upload would silently keep the last."""

from __future__ import annotations

from fastapi import HTTPException, Request

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


async def refuse_repeated_parts(request: Request) -> None:
    """Refuse a form that sends any field more than once, naming the field."""
    if not request.headers.get("content-type", "").startswith(_FORMS):
        return
    # FastAPI has parsed the form for the route's own parameters already; this reads its copy.
    form = await request.form()
    seen: set[str] = set()
    for name, _ in form.multi_items():
        if name in seen:
            what = "one file per upload" if name == "file" else "it once"
            raise HTTPException(422, f"{name[:64]}: sent more than once; send {what}")
        seen.add(name)
