"""Uploading a questionnaire through the API, reading it back and downloading the filled workbook."""

from __future__ import annotations

import hashlib
import io

import openpyxl
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def small_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    sheet.append(
        [
            "1",
            "Do you enforce multi-factor authentication for all remote and privileged access?",
            None,
            None,
        ]
    )
    sheet.append(["2", "Is customer data encrypted at rest?", None, None])
    sheet.append(["3", "What colour is the office carpet?", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: TestClient, key: str, content: bytes, name: str = "customer.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/questionnaires", headers=bearer(key), files={"file": (name, content, XLSX)}
    )


def test_an_uploaded_workbook_comes_back_with_every_row_and_a_filled_file(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    response = upload(client, key, small_workbook())
    assert response.status_code in (200, 201, 202), response.text
    body = client.get(f"/api/v1/questionnaires/{response.json()['id']}", headers=bearer(key)).json()
    assert body["status"] in ("needs_review",)
    assert [r["row"] for r in body["rows"]] == [2, 3, 4]
    for row in body["rows"]:
        assert {
            "sheet",
            "row",
            "question",
            "entry_id",
            "score",
            "band",
            "answer_cell",
            "written",
        } <= set(row)
        assert 0 <= row["score"] <= 1 and row["band"] in ("auto", "suggest", "none")
    carpet = body["rows"][2]
    assert carpet["band"] == "none" and carpet["entry_id"] is None and carpet["written"] is False
    assert body["fidelity"]["ok"] is True
    download = client.get(f"/api/v1/questionnaires/{body['id']}/workbook", headers=bearer(key))
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert "-filled-draft.xlsx" in download.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))["Security"]
    for row in body["rows"]:
        value = sheet[row["answer_cell"]].value
        assert (value is not None) == row["written"]
    assert sheet["C4"].value is None


def test_the_caiq_template_is_read_matched_and_filled_through_the_api(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    content = raw(CAIQ_V4_TEMPLATE).read_bytes()
    key = make_key("responder")
    response = upload(client, key, content, "CAIQ.xlsx")
    assert response.status_code in (200, 201, 202), response.text
    body = client.get(f"/api/v1/questionnaires/{response.json()['id']}", headers=bearer(key)).json()
    assert body["summary"]["rows"] == 261 == len(body["rows"])
    assert body["summary"]["auto"] > 0 and body["summary"]["written"] > 0
    assert body["fidelity"]["ok"] is True
    written = [r for r in body["rows"] if r["written"]]
    assert all(r["band"] == "auto" and r["answer_cell"].startswith("C") for r in written)
    download = client.get(
        f"/api/v1/questionnaires/{body['id']}/workbook", headers=bearer(key)
    ).content
    assert hashlib.sha256(download).hexdigest() != hashlib.sha256(content).hexdigest()


def test_bad_uploads_get_a_plain_4xx(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    cases = {
        "empty": (b"", "empty"),
        "text": (b"hello, this is not a spreadsheet", "Word documents (.docx, .docm)"),
        "legacy": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "password"),
        "broken zip": (b"PK\x03\x04" + b"\0" * 100, ""),
    }
    for label, (content, fragment) in cases.items():
        response = upload(client, key, content)
        assert response.status_code == 422, (label, response.text)
        error = response.json()["error"]
        assert error["code"] == "unreadable_workbook"
        assert fragment in error["message"], (label, error)
        assert "Traceback" not in response.text


def test_a_questionnaire_of_another_key_is_not_found(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    owner, stranger, reviewer = make_key("responder"), make_key("responder"), make_key("reviewer")
    created = upload(client, owner, small_workbook()).json()
    assert (
        client.get(f"/api/v1/questionnaires/{created['id']}", headers=bearer(stranger)).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/questionnaires/{created['id']}/workbook", headers=bearer(stranger)
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/questionnaires/{created['id']}", headers=bearer(reviewer)).status_code
        == 200
    )
    listed = client.get("/api/v1/questionnaires", headers=bearer(stranger)).json()
    assert listed["items"] == []


def test_each_row_reports_the_section_it_sits_in(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Question", "Answer", "Comments"])
    sheet.append(["Business continuity"])
    sheet.append(["BC-1", "Are the plans tested every year?", None, None])
    sheet.append(["Incident response"])
    sheet.append(["IR-1", "Are the plans tested every year?", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    key = make_key("responder")
    created = upload(client, key, buffer.getvalue()).json()
    body = client.get(f"/api/v1/questionnaires/{created['id']}", headers=bearer(key)).json()
    assert [(r["control_id"], r["context"]) for r in body["rows"]] == [
        ("BC-1", "Business continuity"),
        ("IR-1", "Incident response"),
    ]
    rows = client.get(f"/api/v1/questionnaires/{created['id']}/rows", headers=bearer(key)).json()
    assert [r["context"] for r in rows["items"]] == ["Business continuity", "Incident response"]
