"""Word and CSV questionnaires go everywhere a workbook goes: upload, quote, review, sign-off, harvest."""

from __future__ import annotations

import csv
import hashlib
import io
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from app.core.document.reader import read_document
from tests.conftest import bearer
from tests.core.document_fixtures import (
    cell,
    header_row,
    package,
    questionnaire_docx,
    row,
    run,
    table,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def portal_csv() -> bytes:
    return (
        b"ID,Question,Answer,Comments\r\n"
        b'1,"Do you enforce multi-factor authentication for all remote and privileged access?",,\r\n'
        b"2,Is customer data encrypted at rest?,,\r\n"
        b"3,What colour is the office carpet?,,\r\n"
    )


def upload(client: TestClient, key: str, content: bytes, name: str):  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/questionnaires",
        headers=bearer(key),
        files={"file": (name, content, "application/octet-stream")},
    )
    assert response.status_code in (201, 202), response.text
    deadline = time.monotonic() + 90
    while True:
        body = client.get(f"/api/v1/questionnaires/{response.json()['id']}", headers=bearer(key))
        if body.json()["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return body.json()
        time.sleep(0.3)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_word_questionnaire_is_read_filled_and_downloaded_as_docx(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    original = questionnaire_docx()
    body = upload(client, key, original, "Vendor Addendum.docx")

    assert body["status"] == "needs_review"
    assert len(body["rows"]) == 9
    assert body["rows"][0]["sheet"] == "Table 2" and body["rows"][0]["answer_cell"] == "C3"
    assert body["summary"]["written"] > 0
    assert body["fidelity"]["ok"] is True
    download = client.get(f"/api/v1/questionnaires/{body['id']}/workbook", headers=bearer(key))
    assert download.status_code == 200
    assert download.headers["content-type"] == DOCX
    assert "-filled-draft.docx" in download.headers["content-disposition"]
    before, after = parts(original), parts(download.content)
    assert [name for name in before if before[name] != after[name]] == ["word/document.xml"]
    written = {(r["sheet"], r["row"]) for r in body["rows"] if r["written"]}
    filled = {(r.sheet, r.row) for r in read_document(download.content).rows if r.existing_answer}
    assert filled == written


def test_a_csv_questionnaire_is_filled_and_comes_back_as_csv(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    body = upload(client, key, portal_csv(), "portal.csv")

    assert [r["row"] for r in body["rows"]] == [2, 3, 4]
    download = client.get(f"/api/v1/questionnaires/{body['id']}/workbook", headers=bearer(key))
    assert download.headers["content-type"].startswith("text/csv")
    assert "-filled-draft.csv" in download.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(download.content.decode())))
    for item in body["rows"]:
        assert bool(table[item["row"] - 1][2]) == item["written"]
    assert table[3] == ["3", "What colour is the office carpet?", "", ""]


def test_an_unsupported_file_is_refused_naming_the_formats(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "WordDocument".encode("utf-16-le")
    for name, content in (("old.doc", legacy), ("image.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)):
        response = client.post(
            "/api/v1/questionnaires", headers=bearer(key), files={"file": (name, content)}
        )
        assert response.status_code == 422, response.text
        message = response.json()["error"]["message"]
        assert ".docx" in message and ".csv" in message and ".xlsx" in message


def test_a_quote_counts_a_word_questionnaires_rows(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    response = client.post(
        "/api/v1/quote",
        headers=bearer(key),
        files={"file": ("addendum.docx", questionnaire_docx(), DOCX)},
    )
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["rows"] == 9
    assert quote["sheets"] == ["Table 2", "Table 3", "Table 4", "Table 6"]


@pytest.mark.parametrize("kind", ["docx", "csv"])
def test_a_word_or_csv_questionnaire_is_signed_off_and_its_bytes_are_kept(
    client: TestClient, make_key, kind: str
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("reviewer")
    content, name = (
        (questionnaire_docx(), "acme.docx") if kind == "docx" else (portal_csv(), "acme.csv")
    )
    body = upload(client, key, content, name)
    questionnaire_id = body["id"]
    rows = client.get(f"/api/v1/questionnaires/{questionnaire_id}/rows", headers=bearer(key)).json()
    for item in rows["items"]:
        url = f"/api/v1/questionnaires/{questionnaire_id}/rows/{item['position']}"
        response = client.post(url, json={"action": "accept"}, headers=bearer(key))
        if not item["answer"] or response.status_code == 422:  # not one of the cell's choices
            response = client.post(url, json={"action": "reject"}, headers=bearer(key))
        assert response.status_code == 200, response.text
    signed = client.post(f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=bearer(key))
    assert signed.status_code == 200, signed.text
    sha = signed.json()["sha256"]
    downloads = [
        client.get(f"/api/v1/questionnaires/{questionnaire_id}/signed", headers=bearer(key))
        for _ in range(2)
    ]
    assert downloads[0].content == downloads[1].content
    assert hashlib.sha256(downloads[0].content).hexdigest() == sha
    assert downloads[0].headers["x-content-sha256"] == sha
    assert f"acme-signed-r1.{kind}" in downloads[0].headers["content-disposition"]
    log = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/log?format=json", headers=bearer(key)
    )
    assert log.status_code == 200
    assert len(log.json()["items"]) == len(rows["items"])


def test_a_completed_word_questionnaire_is_harvested_into_drafts(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    body = table(
        header_row(),
        row(
            cell(run("V-1")),
            cell(run("Do you require hardware security keys for all developers?")),
            cell(run("Yes")),
            cell(run("Issued on the first day.")),
        ),
        row(cell(run("V-2")), cell(run("Is the office carpet blue?")), cell(), cell()),
        columns=4,
    )
    curator = bearer(make_key("curator"))
    response = client.post(
        "/api/v1/bank/harvest",
        files={"file": ("completed.docx", package(body), DOCX)},
        headers=curator,
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["counts"]["answered_rows"] == 1
    assert result["counts"]["unanswered_rows"] == 1
    assert len(result["saved"]) + len(result["alternates"]) == 1
    for entry_id in result["saved"]:
        entry = client.get(f"/api/v1/entries/{entry_id}", headers=curator).json()
        assert entry["answer"] == "Yes"
        assert "Issued on the first day." in str(entry)


def test_a_completed_csv_questionnaire_is_harvested(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    content = (
        b"ID;Question;Answer;Comments\nP-1;Do you shred paper records on site?;Yes;Cross-cut.\n"
    )
    curator = bearer(make_key("curator"))
    response = client.post(
        "/api/v1/bank/harvest", files={"file": ("done.csv", content)}, headers=curator
    )
    assert response.status_code == 201, response.text
    assert response.json()["counts"]["answered_rows"] == 1
