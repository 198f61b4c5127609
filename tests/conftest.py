"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, clients and banks."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables
from alembic import command
from app import security
from app.config import Settings
from app.db import Database
from app.migrations import alembic_config
from app.services import jobs, questionnaires

REPO = Path(__file__).resolve().parents[1]
BUNDLED_BANK = REPO / "answer_bank"
_PG_URL = os.environ.get("VOUCH_DATABASE_URL", "")
PG_URL = _PG_URL if _PG_URL.startswith("postgresql") else ""
BACKENDS = ["sqlite", "postgresql"]

# The app and `vouch worker` register the kinds of job where they start; tests that run jobs
# without either start here.
jobs.register(questionnaires.FILL_JOB)

# Argon2id at its production cost (64 MiB, three passes) was a large share of every test that
# makes an account or logs in; in-process tests hash with the same algorithm at its lowest cost.
# Live servers run in their own processes at the production cost, which
# tests/security/test_password_hashing.py holds.
PRODUCTION_HASHER = security._hasher
security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

SECRET_KEY = "test-secret-key-not-for-production"


def approve_every_entry(target: Path) -> None:
    """Mark every entry of a bank directory approved, as a company would after reading it."""
    for path in target.rglob("*.yaml"):
        content = path.read_text(encoding="utf-8")
        path.write_text(
            re.sub(r"(?m)^(\s*)status: draft\s*$", r"\1status: approved", content), encoding="utf-8"
        )


def make_settings(*, data_dir: Path, bank_dir: Path) -> Settings:
    """Settings for a test app over a data directory and a bank directory."""
    return Settings(
        environment="test",
        data_dir=data_dir,
        bank_dir=bank_dir,
        secret_key=SECRET_KEY,
        _env_file=None,  # type: ignore[call-arg]
    )


@dataclass(frozen=True)
class Template:
    """A database built once per test run that each test starts from a copy of."""

    url: str
    # Files the first start wrote beside the database (the initial admin password).
    data_dir: Path | None


def _build(database: Database, *, seeded: bool, directory: Path) -> Path | None:
    """Create every table, and for a seeded template run the real first start over it."""
    SQLModel.metadata.create_all(database.engine)
    # Recorded as migrated, as a real database is, so a server or worker a test starts on a copy
    # (they migrate on start) finds nothing to do.
    command.stamp(alembic_config(database.url), "head")
    if not seeded:
        return None
    from app.services.bootstrap import bootstrap

    bank_dir = directory / "bank"
    shutil.copytree(BUNDLED_BANK, bank_dir)
    approve_every_entry(bank_dir)
    data_dir = directory / "var"
    bootstrap(database=database, settings=make_settings(data_dir=data_dir, bank_dir=bank_dir))
    return data_dir


class _Templates:
    """The two starting points per backend, built on first use: no rows, and after a first start.

    Building the first start (an Argon2 hash, the whole bundled bank imported) once and copying the
    result is what keeps a fresh database per test affordable.
    """

    def __init__(self) -> None:
        self._built: dict[tuple[str, bool], Template] = {}
        self._directory: Path | None = None
        self._pg_names: list[str] = []
        self._pg_admin: Engine | None = None

    def directory(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="vouch-templates-"))
            atexit.register(shutil.rmtree, self._directory, ignore_errors=True)
        return self._directory

    def pg_admin(self) -> Engine:
        if self._pg_admin is None:
            self._pg_admin = create_engine(
                PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                isolation_level="AUTOCOMMIT",
            )
            atexit.register(self._drop_pg)
        return self._pg_admin

    def pg_url(self, name: str) -> str:
        return PG_URL.rsplit("/", 1)[0] + "/" + name

    def create_pg(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.pg_admin().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self._pg_names.append(name)
        return self.pg_url(name)

    def drop_pg(self, name: str) -> None:
        with self.pg_admin().connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self._pg_names:
            self._pg_names.remove(name)

    def _drop_pg(self) -> None:
        for name in reversed(list(self._pg_names)):
            self.drop_pg(name)
        if self._pg_admin is not None:
            self._pg_admin.dispose()

    def get(self, backend: str, *, seeded: bool) -> Template:
        key = (backend, seeded)
        if key not in self._built:
            directory = self.directory() / f"{backend}-{'seeded' if seeded else 'empty'}"
            directory.mkdir()
            if backend == "sqlite":
                url = f"sqlite:///{directory / 'vouch.db'}"
            else:
                # Named for this run, so parallel runs on one server never collide.
                url = self.create_pg(f"vouch_tpl{os.getpid()}_{secrets.token_hex(3)}")
            database = Database(url)
            data_dir = _build(database, seeded=seeded, directory=directory)
            # Closing the last connection folds SQLite's write-ahead log into the file, and
            # PostgreSQL copies a template only while nobody is connected to it.
            database.dispose()
            self._built[key] = Template(url, data_dir)
        return self._built[key]


TEMPLATES = _Templates()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database per test, on SQLite and on PostgreSQL.

    It starts with every table and no rows, or as after a first start (the admin, the approved
    bank) when the test also asks for `bootstrapped`, as every test of the app does.
    """
    if request.param == "postgresql" and not PG_URL:
        pytest.skip(
            "PostgreSQL tests need VOUCH_DATABASE_URL=postgresql://... (.ci/run starts one)"
        )
    template = TEMPLATES.get(request.param, seeded="bootstrapped" in request.fixturenames)
    if template.data_dir is not None:
        shutil.copytree(template.data_dir, tmp_path / "var", dirs_exist_ok=True)
    if request.param == "sqlite":
        path = tmp_path / "vouch.db"
        shutil.copyfile(template.url.removeprefix("sqlite:///"), path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    name = f"vouch_t{os.getpid()}_{secrets.token_hex(4)}"
    db = Database(TEMPLATES.create_pg(name, template=template.url.rsplit("/", 1)[1]))
    yield db
    db.dispose()
    TEMPLATES.drop_pg(name)


@pytest.fixture
def bootstrapped(database: Database) -> Database:
    """The test database as after the app's first start: the admin and the approved bank."""
    return database


@pytest.fixture
def approved_bank_dir(tmp_path: Path) -> Path:
    """A copy of the bundled bank with every entry approved, as a company would after reading it."""
    target = tmp_path / "bank"
    shutil.copytree(BUNDLED_BANK, target)
    approve_every_entry(target)
    return target


@pytest.fixture
def settings(tmp_path: Path, approved_bank_dir: Path) -> Settings:
    """Settings for a test app: its own data directory and an approved bank."""
    return make_settings(data_dir=tmp_path / "var", bank_dir=approved_bank_dir)


@pytest.fixture
def app(settings: Settings, bootstrapped: Database):  # type: ignore[no-untyped-def]
    """The Vouch application over the test database."""
    from app.main import create_app
    from app.services.bank import matchers

    matchers.clear()
    return create_app(settings, bootstrapped)


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
