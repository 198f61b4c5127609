"""The bank in and out by hand: harvesting past questionnaires, exporting the bank as a table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from app.core.errors import BankError, VouchError
from app.deps import SessionDep, SettingsDep, Writes
from app.downloads import download
from app.services import bank_harvest, bank_transfer
from app.services.questionnaires import precheck
from app.web.auth import CsrfProtected, UserCanReadBank, UserCanWriteBank
from app.web.bank.forms import FormShort
from app.web.bank.pages import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
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
        # Refused on the harvest page, where the curator picks the files again.
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
