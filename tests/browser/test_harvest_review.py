"""In a real browser: harvest a completed CAIQ, then decide its updates side by side."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server
from tests.browser.test_upload_flow import log_in
from tests.sharedfiles import CAIQ_V4_WHITEPACT, raw

pytestmark = pytest.mark.browser


def test_harvest_a_completed_caiq_and_take_keep_or_dismiss_its_updates(
    server: Server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    completed = raw(CAIQ_V4_WHITEPACT)
    page = browser_page
    log_in(page, server)
    page.goto(f"{server.url}/bank/harvest")
    page.set_input_files("input[type=file]", str(completed))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("p.harvest-counts", timeout=120_000)
    counts = page.locator("p.harvest-counts").inner_text()
    assert "261 answered rows" in counts
    assert "96 drafts" in counts and "0 other wordings" in counts and "163 updates" in counts
    assert "2 repeated questions merged" in counts

    page.click("text=decide on them")
    page.wait_for_url("**/bank/proposals")
    updates = page.locator("tr.proposal-update")
    assert updates.count() == 163
    # The vendor's "No" on A&A-01.2 stands beside the entry's "Yes".
    row = page.locator("tr.proposal-update", has_text="(A&A-01.2)")
    assert row.locator("td.side-entry strong.answer").inner_text() == "Yes"
    assert row.locator("td.side-harvested strong.answer").inner_text() == "No"
    assert row.locator("text=answers differ").count() == 1
    entry_id = row.locator("td").first.locator("a").inner_text()
    row.locator("button", has_text="Take the harvested answer").click()
    page.wait_for_url("**/bank/proposals")
    assert page.locator("tr.proposal-update").count() == 162

    page.goto(f"{server.url}/bank/entries/{entry_id}")
    assert "answer harvested from CAIQv4.0.3_WhitePact_completed.xlsx" in page.content()

    page.goto(f"{server.url}/bank/proposals")
    page.locator("tr.proposal-update").first.locator("button", has_text="Keep the entry").click()
    page.wait_for_url("**/bank/proposals")
    page.locator("tr.proposal-update").first.locator("button", has_text="Dismiss").click()
    page.wait_for_url("**/bank/proposals")
    assert page.locator("tr.proposal-update").count() == 160
    page.goto(f"{server.url}/bank/proposals?status=kept")
    assert page.locator("tr.proposal-update").count() == 1
    page.goto(f"{server.url}/bank/proposals?status=accepted")
    assert page.locator("tr.proposal-update").count() == 1
