"""The SQLite database holds password and key hashes and sealed secrets: only its owner may read it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables
from app.db import Database
from app.services.backup import backup


def modes(path: Path) -> dict[str, int]:
    return {
        part.name: part.stat().st_mode & 0o777
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if part.exists()
    }


def test_a_new_database_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "vouch.db"
    previous = os.umask(0o022)
    try:
        database = Database(f"sqlite:///{path}")
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        found = modes(path)
        database.dispose()
    finally:
        os.umask(previous)
    assert set(found) == {"vouch.db", "vouch.db-wal", "vouch.db-shm"}
    assert set(found.values()) == {0o600}


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "vouch.db"
    path.touch()
    path.chmod(0o644)
    wal = tmp_path / "vouch.db-wal"
    wal.touch()
    wal.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert modes(path) == {"vouch.db": 0o600, "vouch.db-wal": 0o600}


def test_a_backup_is_readable_by_the_owner_only(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'vouch.db'}")
    SQLModel.metadata.create_all(database.engine)
    previous = os.umask(0o022)
    try:
        report = backup(database=database, target=tmp_path / "copies" / "vouch-backup.db")
    finally:
        os.umask(previous)
        database.dispose()
    assert report.path.stat().st_mode & 0o777 == 0o600
