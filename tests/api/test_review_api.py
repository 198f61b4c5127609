"""Review and sign-off over the API: row actions, sign-off rules, the signed bytes and the log."""

from __future__ import annotations

import csv
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.models import BankEntry
from app.services import accounts
from app.services.accounts import Principal
from tests.conftest import bearer
from tests.services.test_review import seed


@dataclass(frozen=True)
class Caller:
    headers: dict[str, str]
    principal: Principal


@pytest.fixture
def caller(database: Database, make_key):  # type: ignore[no-untyped-def]
    """Make an API caller with a role, knowing its principal."""

    def make(role: str) -> Caller:
        secret = make_key(role)
        with database.session() as db_session:
            key = accounts.authenticate_api_key(db_session=db_session, secret=secret)
            assert key is not None
            return Caller(bearer(secret), accounts.principal_for_key(key))

    return make


@pytest.fixture
def setup(client: TestClient, database: Database, settings: Settings, caller):  # type: ignore[no-untyped-def]
    """A reviewer key that owns one seeded questionnaire."""
    reviewer = caller("reviewer")
    questionnaire_id = seed(database, settings, reviewer.principal)
    return reviewer, questionnaire_id


def rows_of(client: TestClient, reviewer: Caller, questionnaire_id: str) -> dict:  # type: ignore[type-arg]
    response = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/rows", headers=reviewer.headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def act(client: TestClient, reviewer: Caller, questionnaire_id: str, position: int, **body: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/rows/{position}",
        json=body,
        headers=reviewer.headers,
    )


def decide_all(client: TestClient, reviewer: Caller, questionnaire_id: str) -> None:
    for item in rows_of(client, reviewer, questionnaire_id)["items"]:
        action = "accept" if item["answer"] else "reject"
        assert (
            act(client, reviewer, questionnaire_id, item["position"], action=action).status_code
            == 200
        )


def test_rows_list_their_review_state_and_the_progress(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    listing = rows_of(client, reviewer, questionnaire_id)
    assert listing["progress"] == {
        "total": 5,
        "decided": 0,
        "flagged": 0,
        "pending": 5,
        "complete": False,
    }
    assert [r["position"] for r in listing["items"]] == [0, 1, 2, 3, 4]
    assert {r["review_status"] for r in listing["items"]} == {"pending"}
    assert listing["items"][0]["choices"] == ["Yes", "No", "NA"]
    none_band = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/rows",
        params={"band": "none"},
        headers=reviewer.headers,
    ).json()
    assert [r["band"] for r in none_band["items"]] == ["none"]


def test_every_action_works_by_row_position(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    items = rows_of(client, reviewer, questionnaire_id)["items"]
    accepted = act(client, reviewer, questionnaire_id, 0, action="accept").json()
    assert accepted["row"]["review_status"] == "accepted"
    assert accepted["row"]["reviewed_by"] == reviewer.principal.ref
    # Row 4 asks for an incident response plan: its runner-up (is the plan tested?) answers
    # "Yes, at least annually", which the Yes/No/NA list holds as "Yes".
    runner_up = items[4]["candidates"][1]["entry_id"]
    chosen = act(client, reviewer, questionnaire_id, 4, action="choose", entry_id=runner_up).json()
    assert (chosen["row"]["review_status"], chosen["row"]["entry_id"]) == ("chosen", runner_up)
    edited = act(
        client, reviewer, questionnaire_id, 2, action="edit", answer="No", detail="Not yet."
    ).json()
    assert edited["row"]["answer"] == "No" and edited["row"]["entry_id"].startswith("DRAFT-")
    flagged = act(
        client, reviewer, questionnaire_id, 3, action="flag", comment="ask legal", assignee="admin"
    ).json()
    assert (flagged["row"]["comment"], flagged["row"]["assignee"]) == ("ask legal", "admin")
    rejected = act(client, reviewer, questionnaire_id, 1, action="reject").json()
    assert rejected["row"]["review_status"] == "rejected"
    assert rejected["progress"] == {
        "total": 5,
        "decided": 4,
        "flagged": 1,
        "pending": 0,
        "complete": False,
    }


def test_bad_actions_get_clear_errors(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    unknown = act(client, reviewer, questionnaire_id, 0, action="approve")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid"
    outside = act(client, reviewer, questionnaire_id, 0, action="edit", answer="Perhaps")
    assert (
        outside.status_code == 422
        and "not in this cell's list" in outside.json()["error"]["message"]
    )
    missing_row = act(client, reviewer, questionnaire_id, 99, action="accept")
    assert missing_row.status_code == 404 and missing_row.json()["error"]["code"] == "not_found"
    missing = client.get("/api/v1/questionnaires/nope/rows", headers=reviewer.headers)
    assert missing.status_code == 404


def test_a_viewer_may_read_rows_but_not_decide_or_sign(client: TestClient, setup, caller) -> None:  # type: ignore[no-untyped-def]
    _, questionnaire_id = setup
    admin_view = caller("admin")
    assert rows_of(client, admin_view, questionnaire_id)["progress"]["total"] == 5
    viewer = caller("viewer")
    # A viewer does not see another owner's questionnaire at all.
    assert (
        client.get(
            f"/api/v1/questionnaires/{questionnaire_id}/rows", headers=viewer.headers
        ).status_code
        == 404
    )
    assert act(client, viewer, questionnaire_id, 0, action="accept").status_code == 403
    assert (
        client.post(
            f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=viewer.headers
        ).status_code
        == 403
    )


def test_signing_off_an_incomplete_questionnaire_is_a_conflict(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    act(client, reviewer, questionnaire_id, 0, action="accept")
    response = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    )
    assert response.status_code == 409
    assert "still need a decision" in response.json()["error"]["message"]
    early = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/signed", headers=reviewer.headers
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "conflict"


def test_four_eyes_refuses_the_uploader_and_lets_another_reviewer_sign(
    client: TestClient,
    app,
    setup,
    caller,  # type: ignore[no-untyped-def]
) -> None:
    reviewer, questionnaire_id = setup
    decide_all(client, reviewer, questionnaire_id)
    app.state.settings = app.state.settings.model_copy(update={"four_eyes": True})
    own = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    )
    assert own.status_code == 403 and "four-eyes" in own.json()["error"]["message"]
    other = caller("reviewer")
    signed = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=other.headers
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["signed_by"] == other.principal.ref


def test_the_signed_workbook_is_the_same_bytes_on_every_download(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    act(client, reviewer, questionnaire_id, 0, action="edit", answer="No", detail="Admins only.")
    decide_all_rest = rows_of(client, reviewer, questionnaire_id)["items"][1:]
    for item in decide_all_rest:
        act(
            client,
            reviewer,
            questionnaire_id,
            item["position"],
            action="accept" if item["answer"] else "reject",
        )
    signed = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    )
    assert signed.status_code == 200, signed.text
    sha = signed.json()["sha256"]
    downloads = [
        client.get(f"/api/v1/questionnaires/{questionnaire_id}/signed", headers=reviewer.headers)
        for _ in range(3)
    ]
    assert all(d.status_code == 200 for d in downloads)
    assert len({d.content for d in downloads}) == 1
    assert hashlib.sha256(downloads[0].content).hexdigest() == sha
    assert downloads[0].headers["x-content-sha256"] == sha
    assert "acme-signed-r1.xlsx" in downloads[0].headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(downloads[0].content))["Security"]
    assert (sheet["C2"].value, sheet["D2"].value) == ("No", "Admins only.")
    again = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    )
    assert again.status_code == 409
    frozen = act(client, reviewer, questionnaire_id, 0, action="reject")
    assert frozen.status_code == 409


def test_reopening_starts_a_new_revision(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    decide_all(client, reviewer, questionnaire_id)
    first = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    ).json()
    reopened = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/reopen", headers=reviewer.headers
    )
    assert reopened.status_code == 200
    assert (reopened.json()["revision"], reopened.json()["status"]) == (2, "needs_review")
    assert (
        client.get(
            f"/api/v1/questionnaires/{questionnaire_id}/signed", headers=reviewer.headers
        ).status_code
        == 409
    )
    act(client, reviewer, questionnaire_id, 0, action="reject")
    second = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    ).json()
    assert second["revision"] == 2 and second["sha256"] != first["sha256"]


def test_accept_auto_accepts_the_auto_band(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    autos = [r for r in rows_of(client, reviewer, questionnaire_id)["items"] if r["band"] == "auto"]
    response = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/accept-auto", headers=reviewer.headers
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == len(autos)
    assert response.json()["progress"]["decided"] == len(autos)


def test_the_log_comes_as_json_csv_and_xlsx_with_formulas_quoted(client: TestClient, setup) -> None:  # type: ignore[no-untyped-def]
    reviewer, questionnaire_id = setup
    act(client, reviewer, questionnaire_id, 0, action="accept")
    act(client, reviewer, questionnaire_id, 3, action="flag", comment="@SUM(A1:A2)")
    base = f"/api/v1/questionnaires/{questionnaire_id}/log"
    log = client.get(base, headers=reviewer.headers).json()["items"]
    assert log[0]["decision"] == "accepted" and log[0]["entry_version"] >= 1
    assert log[0]["reviewed_by"].startswith("API key")
    as_csv = client.get(base, params={"format": "csv"}, headers=reviewer.headers)
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0][5] == "Answer given" and table[4][11] == "'@SUM(A1:A2)"
    as_xlsx = client.get(base, params={"format": "xlsx"}, headers=reviewer.headers)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and sheet["L5"].value == "'@SUM(A1:A2)"
    assert client.get(base, params={"format": "pdf"}, headers=reviewer.headers).status_code == 422


def test_the_openapi_schema_documents_the_review_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    action = schema["paths"]["/api/v1/questionnaires/{questionnaire_id}/rows/{position}"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(action["responses"])
    position = next(p for p in action["parameters"] if p["name"] == "position")
    assert "0-based" in position["description"]
    for path in ("signoff", "signed", "log", "rows"):
        assert f"/api/v1/questionnaires/{{questionnaire_id}}/{path}" in schema["paths"]


def test_curators_see_which_questionnaires_used_an_entry_and_which_version(
    client: TestClient,
    setup,
    caller,  # type: ignore[no-untyped-def]
) -> None:
    reviewer, questionnaire_id = setup
    accepted = act(client, reviewer, questionnaire_id, 0, action="accept").json()["row"]
    curator = caller("curator")
    usage = client.get(f"/api/v1/entries/{accepted['entry_id']}/usage", headers=curator.headers)
    assert usage.status_code == 200
    assert [(u["questionnaire_id"], u["position"], u["entry_version"]) for u in usage.json()] == [
        (questionnaire_id, 0, accepted["entry_version"])
    ]
    viewer = caller("viewer")
    assert (
        client.get(
            f"/api/v1/entries/{accepted['entry_id']}/usage", headers=viewer.headers
        ).status_code
        == 403
    )


def test_a_prefilled_row_is_shown_kept_or_replaced_and_the_signed_file_matches_the_log(
    client: TestClient, database: Database, settings: Settings, caller
) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_signoff import prefilled_questionnaire

    reviewer = caller("reviewer")
    questionnaire_id = seed(database, settings, reviewer.principal, prefilled_questionnaire())
    items = rows_of(client, reviewer, questionnaire_id)["items"]
    assert [item["existing_answer"] for item in items] == ["Yes", "No", None, None, None]
    refused = act(client, reviewer, questionnaire_id, 0, action="reject")
    assert refused.status_code == 422 and "already says 'Yes'" in refused.text
    assert act(client, reviewer, questionnaire_id, 0, action="edit", answer="No").status_code == 200
    kept = act(client, reviewer, questionnaire_id, 1, action="keep")
    assert kept.status_code == 200 and kept.json()["row"]["review_status"] == "kept"
    for position in (2, 3, 4):
        assert (
            act(client, reviewer, questionnaire_id, position, action="edit", answer="Yes")
        ).status_code == 200

    signed = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=reviewer.headers
    )

    assert signed.status_code == 200, signed.text
    assert [(n["row"], n["reason"][:13]) for n in signed.json()["not_written"]] == [
        (6, "not written: ")
    ]
    log = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/log", headers=reviewer.headers
    ).json()["items"]
    content = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/signed", headers=reviewer.headers
    ).content
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Security"]
    for entry in log:
        cell = sheet[f"C{entry['row']}"].value
        if entry["written"]:
            assert cell == entry["answer"], entry
        elif entry["decision"] == "kept":
            assert cell == entry["customer_answer"] == entry["answer"], entry
        else:
            assert entry["write_note"].startswith("not written: ") and cell is None, entry
    assert [e["written"] for e in log] == [True, False, True, True, False]
    after = rows_of(client, reviewer, questionnaire_id)["items"]
    assert after[4]["write_note"] == log[4]["write_note"]


PARALLEL = 10


def test_ten_parallel_decisions_on_one_version_give_one_200_and_nine_409s(
    client: TestClient, setup: tuple[Caller, str]
) -> None:
    reviewer, questionnaire_id = setup
    seen = rows_of(client, reviewer, questionnaire_id)["items"][0]
    assert seen["version"] == 1

    def decide(_: int) -> Any:
        return act(client, reviewer, questionnaire_id, 0, action="reject", version=seen["version"])

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(decide, range(PARALLEL)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (PARALLEL - 1), [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()["row"]
    assert winner["version"] == seen["version"] + 1
    for refused in (r for r in responses if r.status_code == 409):
        error = refused.json()["error"]
        assert error["code"] == "stale"
        assert error["row"] == winner, "the refusal carries the row as GET lists it now"
    assert rows_of(client, reviewer, questionnaire_id)["items"][0]["version"] == winner["version"]


def test_a_stale_decision_changes_nothing_and_names_the_current_decision(
    client: TestClient, setup: tuple[Caller, str]
) -> None:
    reviewer, questionnaire_id = setup
    first = act(client, reviewer, questionnaire_id, 0, action="accept", version=1)
    assert first.status_code == 200, first.text
    late = act(client, reviewer, questionnaire_id, 0, action="reject", version=1)
    assert late.status_code == 409
    error = late.json()["error"]
    assert "it is now accepted" in error["message"]
    assert error["row"]["review_status"] == "accepted"
    assert rows_of(client, reviewer, questionnaire_id)["items"][0]["review_status"] == "accepted"
    again = act(client, reviewer, questionnaire_id, 0, action="reject", version=2)
    assert again.status_code == 200 and again.json()["row"]["version"] == 3


def test_a_decision_without_a_version_still_works_for_older_clients(
    client: TestClient, setup: tuple[Caller, str]
) -> None:
    reviewer, questionnaire_id = setup
    assert act(client, reviewer, questionnaire_id, 0, action="accept").status_code == 200
    response = act(client, reviewer, questionnaire_id, 0, action="reject")
    assert response.status_code == 200 and response.json()["row"]["version"] == 3


def test_accepting_in_bulk_makes_new_versions_too(
    client: TestClient, setup: tuple[Caller, str]
) -> None:
    reviewer, questionnaire_id = setup
    before = {i["position"]: i for i in rows_of(client, reviewer, questionnaire_id)["items"]}
    accepted = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/accept-auto", headers=reviewer.headers
    )
    assert accepted.status_code == 200 and accepted.json()["accepted"] > 0
    after = rows_of(client, reviewer, questionnaire_id)["items"]
    changed = [i for i in after if i["review_status"] == "accepted"]
    assert changed and all(i["version"] == 2 for i in changed)
    position = changed[0]["position"]
    stale = act(client, reviewer, questionnaire_id, position, action="reject", version=1)
    assert before[position]["version"] == 1 and stale.status_code == 409


def sectioned(sections: dict[str, tuple[str, ...]]) -> bytes:
    """Build a numbered questionnaire whose questions sit under section headings."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    number = 0
    for heading, questions in sections.items():
        sheet.append([None, heading, None, None])
        sheet.cell(sheet.max_row, 2).font = openpyxl.styles.Font(bold=True)
        for question in questions:
            number += 1
            sheet.append([f"Q-{number}", question, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_question_taking_its_subject_from_its_heading_is_learned_with_it_and_fills_again(
    client: TestClient, database: Database, settings: Settings, caller
) -> None:  # type: ignore[no-untyped-def]
    reviewer = caller("reviewer")
    flows = sectioned({"Data Flow Diagrams": ("Is this documented?",)})
    first = seed(database, settings, reviewer.principal, flows)
    (row,) = rows_of(client, reviewer, first)["items"]
    assert row["band"] != "auto"
    assert "PRV-FLOW-01" in [c["entry_id"] for c in row["candidates"]]
    chosen = act(client, reviewer, first, 0, action="choose", entry_id="PRV-FLOW-01")
    assert chosen.status_code == 200, chosen.text

    with database.session() as db_session:
        entry = db_session.get(BankEntry, "PRV-FLOW-01")
        assert entry is not None
    # Learned as it was read: bare, "Is this documented?" would name nothing, and the same
    # questionnaire sent again would wait for a person on it once more.
    assert "Data Flow Diagrams: Is this documented?" in entry.alternates
    assert "Is this documented?" not in entry.alternates

    again = rows_of(client, reviewer, seed(database, settings, reviewer.principal, flows))
    assert [(r["entry_id"], r["band"]) for r in again["items"]] == [("PRV-FLOW-01", "auto")]
    # Under another heading the learned wording stands for nothing.
    other = sectioned({"Vendor Contracts": ("Is this documented?",)})
    elsewhere = rows_of(client, reviewer, seed(database, settings, reviewer.principal, other))
    assert [r["entry_id"] for r in elsewhere["items"] if r["band"] == "auto"] != ["PRV-FLOW-01"]
