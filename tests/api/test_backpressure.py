"""Backpressure: uploads beyond the queue's limit, per key or in all, get 429 with Retry-After."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.config import Settings
from app.db import Database
from app.models import Questionnaire, StoredFile
from app.services.jobs import Worker
from tests.api.test_integration import upload
from tests.conftest import bearer
from tests.services.test_jobs import small_workbook


def count(database: Database, table: type[Questionnaire] | type[StoredFile]) -> int:
    with database.session() as db_session:
        return int(db_session.exec(select(func.count()).select_from(table)).one())


def test_uploads_beyond_the_queue_limit_are_refused_with_429_until_it_drains(
    settings: Settings, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    limited = settings.model_copy(
        update={
            "sync_wait_seconds": 0.0,
            "worker_threads": 0,
            "queue_limit_per_key": 2,
            "queue_limit": 3,
        }
    )
    workbook = small_workbook()
    with TestClient(create_app(limited, database)) as client:
        key, other = make_key("responder"), make_key("responder")
        assert [upload(client, key, workbook).status_code for _ in range(2)] == [202, 202]
        refused = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "queue_full"
        assert "2 of your questionnaires" in refused.json()["error"]["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 300
        assert (count(database, Questionnaire), count(database, StoredFile)) == (2, 2)
        # Another key has room of its own, until the whole queue is full.
        assert upload(client, other, workbook).status_code == 202
        full = upload(client, other, workbook)
        assert full.status_code == 429 and "3 questionnaires are waiting" in full.text
        assert Worker(database=database, settings=limited, threads=1).run_until_idle() == 3
        # Drained: the same key is served again, and the refused Idempotency-Key was not kept.
        again = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
        assert again.status_code == 202, again.text
        assert "idempotent-replayed" not in again.headers
        listed = client.get("/api/v1/questionnaires", headers=bearer(key)).json()
        assert listed["total"] == 3
