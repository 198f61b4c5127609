"""The worker: webhooks go out while the queue is busy, and a dead process's jobs are taken at once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import col, func, select

from app.config import Settings
from app.db import Database
from app.models import Job
from app.services import jobs, liveness, webhooks
from app.services.accounts import Principal
from tests.services.test_idempotency import dead_process_name
from tests.services.test_jobs import loaded, owner, small_workbook, state, submit

__all__ = ["loaded", "owner"]  # fixtures shared with the queue's own tests


@dataclass
class Arrival:
    """One delivery as the receiver saw it, with how many jobs were still waiting then."""

    at: datetime
    questionnaire_id: str
    queued: int


@dataclass
class Receiver:
    url: str = ""
    arrivals: list[Arrival] = field(default_factory=list)


@pytest.fixture
def receiver(loaded: Database) -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            at = datetime.now(UTC)
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            with loaded.session() as db_session:
                queued = db_session.exec(
                    select(func.count()).select_from(Job).where(col(Job.status) == "queued")
                ).one()
            found.arrivals.append(Arrival(at, body["data"]["questionnaire"]["id"], queued))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_port}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def test_webhooks_go_out_within_seconds_while_the_queue_is_busy(
    loaded: Database, settings: Settings, owner: Principal, receiver: Receiver
) -> None:
    settings = settings.model_copy(update={"webhook_allow_private": True})
    with loaded.session(write=True) as db_session:
        webhooks.create_subscription(
            db_session=db_session,
            principal=owner,
            url=receiver.url,
            events=["questionnaire.filled"],
            settings=settings,
        )
    ids = [submit(loaded, settings, owner, small_workbook()) for _ in range(12)]
    # One job thread, so the queue stays busy for a while; the default poll of a second.
    worker = jobs.Worker(database=loaded, settings=settings, threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(receiver.arrivals) < len(ids):
            time.sleep(0.1)
    finally:
        worker.stop()
    assert len(receiver.arrivals) == len(ids)
    while_busy = [a for a in receiver.arrivals if a.queued > 0]
    assert len(while_busy) >= 3, [a.queued for a in receiver.arrivals]
    delays = []
    for arrival in receiver.arrivals:
        finished = state(loaded, arrival.questionnaire_id)[1].finished_at
        assert finished is not None
        delays.append((arrival.at - finished).total_seconds())
    print(f"delivery delay after the job finished: max {max(delays):.2f} s")
    assert max(delays) < 5, delays


def claimed_by(database: Database, settings: Settings, name: str) -> str:
    claimed = jobs.claim(database=database, settings=settings, owner=name)
    assert claimed is not None
    return claimed.job_id


def test_a_restarted_worker_takes_over_at_once_the_jobs_of_a_dead_process_on_this_host(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    # The default lease: without the check, these jobs would wait three minutes.
    assert settings.job_lease_seconds >= 180
    dead = submit(loaded, settings, owner, small_workbook())
    elsewhere = submit(loaded, settings, owner, small_workbook())
    alive = submit(loaded, settings, owner, small_workbook())
    claimed_by(loaded, settings, f"{dead_process_name()}:vouch-worker-0")
    claimed_by(loaded, settings, "other-host:4242:0badc0de-17:vouch-worker-0")
    claimed_by(loaded, settings, f"{liveness.process_name()}:vouch-worker-1")
    started = time.monotonic()
    assert jobs.Worker(database=loaded, settings=settings, threads=1).run_until_idle() == 1
    assert time.monotonic() - started < 60
    questionnaire, job, rows = state(loaded, dead)
    assert (questionnaire.status, job.status, job.attempts, rows) == ("needs_review", "done", 2, 3)
    assert job.lease_owner is not None and liveness.state_of(job.lease_owner) == "alive"
    # A process on another host may still be working, and so is one of this host that runs.
    assert [state(loaded, q)[1].status for q in (elsewhere, alive)] == ["running", "running"]
