"""Connections: a request never holds one while it waits for another, and a pool that runs dry is a 503."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from tests.api.test_integration import upload
from tests.conftest import bearer
from tests.services.test_jobs import small_workbook


def small_pool(database: Database) -> Database:
    """The same database behind a pool of two connections that gives up after a second."""
    return Database(database.url, pool_size=2, max_overflow=0, pool_timeout=1.0)


def test_concurrent_uploads_that_outnumber_the_pool_all_succeed(
    settings: Settings, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    """An upload waits for its job while its authentication's connection is back in the pool.

    With each upload holding the connection it authenticated on while its steps asked for
    another, as many uploads as pooled connections waited on each other until the pool timed out:
    a 500 for every one of them.
    """
    from app.main import create_app

    pooled = small_pool(database)
    waiting = settings.model_copy(update={"sync_wait_seconds": 3.0, "worker_threads": 1})
    key = make_key("responder")
    workbook = small_workbook()
    try:
        with TestClient(create_app(waiting, pooled)) as client:
            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses = list(
                    pool.map(lambda _: upload(client, key, workbook).status_code, range(4))
                )
            assert all(status in (201, 202) for status in statuses), statuses
            listed = client.get("/api/v1/questionnaires", headers=bearer(key))
            assert listed.status_code == 200 and listed.json()["total"] == 4
    finally:
        pooled.dispose()


def test_a_pool_that_runs_dry_is_a_503_with_retry_after(
    settings: Settings, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    pooled = small_pool(database)
    key = make_key("responder")
    quiet = settings.model_copy(update={"worker_threads": 0})
    try:
        with TestClient(create_app(quiet, pooled)) as client:
            held = [pooled.engine.connect() for _ in range(2)]
            for connection in held:
                connection.execute(text("SELECT 1"))
            busy = client.get("/api/v1/questionnaires", headers=bearer(key))
            for connection in held:
                connection.close()
            assert busy.status_code == 503, busy.text
            assert busy.json()["error"]["code"] == "busy"
            assert "QueuePool" not in busy.text and "sqlalchemy" not in busy.text.lower()
            assert 1 <= int(busy.headers["retry-after"]) <= 30
            assert client.get("/api/v1/questionnaires", headers=bearer(key)).status_code == 200
    finally:
        pooled.dispose()
