"""The proposals queue: filled by a harvest upload, then taken, kept, accepted or dismissed by a curator."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.web.test_bank_pages import curator, version_of
from tests.web.test_login import log_in, page_token

MFA = "Do you require MFA for all administrator accounts?"
AT_REST = "Is data encrypted at rest in your storage systems?"


def completed_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    sheet.append(["S-1", MFA, "No", "Only on the production console."])
    sheet.append(["S-2", AT_REST, "Yes", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def harvest(client: TestClient) -> str:
    token = page_token(client, "/bank/harvest")
    result = client.post(
        "/bank/harvest",
        data={"csrf_token": token},
        files={"file": ("vendor.xlsx", completed_workbook(), "application/octet-stream")},
    )
    assert result.status_code == 200, result.text
    return result.text


def proposal_ids(page: str, action: str) -> list[int]:
    return [int(n) for n in re.findall(rf'action="[^"]*/bank/proposals/(\d+)/{action}"', page)]


def test_a_harvest_queues_proposals_that_a_curator_accepts_or_dismisses(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    result = harvest(client)
    assert "1 other wordings and 1 updates queued for review" in result
    assert 'href="http://testserver/bank/proposals"' in result
    assert (
        'href="http://testserver/bank/proposals">Proposals from harvests</a>'
        in client.get("/bank").text
    )

    queue = client.get("/bank/proposals")
    assert queue.status_code == 200
    page = queue.text
    assert MFA in page and AT_REST in page
    assert "Is multi-factor authentication required for remote and privileged access?" in page
    assert page.count("answers differ") == 1
    assert "vendor.xlsx!Security!2 (S-1)" in page and "Only on the production console." in page
    # Another wording is queued before an update; both can be accepted (an update: taken).
    at_rest_id, mfa_id = proposal_ids(page, "accept")
    assert proposal_ids(page, "dismiss") == [at_rest_id, mfa_id]
    assert proposal_ids(page, "keep") == [mfa_id]
    # The entry is approved: keeping it is the proposed choice (the services tests cover a
    # never-approved starter draft, where taking the harvested answer is).
    assert "Keep the entry; save the row as a draft (proposed)" in page

    token = page_token(client, "/bank/proposals")
    version = version_of(client, "IAM-MFA-01")
    accepted = client.post(
        f"/bank/proposals/{mfa_id}/accept",
        data={"csrf_token": token, "version": str(version)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    entry = client.get("/bank/entries/IAM-MFA-01").text
    assert MFA in entry and "answer harvested from vendor.xlsx!Security!2 (S-1)" in entry
    assert "Only on the production console." in entry
    assert version_of(client, "IAM-MFA-01") == version + 1

    dismissed = client.post(
        f"/bank/proposals/{at_rest_id}/dismiss",
        data={"csrf_token": token, "reason": "too loose"},
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    assert "No pending proposals." in client.get("/bank/proposals").text
    assert AT_REST not in client.get("/bank/entries/CRY-REST-01").text
    history = client.get("/bank/proposals", params={"status": "accepted"}).text
    assert MFA in history and "accepted by user:" in history

    again = client.post(
        f"/bank/proposals/{mfa_id}/accept", data={"csrf_token": token, "version": "1"}
    )
    assert again.status_code == 409 and "accepted already" in again.text
    missing = client.post(f"/bank/proposals/{mfa_id + 100}/dismiss", data={"csrf_token": token})
    assert missing.status_code == 404


def test_accepting_for_a_retired_entry_or_an_older_version_is_a_409(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    harvest(client)
    page = client.get("/bank/proposals").text
    at_rest_id, mfa_id = proposal_ids(page, "accept")
    token = page_token(client, "/bank/proposals")
    stale = client.post(
        f"/bank/proposals/{mfa_id}/accept", data={"csrf_token": token, "version": "99"}
    )
    assert stale.status_code == 409 and "not 99" in stale.text
    retired = client.post(
        "/bank/entries/CRY-REST-01/status",
        data={
            "csrf_token": token,
            "version": str(version_of(client, "CRY-REST-01")),
            "to": "retired",
        },
        follow_redirects=False,
    )
    assert retired.status_code == 303
    page = client.get("/bank/proposals").text
    assert "(retired)" in page and proposal_ids(page, "accept") == [mfa_id]
    refused = client.post(
        f"/bank/proposals/{at_rest_id}/accept", data={"csrf_token": token, "version": "2"}
    )
    assert refused.status_code == 409 and "is retired" in refused.text


def test_only_curators_see_the_queue_and_posts_need_the_csrf_token(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    harvest(client)
    (first, _) = proposal_ids(client.get("/bank/proposals").text, "accept")
    forged = client.post(
        f"/bank/proposals/{first}/accept", data={"csrf_token": "x", "version": "1"}
    )
    assert forged.status_code == 403
    client.cookies.clear()
    log_in(client, *make_user("vera", "viewer"))
    assert client.get("/bank/proposals").status_code == 403
    token = page_token(client, "/bank")
    refused = client.post(f"/bank/proposals/{first}/dismiss", data={"csrf_token": token})
    assert refused.status_code == 403


def test_keeping_the_entry_turns_the_harvested_row_into_its_own_draft(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    harvest(client)
    (mfa_id,) = proposal_ids(client.get("/bank/proposals").text, "keep")
    token = page_token(client, "/bank/proposals")
    kept = client.post(
        f"/bank/proposals/{mfa_id}/keep", data={"csrf_token": token}, follow_redirects=False
    )
    assert kept.status_code == 303
    draft = client.get("/bank/entries/vendor-S-1")
    assert draft.status_code == 200 and MFA in draft.text
    assert "Only on the production console." in draft.text
    assert "kept by user:" in client.get("/bank/proposals", params={"status": "kept"}).text
    again = client.post(f"/bank/proposals/{mfa_id}/keep", data={"csrf_token": token})
    assert again.status_code == 409


def test_several_workbooks_harvest_into_one_report_showing_conflicts(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    sheet.append(["S-9", AT_REST, "No", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = page_token(client, "/bank/harvest")
    result = client.post(
        "/bank/harvest",
        data={"csrf_token": token},
        files=[
            ("file", ("2023.xlsx", completed_workbook(), "application/octet-stream")),
            ("file", ("2024.xlsx", buffer.getvalue(), "application/octet-stream")),
        ],
    )
    assert result.status_code == 200, result.text
    assert "3 answered rows" in result.text and "1 repeated questions merged" in result.text
    assert "Asked twice, answered differently" in result.text
    assert "2024.xlsx!Security!2 answers 2023.xlsx!Security!3" in result.text
