"""End to end on loopback: quote the CAIQ, upload it, receive a signed questionnaire.filled, review and sign off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO, free_port
from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

pytestmark = pytest.mark.slow
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECEIVER = REPO / "examples" / "webhook_receiver.py"


def read_events(stdout: Path, count: int, timeout: float = 60) -> list[dict[str, object]]:
    """Wait until the receiver has printed some verified events."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in stdout.read_text().splitlines() if line.strip()]
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.1)
    raise AssertionError(f"the receiver printed {stdout.read_text()!r}")


def test_a_deal_desk_quotes_uploads_and_hears_the_filled_questionnaire_signed(
    start_vouch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    template = raw(CAIQ_V4_TEMPLATE).read_bytes()
    vouch = start_vouch(webhook_allow_private="true", webhook_retry_base_seconds="1")
    crm_key = vouch.cli("apikey", "create", "--name", "crm", "--role", "responder").split()[-1]
    reviewer_key = vouch.cli("apikey", "create", "--name", "desk", "--role", "reviewer").split()[-1]
    crm = httpx.Client(
        base_url=vouch.url, headers={"Authorization": f"Bearer {crm_key}"}, timeout=60
    )
    reviewer = httpx.Client(
        base_url=vouch.url, headers={"Authorization": f"Bearer {reviewer_key}"}, timeout=60
    )

    quote = crm.post("/api/v1/quote", files={"file": ("CAIQ.xlsx", template, XLSX)}).json()
    assert quote["rows"] == 261

    port = free_port()
    subscription = crm.post(
        "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:{port}/hooks/vouch", "events": ["questionnaire.filled"]},
    )
    assert subscription.status_code == 201, subscription.text
    stdout = tmp_path / "receiver.out"
    with stdout.open("w") as out:
        receiver = subprocess.Popen(
            [sys.executable, str(RECEIVER), "--port", str(port)],
            env={**os.environ, "VOUCH_WEBHOOK_SECRET": subscription.json()["secret"]},
            stdout=out,
            stderr=subprocess.PIPE,
        )
        try:
            uploaded = crm.post(
                "/api/v1/questionnaires",
                files={"file": ("CAIQ.xlsx", template, XLSX)},
                headers={"Idempotency-Key": "deal-0042-caiq"},
            )
            assert uploaded.status_code in (201, 202), uploaded.text
            questionnaire_id = uploaded.json()["id"]
            (event,) = read_events(stdout, 1)
        finally:
            receiver.terminate()
            _, errors = receiver.communicate(timeout=10)
    assert b"refused" not in errors, errors
    assert event["event"] == "questionnaire.filled"
    assert event["questionnaire"] == questionnaire_id
    assert event["status"] == "needs_review"
    summary = event["summary"]
    assert isinstance(summary, dict)
    assert {b: summary[b] for b in ("rows", "auto", "suggest", "none")} == {
        b: quote[b] for b in ("rows", "auto", "suggest", "none")
    }
    links = event["links"]
    assert isinstance(links, dict) and links["self"].startswith(vouch.url)

    log = crm.get("/api/v1/webhook-deliveries").json()
    assert log["items"][0]["status"] == "delivered"
    detail = crm.get(links["self"]).json()
    assert len(detail["rows"]) == 261 and detail["job"]["status"] == "done"
    assert crm.get(links["workbook"]).status_code == 200

    accepted = crm.post(f"/api/v1/questionnaires/{questionnaire_id}/accept-auto")
    assert accepted.status_code == 200, accepted.text
    rows = crm.get(f"/api/v1/questionnaires/{questionnaire_id}/rows").json()["items"]
    for row in rows:
        if row["review_status"] == "pending":
            decided = crm.post(
                f"/api/v1/questionnaires/{questionnaire_id}/rows/{row['position']}",
                json={"action": "reject", "comment": "answered by the deal desk"},
            )
            assert decided.status_code == 200, decided.text
    signed = reviewer.post(f"/api/v1/questionnaires/{questionnaire_id}/signoff")
    assert signed.status_code == 200, signed.text
    workbook = reviewer.get(f"/api/v1/questionnaires/{questionnaire_id}/signed")
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
    assert crm.get(links["self"]).json()["status"] == "signed"
