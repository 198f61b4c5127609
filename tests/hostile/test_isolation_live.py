"""While a hostile workbook is parsed, the server keeps answering: parsing is off the event loop."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hostile.corpus import million_rows
from tests.security.live_server import LiveServer

pytestmark = pytest.mark.slow
PARSE_TIMEOUT_SECONDS = 6
HEALTHZ_BUDGET_SECONDS = 0.5
API_BUDGET_SECONDS = 2.0


@pytest.fixture
def live(tmp_path: Path, approved_bank_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(
        data_dir=tmp_path / "var",
        bank_dir=approved_bank_dir,
        env={
            "VOUCH_PARSE_TIMEOUT_SECONDS": str(PARSE_TIMEOUT_SECONDS),
            "VOUCH_SYNC_WAIT_SECONDS": "30",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_healthz_and_the_api_stay_fast_while_a_million_row_workbook_is_refused(
    live: LiveServer,
) -> None:
    headers = {"Authorization": f"Bearer {live.api_key('responder')}"}
    content = million_rows()
    outcome: dict[str, object] = {}

    def upload() -> None:
        started = time.perf_counter()
        response = httpx.post(
            f"{live.url}/api/v1/questionnaires",
            headers=headers,
            files={"file": ("million.xlsx", content)},
            timeout=120,
        )
        outcome.update(response=response, seconds=time.perf_counter() - started)

    thread = threading.Thread(target=upload)
    thread.start()
    health: list[float] = []
    api: list[float] = []
    with httpx.Client(base_url=live.url, timeout=10) as client:
        while thread.is_alive():
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            health.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = client.get("/api/v1/entries", params={"limit": 1}, headers=headers)
            assert response.status_code == 200
            api.append(time.perf_counter() - started)
            time.sleep(0.05)
    thread.join()
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    print(
        f"upload answered {response.status_code} in {outcome['seconds']:.1f} s; "
        f"/healthz over {len(health)} calls: median {statistics.median(health) * 1000:.1f} ms, "
        f"max {max(health) * 1000:.1f} ms; /api/v1/entries max {max(api) * 1000:.1f} ms"
    )
    assert response.status_code == 422
    assert re.search(r"longer than|memory|cells", response.json()["error"]["message"])
    assert len(health) >= 5, "the parse ran long enough to probe the server several times"
    assert max(health) < HEALTHZ_BUDGET_SECONDS
    assert max(api) < API_BUDGET_SECONDS
