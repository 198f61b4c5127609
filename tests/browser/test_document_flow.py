"""In a real browser: upload a Word questionnaire, review it, sign off and download the signed .docx."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from app.core.document.reader import read_document
from tests.browser.conftest import Server
from tests.browser.test_review_flow import ROWS, log_in, reviewed
from tests.core.document_fixtures import questionnaire_docx

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_a_word_questionnaire_is_uploaded_reviewed_signed_and_downloaded(
    server: Server, browser_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    original = questionnaire_docx()
    source = tmp_path / "Vendor Addendum.docx"
    source.write_bytes(original)
    page = browser_page
    log_in(page, server)
    assert ".docx" in page.locator("#upload-form label").inner_text()

    page.set_input_files("input[type=file]", str(source))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/questionnaires/*", timeout=120_000)
    page.wait_for_selector(ROWS, timeout=120_000)
    total = page.locator(ROWS).count()
    assert total == 9
    assert "Table 2" in page.locator(ROWS).first.locator("td.where").inner_text()

    with page.expect_navigation():
        page.click("#accept-auto")
    page.goto(page.url.split("?")[0].split("#")[0] + "?status=pending")
    pending = page.locator(ROWS).count()
    if pending:
        page.locator(ROWS).first.click(position={"x": 5, "y": 5})
        for _ in range(pending):
            before = page.locator("#review-progress").inner_text()
            page.keyboard.press("r")
            expect(page.locator("#review-progress")).not_to_have_text(before)
    assert reviewed(page) == total

    page.goto(page.url.split("?")[0])
    with page.expect_navigation():
        page.click("#signoff")
    page.wait_for_selector("#download-signed")
    sha = page.locator("#signed-sha256").inner_text().strip()
    with page.expect_download() as info:
        page.click("#download-signed")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    signed = saved.read_bytes()

    assert info.value.suggested_filename.endswith("-signed-r1.docx")
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    assert hashlib.sha256(signed).hexdigest() == sha
    with (
        zipfile.ZipFile(io.BytesIO(original)) as before,
        zipfile.ZipFile(io.BytesIO(signed)) as after,
    ):
        changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
        assert before.namelist() == after.namelist()
    assert changed in ([], ["word/document.xml"])
    accepted = page.locator(f"{ROWS}.review-accepted").count()
    answered = [row for row in read_document(signed).rows if row.existing_answer]
    assert len(answered) == accepted
