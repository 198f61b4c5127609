"""The curator API: versioned edits with 409 on stale versions, restore, approval, variables, export, harvest."""

from __future__ import annotations

import io

import openpyxl
from fastapi.testclient import TestClient

from tests.conftest import bearer

NEW = {
    "id": "IAM-MFA-99",
    "question": "Is MFA required for every production console login?",
    "answer": "Yes",
    "detail": "{{ company }} requires MFA on every console.",
    "tags": ["identity"],
    "reason": "new control",
}


def test_a_curator_creates_edits_and_sees_every_version(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator = bearer(make_key("curator"))
    created = client.post("/api/v1/bank/entries", json=NEW, headers=curator)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert created.json()["rendered_detail"] == "Example Co requires MFA on every console."
    edited = client.patch(
        "/api/v1/bank/entries/IAM-MFA-99",
        json={"version": 1, "answer": "No", "reason": "paused"},
        headers=curator,
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    versions = client.get("/api/v1/bank/entries/IAM-MFA-99/versions", headers=curator).json()
    assert [(v["version"], v["reason"]) for v in versions] == [(2, "paused"), (1, "new control")]
    assert versions[0]["changed_by"].startswith("key:")


def test_an_edit_against_an_old_version_gets_409_with_the_current_version(  # type: ignore[no-untyped-def]
    client: TestClient, make_key
) -> None:
    curator = bearer(make_key("curator"))
    client.post("/api/v1/bank/entries", json=NEW, headers=curator)
    client.patch(
        "/api/v1/bank/entries/IAM-MFA-99", json={"version": 1, "answer": "No"}, headers=curator
    )
    stale = client.patch(
        "/api/v1/bank/entries/IAM-MFA-99",
        json={"version": 1, "detail": "Mine wins."},
        headers=curator,
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"]["code"] == "stale_version"
    assert body["current"]["version"] == 2 and body["current"]["answer"] == "No"
    current = client.get("/api/v1/entries/IAM-MFA-99", headers=curator).json()
    assert current["detail"] != "Mine wins." and current["version"] == 2


def test_restore_approve_and_retire_are_versions_too(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator = bearer(make_key("curator"))
    client.post("/api/v1/bank/entries", json=NEW, headers=curator)
    client.patch(
        "/api/v1/bank/entries/IAM-MFA-99", json={"version": 1, "answer": "No"}, headers=curator
    )
    restored = client.post(
        "/api/v1/bank/entries/IAM-MFA-99/restore",
        json={"restore": 1, "version": 2},
        headers=curator,
    )
    assert restored.status_code == 200 and restored.json()["answer"] == "Yes"
    approved = client.post(
        "/api/v1/bank/entries/IAM-MFA-99/approve", json={"version": 3}, headers=curator
    )
    assert approved.json()["status"] == "approved" and approved.json()["reviewed"]
    retired = client.post(
        "/api/v1/bank/entries/IAM-MFA-99/retire", json={"version": 4}, headers=curator
    )
    assert retired.json()["status"] == "retired"
    search = client.get("/api/v1/bank/entries", params={"q": "production console"}, headers=curator)
    assert search.json()["total"] == 0


def test_roles_without_bank_write_cannot_edit(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    responder = bearer(make_key("responder"))
    refused = client.post("/api/v1/bank/entries", json=NEW, headers=responder)
    assert refused.status_code == 403
    assert client.get("/api/v1/bank/conflicts", headers=responder).status_code == 200


def test_bad_text_and_broken_templates_are_refused(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator = bearer(make_key("curator"))
    control = client.post(
        "/api/v1/bank/entries", json={**NEW, "answer": "Yes\x01"}, headers=curator
    )
    assert control.status_code == 422 and "control characters" in control.text
    unknown = client.post(
        "/api/v1/bank/entries", json={**NEW, "detail": "{{ nobody }}"}, headers=curator
    )
    assert unknown.status_code == 422 and "unknown variable" in unknown.text
    assert client.post("/api/v1/bank/entries", json=NEW, headers=curator).status_code == 201
    assert client.post("/api/v1/bank/entries", json=NEW, headers=curator).status_code == 409


def test_a_variable_change_that_breaks_a_detail_is_refused_naming_the_entry(  # type: ignore[no-untyped-def]
    client: TestClient, make_key
) -> None:
    curator = bearer(make_key("curator"))
    changed = client.put("/api/v1/bank/profile/company", json={"value": "Globex"}, headers=curator)
    assert changed.status_code == 200
    entry = client.get("/api/v1/entries/IAM-CUST-01", headers=curator).json()
    assert entry["rendered_detail"].startswith("Globex support staff")
    removed = client.delete("/api/v1/bank/profile/company", headers=curator)
    assert removed.status_code == 422
    assert "entry " in removed.json()["error"]["message"]
    assert client.get("/api/v1/bank/profile", headers=curator).json()["company"] == "Globex"


def test_bulk_approval_and_filters(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator = bearer(make_key("curator"))
    client.post("/api/v1/bank/entries", json=NEW, headers=curator)
    drafts = client.get("/api/v1/bank/entries", params={"status": "draft"}, headers=curator)
    assert drafts.json()["total"] == 1
    approved = client.post("/api/v1/bank/approve-drafts", json={"all": True}, headers=curator)
    assert approved.json()["approved"] == ["IAM-MFA-99"]
    tagged = client.get(
        "/api/v1/bank/entries", params={"tag": "identity", "limit": 500}, headers=curator
    ).json()
    assert tagged["total"] > 5 and all("identity" in e["tags"] for e in tagged["items"])


def test_the_bank_exports_as_xlsx_and_csv(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    viewer = bearer(make_key("viewer"))
    xlsx = client.get("/api/v1/bank/export", params={"format": "xlsx"}, headers=viewer)
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row > 300
    csv_text = client.get("/api/v1/bank/export", params={"format": "csv"}, headers=viewer)
    assert csv_text.content.decode("utf-8-sig").startswith("id,question")


def test_freshness_and_conflicts_report_on_the_loaded_bank(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    viewer = bearer(make_key("viewer"))
    assert client.get("/api/v1/bank/freshness", headers=viewer).status_code == 200
    pairs = client.get("/api/v1/bank/conflicts", headers=viewer).json()
    assert all(p["score"] >= 0.6 for p in pairs)
    assert all(p["conflicting"] == (p["first_answer"] != p["second_answer"]) for p in pairs)


def test_a_harvest_through_the_api_queues_its_alternates_for_review(  # type: ignore[no-untyped-def]
    client: TestClient, make_key
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["ID", "Question", "Answer"])
    book.active.append(["S-1", "Do you require MFA for all administrator accounts?", "Yes"])
    buffer = io.BytesIO()
    book.save(buffer)
    curator = bearer(make_key("curator"))
    files = {"file": ("vendor.xlsx", buffer.getvalue())}
    first = client.post("/api/v1/bank/harvest", files=files, headers=curator)
    assert first.status_code == 201, first.text
    assert first.json()["queued_proposals"] == 1
    assert [a["entry_id"] for a in first.json()["alternates"]] == ["IAM-MFA-01"]
    again = client.post("/api/v1/bank/harvest", files=files, headers=curator)
    assert again.status_code == 201 and again.json()["queued_proposals"] == 0


def test_an_entry_shows_the_concepts_it_is_linked_to_and_how(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator = bearer(make_key("curator"))
    cited = client.get("/api/v1/entries/AST-AUP-01", headers=curator).json()
    assert {
        "concept_id": "AST-AUP-01",
        "question": "Do you have an acceptable use policy for company devices and systems?",
        "by": "ref",
        "how": "by ref caiq: HRS-02.1",
        "refs": ["caiq: HRS-02.1"],
        "score": None,
    } in cited["concepts"]
    # Without any ref, a question worded like a concept is linked to it by wording.
    worded = {**NEW, "id": "BCP-OWN-01", "question": "Do you have a disaster recovery plan?"}
    assert client.post("/api/v1/bank/entries", json=worded, headers=curator).status_code == 201
    linked = client.get("/api/v1/entries/BCP-OWN-01", headers=curator).json()["concepts"]
    assert [(c["concept_id"], c["by"], c["refs"]) for c in linked] == [
        ("BCP-DR-01", "wording", ["caiq: BCR-09.1"])
    ]
    assert linked[0]["how"] == f"by wording, score {linked[0]['score']:.2f}"
