"""Refusals are answered in one place: one status per kind, as JSON, a page, or text for a script."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.errors import BankError, UnreadableWorkbook, VouchError
from app.refusals import REFUSALS, refusal_for, refusal_message
from app.services import bank_entries, bank_proposals, review
from tests.web.test_bank_pages import curator, version_of
from tests.web.test_login import page_token
from tests.web.test_review_page import reviewing, row_ids  # noqa: F401 - a fixture


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        (bank_proposals.ProposalRefused("accepted already"), 409, "conflict"),
        (bank_proposals.ProposalNotFound("no such proposal"), 404, "not_found"),
        (bank_entries.EntryNotFound("no entry 'X'"), 404, "not_found"),
        (bank_entries.EntryExists("taken"), 409, "exists"),
        (review.ReviewForbidden("four eyes"), 403, "forbidden"),
        (review.ReviewConflict("signed"), 409, "conflict"),
        (review.RowNotFound(7), 404, "not_found"),
        (UnreadableWorkbook("not a workbook"), 422, "unreadable_workbook"),
        (BankError("bad"), 422, "invalid_bank"),
        (VouchError("bad"), 422, "invalid"),
    ],
)
def test_the_most_specific_kind_decides_the_status(
    refusal: Exception, status: int, code: str
) -> None:
    assert (refusal_for(refusal).status, refusal_for(refusal).code) == (status, code)


def test_a_fixed_message_hides_the_exceptions_own_words() -> None:
    assert refusal_message(review.RowNotFound("row 12 of q-secret")) == "no such row"
    assert refusal_message(review.ReviewConflict("already signed")) == "already signed"


def test_an_error_that_is_no_refusal_is_not_answered_as_one() -> None:
    assert RuntimeError not in REFUSALS
    with pytest.raises(LookupError):
        refusal_for(RuntimeError("boom"))


def test_the_app_answers_every_refusal_by_the_one_handler(app) -> None:  # type: ignore[no-untyped-def]
    handlers = {kind: app.exception_handlers[kind] for kind in REFUSALS}
    assert len(set(handlers.values())) == 1


def test_a_refused_row_is_text_for_the_script_a_page_for_the_browser_json_otherwise(
    client: TestClient,
    reviewing: str,  # noqa: F811 - the fixture
) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    first = row_ids(client.get(f"/questionnaires/{reviewing}").text)[0]
    url = f"/questionnaires/{reviewing}/rows/{first}"
    form = {"csrf_token": token, "action": "edit", "answer": "Perhaps"}
    fragment = client.post(url, data=form, headers={"X-Vouch-Fragment": "1"})
    assert fragment.status_code == 422
    assert fragment.headers["content-type"].startswith("text/plain")
    assert "not in this cell's list" in fragment.text
    page = client.post(url, data=form, headers={"Accept": "text/html"})
    assert page.status_code == 422 and "<html" in page.text.lower()
    assert "not in this cell" in page.text
    plain = client.post(url, data=form, headers={"Accept": "application/json"})
    assert plain.status_code == 422 and plain.json()["error"]["code"] == "invalid"
    missing = client.post(
        f"/questionnaires/{reviewing}/rows/999999",
        data={"csrf_token": token, "action": "accept"},
        headers={"X-Vouch-Fragment": "1"},
    )
    assert missing.status_code == 404 and missing.text == "no such row"


def test_a_refused_status_change_keeps_nothing_and_says_why(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    token = page_token(client, "/bank")
    before = version_of(client, "IAM-CUST-01")
    stale = client.post(
        "/bank/entries/IAM-CUST-01/status",
        data={"csrf_token": token, "version": "99", "to": "retired"},
        headers={"Accept": "text/html"},
    )
    assert stale.status_code == 409 and "<html" in stale.text.lower()
    assert version_of(client, "IAM-CUST-01") == before
    gone = client.post(
        "/bank/entries/NO-SUCH-ENTRY/status",
        data={"csrf_token": token, "version": "1", "to": "retired"},
    )
    assert gone.status_code == 404
