"""Every way a detail template arrives goes through one check: refused by construct, capped in size."""

from __future__ import annotations

import io

import openpyxl
from fastapi.testclient import TestClient

from app.config import Settings
from app.core.detail_template import CELL_LIMIT
from app.db import Database
from app.services import accounts
from tests.conftest import bearer
from tests.refused_templates import REFUSED_TEMPLATES
from tests.services.test_review import seed
from tests.web.test_bank_pages import curator, edit_form
from tests.web.test_login import page_token

NEW = {
    "id": "X-TPL-1",
    "question": "Is every production console login protected by MFA?",
    "answer": "Yes",
    "tags": ["identity"],
}


def assert_refused(response, construct: str, entry_id: str = "X-TPL-1") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, (construct, response.status_code, response.text[:300])
    text = response.text.replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
    assert construct in text, (construct, text[:500])
    assert f"entry {entry_id}" in text


def test_the_api_refuses_each_construct_on_create_and_on_edit(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("curator"))
    for source, construct in REFUSED_TEMPLATES:
        created = client.post(
            "/api/v1/bank/entries", json={**NEW, "detail": source}, headers=headers
        )
        assert_refused(created, construct)
    assert client.get("/api/v1/entries/X-TPL-1", headers=headers).status_code == 404
    assert client.post("/api/v1/bank/entries", json=NEW, headers=headers).status_code == 201
    for source, construct in REFUSED_TEMPLATES:
        edited = client.patch(
            "/api/v1/bank/entries/X-TPL-1", json={"version": 1, "detail": source}, headers=headers
        )
        assert_refused(edited, construct)
    assert client.get("/api/v1/entries/X-TPL-1", headers=headers).json()["version"] == 1


def test_a_detail_rendering_past_a_cell_is_refused_when_saved(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("curator"))
    # 1,400 substitutions of a 25-character variable render 35,000 characters from 28,000.
    detail = "{{hosting_provider}}" * 1_400
    assert len(detail) < CELL_LIMIT
    created = client.post("/api/v1/bank/entries", json={**NEW, "detail": detail}, headers=headers)
    assert_refused(created, f"renders to more than {CELL_LIMIT} characters")
    # A variable that grows a saved detail past the limit is refused, naming the entry.
    fits = "{{ company }} " * 2_000
    assert (
        client.post(
            "/api/v1/bank/entries", json={**NEW, "detail": fits}, headers=headers
        ).status_code
        == 201
    )
    grown = client.put("/api/v1/bank/profile/company", json={"value": "x" * 20}, headers=headers)
    assert_refused(grown, "more than a cell holds")
    assert client.get("/api/v1/bank/profile", headers=headers).json()["company"] == "Example Co"


def test_profile_variables_are_bounded_in_size_and_shape(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("curator"))
    for value, fragment in [
        (["EU"] * 201, "at most 200 values"),
        (["x" * 20_000, "y" * 20_000], f"longer than {CELL_LIMIT}"),
    ]:
        response = client.put(
            "/api/v1/bank/profile/regions", json={"value": value}, headers=headers
        )
        assert response.status_code == 422 and fragment in response.text, response.text
    reserved = client.put("/api/v1/bank/profile/self", json={"value": "x"}, headers=headers)
    assert reserved.status_code == 422 and "reserved" in reserved.text


def test_the_web_forms_refuse_each_construct(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    token = page_token(client, "/bank/new")
    form = {
        "csrf_token": token,
        "entry_id": "X-TPL-1",
        "question": NEW["question"],
        "answer": "Yes",
        "tags": "identity",
    }
    for source, construct in REFUSED_TEMPLATES:
        assert_refused(client.post("/bank/new", data={**form, "detail": source}), construct)
    saved = client.post("/bank/new", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    for source, construct in REFUSED_TEMPLATES:
        edited = client.post(
            "/bank/entries/X-TPL-1/edit", data=edit_form(client, "X-TPL-1", detail=source)
        )
        assert_refused(edited, construct)
    many = "\n".join(f"- region {i}" for i in range(201))
    refused = client.post(
        "/bank/profile", data={"csrf_token": token, "name": "regions", "value": many}
    )
    assert refused.status_code == 422 and "at most 200 values" in refused.text


QUESTIONS = (
    "Is customer data in backups encrypted with per-tenant keys?",
    "Is the staff canteen run by a third-party caterer?",
    "Does the marketing team approve press releases before publication?",
    "How many days before expiry are TLS certificates renewed?",
    "Does payroll run on a separate accounting platform?",
    "Are laptops wiped remotely when reported stolen?",
)


def answered_workbook(details: list[str]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["ID", "Question", "Answer", "Comments"])
    for n, (question, detail) in enumerate(zip(QUESTIONS, details, strict=False), start=1):
        book.active.append([f"S-{n}", question, "Yes", detail])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_harvested_customer_text_is_kept_literal_never_run(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("curator"))
    details = [f"As written: {source}" for source, _ in REFUSED_TEMPLATES[: len(QUESTIONS)]]
    files = {"file": ("vendor.xlsx", answered_workbook(details))}
    response = client.post("/api/v1/bank/harvest", files=files, headers=headers)
    assert response.status_code == 201, response.text
    rendered = set()
    for entry_id in response.json()["saved"]:
        rendered.add(
            client.get(f"/api/v1/entries/{entry_id}", headers=headers).json()["rendered_detail"]
        )
    assert rendered == set(details)


def test_a_review_edit_keeps_the_reviewers_text_literal_in_its_draft(  # type: ignore[no-untyped-def]
    client: TestClient, database: Database, settings: Settings, make_key
) -> None:
    secret = make_key("reviewer")
    with database.session() as db_session:
        key = accounts.authenticate_api_key(db_session=db_session, secret=secret)
        assert key is not None
        principal = accounts.principal_for_key(key)
    questionnaire_id = seed(database, settings, principal)
    curator_headers = bearer(make_key("curator"))
    for source, _ in REFUSED_TEMPLATES:
        detail = f"Reviewer wrote {source}".strip()
        edited = client.post(
            f"/api/v1/questionnaires/{questionnaire_id}/rows/2",
            json={"action": "edit", "answer": "No", "detail": detail},
            headers=bearer(secret),
        )
        assert edited.status_code == 200, edited.text
        row = edited.json()["row"]
        assert row["detail"] == detail
        draft = client.get(f"/api/v1/entries/{row['entry_id']}", headers=curator_headers).json()
        assert draft["rendered_detail"] == detail
