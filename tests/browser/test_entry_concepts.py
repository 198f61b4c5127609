"""In a real browser: unlink an entry's concept, link it back, link another from the list."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server
from tests.browser.test_upload_flow import log_in

pytestmark = pytest.mark.browser


def test_link_and_unlink_concepts_on_the_entry_page(server: Server, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    log_in(page, server)
    url = f"{server.url}/bank/entries/AST-AUP-01"
    page.goto(url)
    concepts = page.locator("#concepts ul")
    assert "(AST-AUP-01, by ref caiq: HRS-02.1)" in concepts.inner_text()

    own = concepts.locator("li", has_text="AST-AUP-01, by ref")
    with page.expect_navigation(url=url):
        own.locator("button", has_text="Unlink").click()
    # Its question still matches the concept: linked by wording only, with a way back.
    listed = concepts.inner_text()
    assert "(AST-AUP-01, by wording, score" in listed and "Linked by wording only" in listed
    with page.expect_navigation(url=url):
        concepts.locator("button", has_text="Link (add caiq: HRS-02.1 to the refs)").click()
    assert "(AST-AUP-01, by ref caiq: HRS-02.1)" in concepts.inner_text()

    page.select_option("#concepts select[name=concept]", "BCP-DR-01")
    with page.expect_navigation(url=url):
        page.click("#concepts button:text-is('Link')")
    listed = concepts.inner_text()
    assert "(BCP-DR-01, by ref caiq: BCR-09.1)" in listed and "(AST-AUP-01, by ref" in listed
    history = page.locator("table.grid").first.inner_text()
    assert (
        "linked to concept BCP-DR-01" in history and "unlinked from concept AST-AUP-01" in history
    )
