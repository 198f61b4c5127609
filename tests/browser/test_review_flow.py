"""In a real browser: upload the CAIQ template, review every row, sign off and check the signed file."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import time
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import Server
from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

ROWS = "table.review tbody tr[data-row-id]"


def log_in(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def reviewed(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("#review-progress").inner_text().split(" of ")[0])


def cell_of(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Return (sheet, answer cell) from a row's first column: 'Sheet · 12' over 'C12 · ID'."""
    where = row.locator("td.where")
    sheet = where.inner_text().split(" · ")[0].strip()
    answer_cell = where.locator("small").inner_text().split(" · ")[0].strip()
    return sheet, answer_cell


def test_review_the_caiq_template_from_upload_to_the_signed_workbook(
    server: Server, browser_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    template = raw(CAIQ_V4_TEMPLATE)
    page = browser_page
    log_in(page, server)

    page.set_input_files("input[type=file]", str(template))
    page.click("#upload-form button[type=submit]")
    assert page.locator("#upload-status").is_visible(), "the upload shows its progress"
    page.wait_for_url("**/questionnaires/*", timeout=120_000)
    page.wait_for_selector(ROWS, timeout=120_000)
    total = int(page.locator("#review-progress").inner_text().split(" of ")[1].split()[0])
    assert total == 261
    assert page.locator(ROWS).count() == 200, "the page shows a page of rows at a time"
    assert page.locator("#next-page").is_visible()
    assert page.locator("#review-progress").inner_text() == f"0 of {total} reviewed"
    assert page.locator("#signoff").is_disabled()
    page.goto(page.url.split("?")[0].split("#")[0] + "?band=auto")
    auto = page.locator(f"{ROWS}.row-auto").count()
    assert 0 < auto < 200, "every auto row is on this one page"
    page.goto(page.url.split("?")[0])

    with page.expect_navigation():
        page.click("#accept-auto")
    accepted = reviewed(page)
    assert 0 < accepted <= auto, (
        "auto rows whose answer is not in the cell's list wait for a person"
    )
    page.goto(page.url.split("?")[0].split("#")[0] + "?status=accepted")
    assert page.locator(f"{ROWS}.review-accepted").count() == min(accepted, 200)
    page.goto(page.url.split("?")[0])

    # Edit one row through the dialog: the short answer is limited to the cell's dropdown.
    edit_row = page.locator(f"{ROWS}.review-pending").first
    edit_id = edit_row.get_attribute("id")
    edit_cell = cell_of(edit_row)
    edit_row.locator("button[data-dialog=edit]").click()
    dialog = page.locator("#edit-dialog")
    assert dialog.locator("select.answer-choice").is_visible()
    options = dialog.locator("select.answer-choice option").all_inner_texts()
    assert "No" in options and "Yes" in options
    dialog.locator("select.answer-choice").select_option("No")
    dialog.locator("textarea[name=detail]").fill("Reviewed by hand: not offered for this product.")
    dialog.locator("#edit-save").click()
    page.wait_for_selector(f"#{edit_id}.review-edited")
    assert reviewed(page) == accepted + 1

    # Pick a runner-up on another row in one click.
    runner_up = (
        page.locator(f"{ROWS}.review-pending button.alt")
        .filter(has=page.locator(".alt-answer", has_text=re.compile(r"^(Yes|No|NA)$")))
        .first
    )
    chosen_row = runner_up.locator("xpath=ancestor::tr")
    chosen_id = chosen_row.get_attribute("id")
    chosen_cell = cell_of(chosen_row)
    runner_up_entry = runner_up.get_attribute("value")
    runner_up_answer = runner_up.locator(".alt-answer").inner_text().strip()
    runner_up.click()
    page.wait_for_selector(f"#{chosen_id}.review-chosen")
    assert page.locator(f"#{chosen_id} td.match a").first.inner_text() == runner_up_entry

    # Flag one for an expert, assigned to the admin.
    flag_row = page.locator(f"{ROWS}.review-pending").first
    flag_id = flag_row.get_attribute("id")
    flag_cell = cell_of(flag_row)
    flag_row.locator("button[data-dialog=flag]").click()
    page.fill("#flag-dialog textarea[name=comment]", "Ask the platform team about key rotation.")
    page.select_option("#flag-dialog select[name=assignee]", "admin")
    page.click("#flag-save")
    page.wait_for_selector(f"#{flag_id}.review-flagged")
    assert "admin" in page.locator(f"#{flag_id} .flag-note").inner_text()
    assert page.locator("#signoff").is_disabled(), "a flagged row still needs a decision"
    if os.environ.get("VOUCH_REVIEW_SCREENSHOT"):
        # The picture in the README: a review under way, with every kind of decision on screen.
        page.locator("h1").scroll_into_view_if_needed()
        page.screenshot(path=os.environ["VOUCH_REVIEW_SCREENSHOT"])

    # The expert says leave it blank; the rest are rejected from the keyboard (r, then next).
    page.locator(f"#{flag_id} button.reject").click()
    page.wait_for_selector(f"#{flag_id}.review-rejected")
    pending, started = 0, time.monotonic()
    while reviewed(page) < total:  # a page of pending rows at a time
        page.goto(page.url.split("?")[0].split("#")[0] + "?status=pending")
        on_page = page.locator(ROWS).count()
        page.locator(ROWS).first.click(position={"x": 5, "y": 5})
        for _ in range(on_page):
            before = page.locator("#review-progress").inner_text()
            page.keyboard.press("r")
            expect(page.locator("#review-progress")).not_to_have_text(before)
        pending += on_page
    per_action = (time.monotonic() - started) / max(pending, 1)
    assert reviewed(page) == total
    assert per_action < 1.0, f"each keyboard action took {per_action:.2f}s"
    assert page.locator("#signoff").is_enabled()

    page.goto(page.url.split("?")[0])
    with page.expect_navigation():
        page.click("#signoff")
    page.wait_for_selector("#download-signed")
    sha = page.locator("#signed-sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)

    downloads = []
    for _ in range(2):
        with page.expect_download() as info:
            page.click("#download-signed")
        saved = tmp_path / f"{len(downloads)}-{info.value.suggested_filename}"
        info.value.save_as(saved)
        downloads.append(saved.read_bytes())
    assert info.value.suggested_filename.endswith("-signed-r1.xlsx")
    assert downloads[0] == downloads[1]
    assert hashlib.sha256(downloads[0]).hexdigest() == sha

    signed = openpyxl.load_workbook(saved)
    original = openpyxl.load_workbook(template)
    assert signed[edit_cell[0]][edit_cell[1]].value == "No"
    assert signed[chosen_cell[0]][chosen_cell[1]].value == runner_up_answer
    assert signed[flag_cell[0]][flag_cell[1]].value == original[flag_cell[0]][flag_cell[1]].value
    changed = [
        (sheet.title, cell.coordinate)
        for sheet in signed.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value != original[sheet.title][cell.coordinate].value
    ]
    answers = {signed[t][ref].value for t, ref in changed if ref.startswith("C")}
    assert answers <= {"Yes", "No", "NA"}
    written_here = page.locator("table.review tbody td.answer small.ok").count()
    answered = page.locator(
        "table.review tbody tr.review-accepted, table.review tbody tr.review-chosen,"
        " table.review tbody tr.review-edited"
    )
    notes = answered.locator("td.answer small.warning").all_inner_texts()
    assert not notes and written_here == answered.count(), notes

    with page.expect_download() as info:
        page.click("#download-log-csv")
    log = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    # Every page's decisions, from the sealed log: each answer given was written.
    given = [line for line in log[1:] if line[4] in ("accepted", "chosen", "edited")]
    written = sum(1 for line in given if line[14] == "yes")
    assert written == len(given)
    assert sum(1 for _, ref in changed if ref.startswith("C")) == written >= accepted
    assert all(ref[0] in "CE" for _, ref in changed), "only answer cells changed"
    assert len(log) == total + 1
    edited = next(line for line in log if line[4] == "edited")
    assert (edited[5], edited[6]) == ("No", "Reviewed by hand: not offered for this product.")
    assert edited[7].startswith("DRAFT-") and edited[9] == "admin"


def test_a_decision_on_a_row_decided_in_another_tab_says_what_it_is_now(
    server: Server, browser_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_review import small_questionnaire

    workbook = tmp_path / "acme.xlsx"
    workbook.write_bytes(small_questionnaire())
    page = browser_page
    log_in(page, server)
    page.set_input_files("input[type=file]", str(workbook))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/questionnaires/*", timeout=120_000)
    page.wait_for_selector(ROWS, timeout=120_000)
    row = page.locator(f"{ROWS} button.reject").first.locator("xpath=ancestor::tr")
    row_id = row.get_attribute("id")

    # The same reviewer, in another tab, accepts the row first.
    other = page.context.new_page()
    other.goto(page.url)
    other.locator(f"#{row_id} button.accept").click()
    other.wait_for_selector(f"#{row_id}.review-accepted")

    page.locator(f"#{row_id} button.reject").click()
    message = page.locator("#review-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("it is now accepted")
    page.reload()
    expect(page.locator(f"#{row_id}")).to_have_class(re.compile("review-accepted"))
