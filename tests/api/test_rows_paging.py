"""Rows come a page at a time, and a questionnaire's rows are capped before any matching."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.services import accounts
from tests.api.test_questionnaires_api import XLSX, small_workbook
from tests.conftest import bearer
from tests.services.test_review import seed


def reviewer_with_questionnaire(
    database: Database, settings: Settings, make_key
) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    secret = make_key("reviewer")
    with database.session() as db_session:
        key = accounts.authenticate_api_key(db_session=db_session, secret=secret)
        assert key is not None
        principal = accounts.principal_for_key(key)
    return bearer(secret), seed(database, settings, principal)


def test_rows_come_in_pages_that_join_up_to_the_whole_list(  # type: ignore[no-untyped-def]
    client: TestClient, database: Database, settings: Settings, make_key
) -> None:
    headers, questionnaire_id = reviewer_with_questionnaire(database, settings, make_key)
    path = f"/api/v1/questionnaires/{questionnaire_id}/rows"
    whole = client.get(path, headers=headers).json()
    assert len(whole["items"]) == 5 and whole["next_cursor"] is None
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor is not None else {})
        page = client.get(path, params=params, headers=headers).json()
        assert len(page["items"]) <= 2 and page["progress"]["total"] == 5
        seen += [r["position"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [0, 1, 2, 3, 4] and pages == 3
    filtered = client.get(path, params={"band": "none", "limit": 1}, headers=headers).json()
    assert [r["band"] for r in filtered["items"]] == ["none"]
    for bad in ({"limit": 0}, {"limit": 100_000}, {"cursor": -1}, {"limit": "many"}):
        refused = client.get(path, params=bad, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert next(iter(bad)) in refused.json()["error"]["message"]


def test_a_workbook_over_the_row_cap_is_refused_before_matching(  # type: ignore[no-untyped-def]
    app, client: TestClient, make_key
) -> None:
    app.state.settings.max_rows_per_questionnaire = 2
    # Wait for the verdict even on a busy machine: the rejection is what is tested.
    app.state.settings.sync_wait_seconds = 60
    key = make_key("responder")
    response = client.post(
        "/api/v1/questionnaires",
        headers=bearer(key),
        files={"file": ("rows.xlsx", small_workbook(), XLSX)},
    )
    assert response.status_code == 422, response.text[:300]
    message = response.json()["error"]["message"]
    assert "3 question rows" in message and "at most 2" in message
    quote = client.post(
        "/api/v1/quote", headers=bearer(key), files={"file": ("rows.xlsx", small_workbook(), XLSX)}
    )
    assert quote.status_code == 422 and "at most 2" in quote.text
