"""Every hostile upload gets the right 4xx with a plain message, quickly, in bounded memory."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.models import AuditEvent, Questionnaire, QuestionRow
from tests.conftest import bearer
from tests.hostile.corpus import CORPUS, Hostile, valid_workbook

REPO = Path(__file__).resolve().parents[2]
TIME_BUDGET_SECONDS = 2.0
MEMORY_BUDGET_MB = 200.0
MEASURE_TIMEOUT_SECONDS = 20

# Files the workbook reader does not yet refuse fast enough; strict, so a fix makes them fail loudly.
KNOWN_SLOW: dict[str, str] = {}


@functools.cache
def built(name: str) -> bytes:
    """Build a corpus file once per test run."""
    return next(item for item in CORPUS if item.name == name).build()


def by_name(item: Hostile, *, run: bool = True) -> object:
    """Parametrise one corpus item, marking the known gaps as strict expected failures."""
    marks = []
    if item.name in KNOWN_SLOW:
        # Through the server they run into the parse timeout (a minute); measured directly instead.
        marks.append(pytest.mark.xfail(strict=True, run=run, reason=KNOWN_SLOW[item.name]))
    return pytest.param(item, id=item.filename, marks=marks)


@pytest.fixture
def responder(client: TestClient, make_key) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A responder's API headers, with the parse worker already warm."""
    headers = bearer(make_key("responder"))
    warm = client.post(
        "/api/v1/questionnaires",
        headers=headers,
        files={"file": ("warm.xlsx", valid_workbook())},
    )
    assert warm.status_code == 201, warm.text
    return headers


@pytest.mark.parametrize("item", [by_name(item, run=False) for item in CORPUS])
def test_a_hostile_upload_gets_the_right_status_and_a_plain_message_within_two_seconds(
    client: TestClient, responder: dict[str, str], item: Hostile, database
) -> None:  # type: ignore[no-untyped-def]
    content = built(item.name)
    started = time.perf_counter()
    response = client.post(
        "/api/v1/questionnaires", headers=responder, files={"file": (item.filename, content)}
    )
    elapsed = time.perf_counter() - started
    print(f"{item.name}: {response.status_code} in {elapsed:.3f} s")
    if item.status >= 400:
        assert response.status_code == item.status, response.text[:500]
        error = response.json()["error"]
        assert re.search(item.message, error["message"]), error
        assert "Traceback" not in error["message"] and 'File "' not in error["message"]
        assert elapsed < TIME_BUDGET_SECONDS, f"{item.name} took {elapsed:.2f} s"
        return
    # A file Vouch must read, not refuse: it may finish in the background (202); then poll.
    assert response.status_code in (201, 202), response.text[:500]
    body = response.json()
    deadline = time.monotonic() + 60
    while body["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get(f"/api/v1/questionnaires/{body['id']}", headers=responder).json()
    assert body["status"] == "needs_review", body.get("error")
    assert len(body["rows"]) == item.rows


@pytest.mark.parametrize(
    "item", [by_name(item, run=False) for item in CORPUS if item.status == 422]
)
def test_a_refused_upload_is_audited_and_leaves_no_rows(
    client: TestClient, responder: dict[str, str], item: Hostile, database
) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/questionnaires",
        headers=responder,
        files={"file": (item.filename, built(item.name))},
    )
    assert response.status_code == 422
    with database.session() as db_session:
        rejected = db_session.exec(
            select(AuditEvent).where(AuditEvent.action == "upload.reject")
        ).all()
        assert len(rejected) == 1
        assert rejected[0].details["reason"] == response.json()["error"]["message"]
        refused = [q for q in db_session.exec(select(Questionnaire)) if q.filename != "warm.xlsx"]
        assert all(q.status == "failed" and q.filled_id is None for q in refused), refused
        assert not db_session.exec(
            select(QuestionRow).where(
                col(QuestionRow.questionnaire_id).in_([q.id for q in refused])
            )
        ).all()


def measure(content: bytes, tmp_path: Path) -> dict[str, object]:
    """Read and fill a file in a fresh interpreter; return its outcome and peak memory."""
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "tests.hostile.measure", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=MEASURE_TIMEOUT_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the file took longer than {MEASURE_TIMEOUT_SECONDS} s")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("item", [by_name(item) for item in CORPUS])
def test_reading_a_hostile_upload_stays_under_200_mb_and_raises_only_domain_errors(
    item: Hostile, tmp_path: Path
) -> None:
    outcome = measure(built(item.name), tmp_path)
    print(f"{item.name}: {outcome}")
    assert outcome["result"] != "crash", outcome
    if item.status == 201:
        assert outcome == {**outcome, "result": "read", "rows": item.rows}
    else:
        assert outcome["result"] == "refused", outcome
    assert float(outcome["peak_mb"]) < MEMORY_BUDGET_MB, outcome  # type: ignore[arg-type]
    assert float(outcome["seconds"]) < TIME_BUDGET_SECONDS, outcome  # type: ignore[arg-type]
