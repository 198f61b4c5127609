"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, clients and banks."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables
from app.config import Settings
from app.db import Database

REPO = Path(__file__).resolve().parents[1]
BUNDLED_BANK = REPO / "answer_bank"
_PG_URL = os.environ.get("VOUCH_DATABASE_URL", "")
PG_URL = _PG_URL if _PG_URL.startswith("postgresql") else ""
BACKENDS = ["sqlite", "postgresql"]

_pg_database: Database | None = None


def _postgres() -> Database:
    """A database of this test run's own on the PostgreSQL server, so parallel runs never collide."""
    global _pg_database
    if _pg_database is None:
        name = f"vouch_t{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(
            PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            if _pg_database is not None:
                _pg_database.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        atexit.register(drop)
        _pg_database = Database(PG_URL.rsplit("/", 1)[0] + "/" + name)
        SQLModel.metadata.create_all(_pg_database.engine)
    return _pg_database


def _truncate(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with every table and no rows, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'vouch.db'}")
        SQLModel.metadata.create_all(db.engine)
        yield db
        db.dispose()
        return
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need VOUCH_DATABASE_URL=postgresql://... (.ci/run starts one)"
        )
    db = _postgres()
    _truncate(db)
    yield db
    _truncate(db)


@pytest.fixture
def approved_bank_dir(tmp_path: Path) -> Path:
    """A copy of the bundled bank with every entry approved, as a company would after reading it."""
    target = tmp_path / "bank"
    shutil.copytree(BUNDLED_BANK, target)
    for path in target.rglob("*.yaml"):
        content = path.read_text(encoding="utf-8")
        path.write_text(
            re.sub(r"(?m)^(\s*)status: draft\s*$", r"\1status: approved", content), encoding="utf-8"
        )
    return target


@pytest.fixture
def settings(tmp_path: Path, approved_bank_dir: Path) -> Settings:
    """Settings for a test app: its own data directory and an approved bank."""
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        bank_dir=approved_bank_dir,
        secret_key="test-secret-key-not-for-production",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    """The Vouch application over the test database."""
    from app.main import create_app
    from app.services.bank import matchers

    matchers.clear()
    return create_app(settings, database)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A test client with the app started (first admin created, bank loaded)."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def make_key(database: Database):  # type: ignore[no-untyped-def]
    """Create API keys with a role; returns the secret to send as a bearer token."""
    from app.services import accounts

    def make(role: str = "responder", name: str | None = None) -> str:
        with database.session(write=True) as db_session:
            _, secret = accounts.create_api_key(
                db_session=db_session, name=name or f"{role} key", role=role, actor="test"
            )
        return secret

    return make


@pytest.fixture
def make_user(database: Database):  # type: ignore[no-untyped-def]
    """Create accounts with a role; returns (username, password)."""
    from app.services import accounts

    def make(username: str, role: str = "responder") -> tuple[str, str]:
        password = f"{username}-password-123"
        with database.session(write=True) as db_session:
            accounts.create_user(
                db_session=db_session, username=username, password=password, role=role, actor="test"
            )
        return username, password

    return make


def bearer(secret: str) -> dict[str, str]:
    """Return the header an API call authenticates with."""
    return {"Authorization": f"Bearer {secret}"}
