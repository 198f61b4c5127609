"""Correcting detection by hand, and the mapping remembered for the next workbook of that template."""

from __future__ import annotations

import io
import re

import openpyxl
from fastapi.testclient import TestClient

from app.config import Settings
from tests.conftest import bearer
from tests.web.test_login import admin_password, log_in, page_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unlabelled_workbook(questions: list[str]) -> bytes:
    """A sheet whose header cells say nothing Vouch can recognise."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Vendor"
    sheet.append(["Acme vendor review"])
    sheet.append(["K", "L", "M", "N"])
    for number, question in enumerate(questions, start=1):
        sheet.append([str(number), question, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload_page(client: TestClient, content: bytes) -> str:
    token = page_token(client)
    response = client.post(
        "/questionnaires",
        data={"csrf_token": token},
        files={"file": ("vendor.xlsx", content, XLSX)},
    )
    assert response.status_code == 200, response.text
    match = re.search(r"/questionnaires/([0-9a-f]{32})", str(response.url))
    assert match
    return match.group(1)


def test_a_corrected_mapping_reads_the_rows_and_serves_the_next_workbook_of_that_template(
    client: TestClient, settings: Settings
) -> None:
    log_in(client, "admin", admin_password(settings))
    first = upload_page(
        client,
        unlabelled_workbook(
            [
                "Do you encrypt customer data at rest?",
                "Do you enforce multi-factor authentication for administrators?",
            ]
        ),
    )
    page = client.get(f"/questionnaires/{first}").text
    assert "Vouch is unsure where the questions are." in page
    form = client.get(f"/questionnaires/{first}/mapping")
    assert form.status_code == 200 and "Vendor" in form.text
    token = page_token(client, f"/questionnaires/{first}/mapping")
    response = client.post(
        f"/questionnaires/{first}/mapping",
        data={
            "csrf_token": token,
            "header_row_0": "2",
            "question_column_0": "B",
            "answer_columns_0": "C",
            "detail_column_0": "D",
            "id_column_0": "A",
        },
    )
    assert response.status_code == 200, response.text
    corrected = re.search(r"/questionnaires/([0-9a-f]{32})", str(response.url)).group(1)  # type: ignore[union-attr]
    assert corrected != first
    key = bearer(_key(client))
    body = client.get(f"/api/v1/questionnaires/{corrected}", headers=key).json()
    assert [r["question"] for r in body["rows"]][0] == "Do you encrypt customer data at rest?"
    assert body["detection"]["mapping_source"] == "given"

    another_customer = upload_page(
        client,
        unlabelled_workbook(
            [
                "Is customer data backed up daily?",
                "Do you run annual penetration tests?",
                "Is there an incident response plan?",
            ]
        ),
    )
    body = client.get(f"/api/v1/questionnaires/{another_customer}", headers=key).json()
    assert body["detection"]["mapping_source"] == "remembered"
    assert len(body["rows"]) == 3
    assert (
        "Read with the mapping remembered for this template."
        in client.get(f"/questionnaires/{another_customer}").text
    )


def test_a_mapping_with_a_bad_column_is_refused_with_the_field_named(
    client: TestClient, settings: Settings
) -> None:
    log_in(client, "admin", admin_password(settings))
    first = upload_page(client, unlabelled_workbook(["Do you encrypt data at rest?"]))
    token = page_token(client, f"/questionnaires/{first}/mapping")
    response = client.post(
        f"/questionnaires/{first}/mapping",
        data={
            "csrf_token": token,
            "header_row_0": "2",
            "question_column_0": "B!",
            "answer_columns_0": "C",
        },
    )
    assert response.status_code == 422
    assert "Vendor: question column: &#39;B!&#39; is not a column letter" in response.text
    response = client.post(
        f"/questionnaires/{first}/mapping",
        data={
            "csrf_token": "forged",
            "header_row_0": "2",
            "question_column_0": "B",
            "answer_columns_0": "C",
        },
    )
    assert response.status_code == 403


def test_the_api_remembers_a_mapping_sent_with_an_upload(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    import json

    key = bearer(make_key("responder"))
    mapping = json.dumps(
        [
            {
                "sheet": "Vendor",
                "header_row": 2,
                "question_column": "B",
                "answer_columns": ["C"],
                "id_column": "A",
            }
        ]
    )
    created = client.post(
        "/api/v1/questionnaires",
        headers=key,
        data={"mapping": mapping},
        files={"file": ("v.xlsx", unlabelled_workbook(["Do you encrypt data at rest?"]), XLSX)},
    )
    assert created.status_code in (201, 202), created.text
    again = client.post(
        "/api/v1/questionnaires",
        headers=key,
        files={
            "file": (
                "w.xlsx",
                unlabelled_workbook(["Do you log administrator access?", "Is MFA enforced?"]),
                XLSX,
            )
        },
    )
    body = client.get(f"/api/v1/questionnaires/{again.json()['id']}", headers=key).json()
    assert body["detection"]["mapping_source"] == "remembered"
    assert [r["row"] for r in body["rows"]] == [3, 4]


def _key(client: TestClient) -> str:
    from app.services import accounts

    database = client.app.state.database  # type: ignore[attr-defined]
    with database.session(write=True) as db_session:
        _, secret = accounts.create_api_key(
            db_session=db_session, name="reader", role="admin", actor="test"
        )
    return secret
