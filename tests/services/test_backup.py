"""`vouch backup` and `vouch restore`: a restored database holds every row the backup held."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.db import Database, set_database
from app.services import audit
from app.services.backup import BackupError, backup, restore
from tests.conftest import bearer
from tests.hostile.corpus import valid_workbook


def table_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table of a SQLite file, in a stable order."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in sorted(names)
        }


def database_file(database: Database) -> Path:
    from sqlalchemy.engine import make_url

    return Path(make_url(database.url).database or "")


@pytest.fixture
def sqlite_only(database: Database) -> Database:
    if not database.is_sqlite:
        pytest.skip("SQLite files are backed up by Vouch; PostgreSQL by pg_dump (tested below)")
    return database


@pytest.fixture
def cli_database(sqlite_only: Database) -> Iterator[Database]:
    set_database(sqlite_only)
    yield sqlite_only
    set_database(None)


def populate(client: TestClient, make_key, make_user) -> None:  # type: ignore[no-untyped-def]
    """Put rows in every kind of table through the app itself."""
    make_user("hana", "reviewer")
    headers = bearer(make_key("responder"))
    response = client.post(
        "/api/v1/questionnaires", headers=headers, files={"file": ("q.xlsx", valid_workbook())}
    )
    assert response.status_code == 201, response.text
    assert client.get(f"/api/v1/questionnaires/{response.json()['id']}", headers=headers)


def test_a_restored_backup_holds_every_row_of_every_table(
    client: TestClient, sqlite_only: Database, make_key, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    populate(client, make_key, make_user)
    live = database_file(sqlite_only)
    before = table_contents(live)
    assert all(before[t] for t in ("user", "api_key", "bank_entry", "questionnaire"))
    assert before["question_row"] and before["stored_blob"] and before["audit_event"]

    report = backup(database=sqlite_only, target=tmp_path / "backups" / "vouch.db")
    assert report.rows == {name: len(rows) for name, rows in before.items()}
    assert table_contents(report.path) == before

    # Lose data after the backup: a questionnaire's rows, a user, and add noise.
    with contextlib.closing(sqlite3.connect(live)) as connection:
        connection.execute("DELETE FROM question_row")
        connection.execute("DELETE FROM web_session")
        connection.execute("DELETE FROM user WHERE username = 'hana'")
        connection.execute(
            "INSERT INTO audit_event (at, actor, action, target, details) "
            "VALUES ('2030-01-01', 'x', 'after.backup', '', '{}')"
        )
        connection.commit()
    assert table_contents(live) != before

    restored = restore(database=sqlite_only, source=report.path)
    assert table_contents(live) == before
    assert restored.previous is not None and restored.previous.exists()
    assert table_contents(restored.previous) != before  # what it replaced is kept aside
    assert client.get("/api/v1/entries", headers=bearer(make_key("viewer"))).status_code == 200


def test_a_backup_taken_while_writers_commit_is_consistent(
    sqlite_only: Database, tmp_path: Path
) -> None:
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            with sqlite_only.session(write=True) as db_session:
                for number in range(20):
                    audit.record(db_session=db_session, actor="writer", action=f"n.{number}")

    thread = threading.Thread(target=write)
    thread.start()
    try:
        reports = [backup(database=sqlite_only, target=tmp_path / f"b{n}.db") for n in range(5)]
    finally:
        stop.set()
        thread.join()
    for report in reports:
        # Each writer transaction adds 20 events; a torn copy would hold a partial one.
        assert report.rows["audit_event"] % 20 == 0


def test_a_backup_never_overwrites_and_a_restore_refuses_what_is_not_a_vouch_database(
    sqlite_only: Database, tmp_path: Path
) -> None:
    target = tmp_path / "backup.db"
    backup(database=sqlite_only, target=target)
    with pytest.raises(BackupError, match="never overwrites"):
        backup(database=sqlite_only, target=target)
    stranger = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(stranger)) as connection:
        connection.execute("CREATE TABLE notes (text)")
    with pytest.raises(BackupError, match="not a Vouch database"):
        restore(database=sqlite_only, source=stranger)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    with pytest.raises(BackupError):
        restore(database=sqlite_only, source=damaged)
    with pytest.raises(BackupError, match="no such file"):
        restore(database=sqlite_only, source=tmp_path / "missing.db")


def test_postgresql_is_pointed_at_pg_dump(database: Database, tmp_path: Path) -> None:
    if database.is_sqlite:
        pytest.skip("the PostgreSQL message is checked on PostgreSQL")
    with pytest.raises(BackupError, match="pg_dump"):
        backup(database=database, target=tmp_path / "x.db")
    with pytest.raises(BackupError, match="pg_restore"):
        restore(database=database, source=tmp_path / "x.db")


def test_the_cli_backs_up_and_restores_only_when_told_yes(
    cli_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(cli_database.engine)
    target = tmp_path / "cli.db"
    assert main(["backup", str(target)]) == 0
    assert "backed up to" in capsys.readouterr().out
    assert main(["restore", str(target)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["restore", str(target), "--yes"]) == 0
    assert "restored" in capsys.readouterr().out
    assert main(["backup", str(target)]) == 2
    assert "never overwrites" in capsys.readouterr().err
