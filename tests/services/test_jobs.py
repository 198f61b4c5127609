"""The job queue: lifecycle, a worker that dies mid-job, and two real worker processes on PostgreSQL."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import Database
from app.migrations import upgrade
from app.models import AuditEvent, Job, Questionnaire, QuestionRow
from app.services import accounts, bank_transfer, jobs, templates
from app.services import questionnaires as questionnaire_service
from app.services.accounts import Principal
from app.services.bootstrap import bootstrap
from tests.conftest import PG_URL, REPO

QUESTIONS = [
    "Do you enforce multi-factor authentication for all remote and privileged access?",
    "Is customer data encrypted at rest?",
    "What colour is the office carpet?",
]


def small_workbook(questions: list[str] = QUESTIONS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for number, question in enumerate(questions, start=1):
        sheet.append([str(number), question, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def loaded(bootstrapped: Database) -> Database:
    """The test database with the approved bank loaded, as after a first start."""
    from app.services.bank import matchers

    matchers.clear()
    return bootstrapped


@pytest.fixture
def owner(loaded: Database) -> Principal:
    with loaded.session(write=True) as db_session:
        key, _ = accounts.create_api_key(
            db_session=db_session, name="crm", role="responder", actor="test"
        )
        return accounts.principal_for_key(key)


def submit(database: Database, settings: Settings, owner: Principal, content: bytes) -> str:
    with database.session(write=True) as db_session:
        questionnaire, _ = questionnaire_service.accept(
            db_session=db_session,
            principal=owner,
            filename="customer.xlsx",
            content=content,
            settings=settings,
        )
    return questionnaire.id


def state(database: Database, questionnaire_id: str) -> tuple[Questionnaire, Job, int]:
    with database.session() as db_session:
        questionnaire = db_session.get(Questionnaire, questionnaire_id)
        job = db_session.exec(select(Job).where(Job.questionnaire_id == questionnaire_id)).one()
        rows = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == questionnaire_id)
        ).all()
        assert questionnaire is not None
        return questionnaire, job, len(rows)


def test_an_upload_is_queued_then_processed_by_a_worker(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    questionnaire_id = submit(loaded, settings, owner, small_workbook())
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert (questionnaire.status, job.status, job.attempts, rows) == ("queued", "queued", 0, 0)
    worker = jobs.Worker(database=loaded, settings=settings, threads=1)
    assert worker.run_until_idle() == 1
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert questionnaire.status == "needs_review"
    assert (job.status, job.stage, job.progress, job.attempts) == ("done", "done", 100, 1)
    assert rows == 3 == questionnaire.summary["rows"]
    assert questionnaire.filled_id is not None and questionnaire.fidelity["ok"] is True


def test_a_job_whose_worker_died_is_taken_over_once_its_lease_lapses(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    settings = settings.model_copy(update={"job_lease_seconds": 0.5})
    questionnaire_id = submit(loaded, settings, owner, small_workbook())
    crashed = jobs.claim(database=loaded, settings=settings, owner="worker-that-dies")
    assert crashed is not None and crashed.attempt == 1
    # While the lease holds, nobody else may take the job.
    assert jobs.claim(database=loaded, settings=settings, owner="other") is None
    assert state(loaded, questionnaire_id)[0].status == "running"
    time.sleep(0.7)
    survivor = jobs.claim(database=loaded, settings=settings, owner="survivor")
    assert survivor is not None
    assert (survivor.job_id, survivor.attempt) == (crashed.job_id, 2)
    assert jobs.run(database=loaded, claim=survivor, settings=settings) == "done"
    # The first worker wakes up late: its claim no longer holds, so it writes nothing.
    assert jobs.run(database=loaded, claim=crashed, settings=settings) == "lost"
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert (questionnaire.status, job.status, job.attempts, job.lease_owner) == (
        "needs_review",
        "done",
        2,
        "survivor",
    )
    assert rows == 3


def test_a_job_interrupted_on_every_attempt_fails_with_the_reason(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    settings = settings.model_copy(update={"job_lease_seconds": 0.2, "job_max_attempts": 2})
    questionnaire_id = submit(loaded, settings, owner, small_workbook())
    for attempt in (1, 2):
        claimed = jobs.claim(database=loaded, settings=settings, owner=f"dies-{attempt}")
        assert claimed is not None and claimed.attempt == attempt
        time.sleep(0.3)
    assert jobs.claim(database=loaded, settings=settings, owner="third") is None
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert questionnaire.status == job.status == "failed"
    assert "interrupted 2 times" in (questionnaire.error or "")
    assert rows == 0


def test_an_unreadable_workbook_fails_at_once_without_a_retry(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    questionnaire_id = submit(loaded, settings, owner, b"PK\x03\x04" + b"\0" * 200)
    jobs.Worker(database=loaded, settings=settings, threads=1).run_until_idle()
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert (questionnaire.status, job.status, job.stage, job.attempts) == (
        "failed",
        "failed",
        "rejected",
        1,
    )
    assert questionnaire.error and "Traceback" not in questionnaire.error
    assert rows == 0


def test_a_long_job_keeps_its_lease_so_nobody_takes_it_over(
    loaded: Database, settings: Settings, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"job_lease_seconds": 0.6})
    questionnaire_id = submit(loaded, settings, owner, small_workbook())
    claimed = jobs.claim(database=loaded, settings=settings, owner="slow")
    assert claimed is not None
    rival: list[jobs.Claim | None] = []
    original = templates.detect

    def slow_detect(**kwargs: object) -> object:
        # Outlast the lease several times over while the heartbeat renews it.
        for _ in range(10):
            time.sleep(0.2)
            rival.append(jobs.claim(database=loaded, settings=settings, owner="rival"))
        return original(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(templates, "detect", slow_detect)
    assert jobs.run(database=loaded, claim=claimed, settings=settings) == "done"
    assert rival == [None] * 10
    questionnaire, job, rows = state(loaded, questionnaire_id)
    assert (job.status, job.attempts, job.lease_owner, rows) == ("done", 1, "slow", 3)


def test_idempotency_records_older_than_a_day_are_purged(loaded: Database) -> None:
    from datetime import timedelta

    from app.models import IdempotencyRecord, utcnow
    from app.services import idempotency

    with loaded.session(write=True) as db_session:
        db_session.add(
            IdempotencyRecord(
                scope="key:1",
                key="old",
                request_hash="a",
                status_code=201,
                created_at=utcnow() - timedelta(hours=25),
            )
        )
        db_session.add(
            IdempotencyRecord(scope="key:1", key="new", request_hash="b", status_code=201)
        )
    assert idempotency.purge(database=loaded) == 1
    with loaded.session() as db_session:
        assert [r.key for r in db_session.exec(select(IdempotencyRecord))] == ["new"]


def test_a_worker_runs_each_job_by_the_handler_registered_for_its_kind(
    loaded: Database, settings: Settings, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[str, str]] = []

    def echo(*, database: Database, claim: jobs.Claim, settings: Settings) -> str:
        ran.append((claim.kind, claim.questionnaire_id))
        with database.session(write=True) as db_session:
            jobs.finish(db_session=db_session, job=jobs.hold(db_session=db_session, claim=claim))
        return "done"

    def give_up(*, db_session: Session, job: Job, reason: str, base_url: str) -> None:
        jobs.fail(db_session=db_session, job=job, reason=reason)

    # Only the echo kind: the queue itself knows no kind of work.
    monkeypatch.setattr(jobs, "_kinds", {})
    jobs.register(jobs.JobKind(name="test.echo", run=echo, give_up=give_up))
    questionnaire_id = submit(loaded, settings, owner, small_workbook())
    with loaded.session(write=True) as db_session:
        questionnaire = db_session.get(Questionnaire, questionnaire_id)
        assert questionnaire is not None
        jobs.enqueue(
            db_session=db_session,
            kind="test.echo",
            questionnaire=questionnaire,
            payload={},
            settings=settings,
        )
    assert jobs.Worker(database=loaded, settings=settings, threads=1).run_until_idle() == 1
    assert ran == [("test.echo", questionnaire_id)]
    # The upload's own fill job is of a kind this worker cannot run: it waits for one that can.
    with loaded.session() as db_session:
        waiting = db_session.exec(select(Job).where(Job.kind == questionnaire_service.FILL)).one()
        assert (waiting.status, waiting.attempts) == ("queued", 0)


def test_a_worker_with_no_kind_of_job_registered_says_so(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "_kinds", {})
    with pytest.raises(LookupError, match="no kind of job is registered"):
        jobs.claim(database=database, settings=settings)


def test_restarting_keeps_a_leased_job_and_fails_only_work_without_one(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    leased = submit(loaded, settings, owner, small_workbook())
    assert jobs.claim(database=loaded, settings=settings, owner="alive") is not None
    orphan = submit(loaded, settings, owner, small_workbook())
    with loaded.session(write=True) as db_session:
        for job in db_session.exec(select(Job).where(Job.questionnaire_id == orphan)):
            db_session.delete(job)
    report = bootstrap(database=loaded, settings=settings)
    assert report.interrupted_failed == 1
    assert state(loaded, leased)[0].status == "running"
    with loaded.session() as db_session:
        gone = db_session.get(Questionnaire, orphan)
        assert gone is not None and gone.status == "failed"


def test_a_worker_thread_pool_drains_the_queue_in_the_background(
    loaded: Database, settings: Settings, owner: Principal
) -> None:
    settings = settings.model_copy(update={"worker_poll_seconds": 0.05})
    ids = [submit(loaded, settings, owner, small_workbook()) for _ in range(4)]
    worker = jobs.Worker(database=loaded, settings=settings, threads=2)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(state(loaded, i)[1].status == "done" for i in ids):
                break
            time.sleep(0.1)
    finally:
        worker.stop()
    assert [state(loaded, i)[0].status for i in ids] == ["needs_review"] * 4
    assert [state(loaded, i)[1].attempts for i in ids] == [1] * 4


@pytest.fixture
def private_postgres(settings: Settings) -> Iterator[Database]:
    """A PostgreSQL database of this test's own, so no other test truncates it mid-run."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need VOUCH_DATABASE_URL=postgresql://...")
    name = f"vouch_jobs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    database = Database(PG_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        # Migrated, not created from the models: the worker processes migrate on start and
        # take a database without Alembic's record for an empty one.
        upgrade(database.url)
        with database.session(write=True) as db_session:
            bank_transfer.import_directory(
                db_session=db_session, directory=settings.bank_dir, actor="test"
            )
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.mark.slow
def test_two_worker_processes_on_postgresql_take_each_job_exactly_once(
    private_postgres: Database, settings: Settings, tmp_path: Path
) -> None:
    database = private_postgres
    with database.session(write=True) as db_session:
        key, _ = accounts.create_api_key(
            db_session=db_session, name="crm", role="responder", actor="test"
        )
        owner = accounts.principal_for_key(key)
    count = 30
    ids = [
        submit(database, settings, owner, small_workbook([*QUESTIONS, f"Question number {n}?"]))
        for n in range(count)
    ]
    env = {
        **os.environ,
        "VOUCH_DATABASE_URL": database.url,
        "VOUCH_BANK_DIR": str(settings.bank_dir),
        "VOUCH_DATA_DIR": str(tmp_path / "var"),
        "VOUCH_ENVIRONMENT": "test",
    }
    command = [sys.executable, "-m", "app.cli", "worker", "--until-idle"]
    processes = [
        subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    with database.session() as db_session:
        done = db_session.exec(select(Job).where(col(Job.questionnaire_id).in_(ids))).all()
        fills = db_session.exec(
            select(AuditEvent).where(AuditEvent.action == "questionnaire.fill")
        ).all()
        rows = db_session.exec(
            select(QuestionRow).where(col(QuestionRow.questionnaire_id).in_(ids))
        ).all()
    assert len(done) == count
    assert {(j.status, j.attempts) for j in done} == {("done", 1)}
    filled = sorted(e.target for e in fills)
    assert filled == sorted(f"questionnaire:{i}" for i in ids), "a job was filled twice or never"
    assert len(rows) == count * 4
    pids = {int(j.lease_owner.split(":")[1]) for j in done if j.lease_owner}
    assert pids == {p.pid for p in processes}, "both workers should have taken part"
