"""In a real browser: log in, upload the CAIQ template, see the proposed answers, download the filled file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import Server
from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

pytestmark = pytest.mark.browser


def log_in(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def test_a_wrong_password_shows_an_error_and_no_session(server: Server, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text() == "Wrong username or password."
    assert not [c for c in page.context.cookies() if c["name"] == "vouch_session"]


def test_upload_the_caiq_template_review_rows_and_download_the_filled_workbook(
    server: Server, browser_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    template = raw(CAIQ_V4_TEMPLATE)
    page = browser_page
    log_in(page, server)
    page.set_input_files("input[type=file]", str(template))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/questionnaires/*", timeout=120_000)
    # A large workbook may still be processing; the page refreshes until its rows are there.
    page.wait_for_selector("table.rows tbody tr", timeout=120_000)
    # The review page shows a page of 200 rows at a time; the CAIQ holds 261.
    assert page.locator("table.rows tbody tr").count() == 200
    assert "of 261 rows" in page.locator("#rows-shown").inner_text()
    assert page.locator("#fidelity.ok").count() == 1
    auto_rows = page.locator("table.rows tbody tr.row-auto").count()
    assert auto_rows > 0
    first_auto = page.locator("table.rows tbody tr.row-auto").first
    assert first_auto.locator("td.answer strong").inner_text() in ("Yes", "No", "NA", "N/A")
    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename.endswith("-filled-draft.xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    written = page.locator("table.rows tbody tr td.answer small.ok").count()
    page.click("#next-page")
    page.wait_for_selector("#previous-page")
    assert page.locator("table.rows tbody tr").count() == 61
    auto_rows += page.locator("table.rows tbody tr.row-auto").count()
    written += page.locator("table.rows tbody tr td.answer small.ok").count()
    assert 0 < written <= auto_rows
    filled = openpyxl.load_workbook(saved)
    original = openpyxl.load_workbook(template)
    changed = [
        (sheet.title, cell.coordinate)
        for sheet in filled.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value != original[sheet.title][cell.coordinate].value
    ]
    answers = [filled[title][ref].value for title, ref in changed if ref.startswith("C")]
    assert len(answers) == written
    assert set(answers) <= {"Yes", "No", "NA"}
    assert all(ref[0] in "CE" for _, ref in changed)
