"""A full or read-only store is a clear 507 in words, a job error in words, and a /healthz 503."""

from __future__ import annotations

import errno
import io
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel, select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Job
from app.services import files, jobs
from app.services import questionnaires as questionnaire_service
from app.services.storage import FULL, READ_ONLY, storage_failure
from tests.api.test_questionnaires_api import XLSX
from tests.conftest import bearer

RAW_DRIVER_WORDS = ("sqlalche.me", "OperationalError", "sqlite3", "psycopg", "INSERT", "Traceback")


def big_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["ID", "Question", "Answer"])
    for n in range(3_000):
        book.active.append(
            [f"Q-{n}", f"Is control number {n} documented and reviewed yearly?", None]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sqlite_only(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("the failures are simulated with SQLite pragmas")


def on_every_connection(database: Database, pragma: str) -> None:
    """Apply a pragma to every connection from now on."""

    @event.listens_for(database.engine, "connect")
    def _apply(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(pragma)

    database.engine.dispose()


def assert_in_words(response, failure) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 507, response.text[:300]
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (failure.code, failure.message)
    for word in RAW_DRIVER_WORDS:
        assert word not in response.text


def test_a_full_database_answers_507_in_words(
    client: TestClient, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    sqlite_only(database)
    key = make_key("responder")
    with database.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    # SQLITE_FULL, 'database or disk is full', as on a volume with no space left.
    on_every_connection(database, f"PRAGMA max_page_count = {pages}")
    response = client.post(
        "/api/v1/questionnaires",
        headers=bearer(key),
        files={"file": ("big.xlsx", big_workbook(), XLSX)},
    )
    assert_in_words(response, FULL)


def test_a_read_only_database_answers_507_in_words(
    client: TestClient, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    sqlite_only(database)
    curator = bearer(make_key("curator"))
    # SQLITE_READONLY, 'attempt to write a readonly database', as on a read-only mount.
    on_every_connection(database, "PRAGMA query_only = ON")
    entry = {"id": "X-1", "question": "Is it written down?", "answer": "Yes"}
    assert_in_words(client.post("/api/v1/bank/entries", json=entry, headers=curator), READ_ONLY)


def test_a_disk_full_os_error_answers_507_in_words(
    client: TestClient, make_key, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")

    def full(**_: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "store", full)
    response = client.post(
        "/api/v1/questionnaires",
        headers=bearer(key),
        files={"file": ("big.xlsx", big_workbook(), XLSX)},
    )
    assert_in_words(response, FULL)


def test_a_job_stopped_by_a_full_disk_says_so_in_words(
    client: TestClient,
    database: Database,
    settings: Settings,
    make_key,
) -> None:  # type: ignore[no-untyped-def]
    full = OperationalError(
        "INSERT INTO stored_blob ...", {}, sqlite3.OperationalError("database or disk is full")
    )

    def process(**_: Any) -> str:
        raise full

    if client.app.state.worker is not None:
        client.app.state.worker.stop()
    response = client.post(
        "/api/v1/questionnaires",
        headers=bearer(make_key("responder")),
        files={"file": ("big.xlsx", big_workbook(), XLSX)},
    )
    assert response.status_code == 202, response.text[:300]
    claim = jobs.claim(database=database, settings=settings)
    assert claim is not None
    jobs.register(replace(questionnaire_service.FILL_JOB, run=process))
    try:
        outcome = jobs.run(database=database, claim=claim, settings=settings)
    finally:
        jobs.register(questionnaire_service.FILL_JOB)
    assert outcome == "retry"
    with database.session() as db_session:
        job = db_session.exec(select(Job)).one()
    assert job.error == FULL.message
    assert storage_failure(full) is FULL


@pytest.fixture
def read_only_directory(settings: Settings) -> Iterator[Path]:
    """Make the data directory refuse new files, as a read-only mount does, even for root."""
    directory = settings.data_dir
    directory.chmod(0o555)
    immutable = (
        shutil.which("chattr") is not None
        and subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode == 0
    )
    try:
        (directory / "probe").touch()
    except OSError:
        pass
    else:
        (directory / "probe").unlink()
        directory.chmod(0o755)
        pytest.skip("cannot make a directory read-only here")
    yield directory
    if immutable:
        subprocess.run(["chattr", "-i", str(directory)], check=True)
    directory.chmod(0o755)


@pytest.fixture
def sqlite_in_data_dir(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(f"sqlite:///{settings.data_dir / 'vouch.db'}")
    SQLModel.metadata.create_all(database.engine)
    return database


def test_healthz_reports_a_data_directory_it_cannot_write(
    settings: Settings, sqlite_in_data_dir: Database, request: pytest.FixtureRequest
) -> None:
    app = create_app(settings, sqlite_in_data_dir)
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        request.getfixturevalue("read_only_directory")
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["store"] == READ_ONLY.code
        assert "read-only" in health.json()["message"]


def test_healthz_reports_a_full_data_directory(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_only(database)
    assert client.get("/healthz").status_code == 200
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(
        "app.services.storage.shutil.disk_usage", lambda _path: usage._replace(free=1024)
    )
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["store"] == FULL.code
