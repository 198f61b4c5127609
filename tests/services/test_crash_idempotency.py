"""A server killed while serving a keyed upload: the retry answers for what it committed."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.live_server import LiveServer
from tests.services.test_durability import big_questionnaire, query

pytestmark = pytest.mark.slow


@pytest.fixture
def live(tmp_path: Path, approved_bank_dir: Path) -> Iterator[LiveServer]:
    # The default job lease (180 s): the restart must not need to wait it out.
    server = LiveServer(
        data_dir=tmp_path / "var",
        bank_dir=approved_bank_dir,
        env={"VOUCH_SYNC_WAIT_SECONDS": "90"},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_retry_after_a_crash_returns_the_upload_the_dead_request_committed(
    live: LiveServer,
) -> None:
    headers = {"Authorization": f"Bearer {live.api_key('responder')}", "Idempotency-Key": "k1"}
    content = big_questionnaire()
    database = live.data_dir / "vouch.db"

    def upload() -> httpx.Response:
        return httpx.post(
            f"{live.url}/api/v1/questionnaires",
            headers=headers,
            files={"file": ("big.xlsx", content)},
            timeout=120,
        )

    def doomed() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server dies under this request
            upload()

    thread = threading.Thread(target=doomed, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    committed: list[tuple[object, ...]] = []
    while time.monotonic() < deadline and not committed:
        committed = query(database, "SELECT id FROM questionnaire")
        time.sleep(0.02)
    assert committed, "the upload was committed while its request waited for the fill"
    live.kill()
    thread.join(10)
    (held,) = query(database, "SELECT status_code, resource_id FROM idempotency_record")
    assert held == (None, committed[0][0]), "the key was left in progress, naming the upload"

    live.start()
    started = time.monotonic()
    retried = upload()
    print(f"retry after the restart: {retried.status_code} in {time.monotonic() - started:.1f} s")
    assert retried.status_code in (201, 202), retried.text
    assert retried.json()["id"] == committed[0][0]
    assert retried.headers["location"].endswith(f"/api/v1/questionnaires/{committed[0][0]}")
    # Finished within the wait: the killed process's job was taken over without its lease lapsing.
    assert retried.status_code == 201 and retried.json()["status"] == "needs_review"
    assert query(database, "SELECT count(*) FROM questionnaire") == [(1,)]
    replayed = upload()
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == committed[0][0]
