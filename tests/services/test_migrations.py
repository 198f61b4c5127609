"""Migrations run up and down on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from app.db import Database
from app.migrations import downgrade, upgrade
from tests.conftest import PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need VOUCH_DATABASE_URL=postgresql://... (.ci/run starts one)"
        )
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS vouch_migrations"))
        connection.execute(text("CREATE DATABASE vouch_migrations"))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/vouch_migrations"


def test_migrations_upgrade_to_the_models_and_downgrade_to_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    database = Database(empty_url)
    try:
        with database.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                SQLModel.metadata,
            )
            tables = set(inspect(connection).get_table_names())
        assert differences == [], f"models and migrations disagree: {differences}"
        assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables
        downgrade(empty_url)
        with database.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade(empty_url)
    finally:
        database.dispose()


def test_a_database_at_0001_gains_the_proposals_queue_with_one_pending_row_per_wording(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0001")
    upgrade(empty_url)
    database = Database(empty_url)
    row = (
        "INSERT INTO alternate_proposal (entry_id, question, question_key, answer, detail, score,"
        " answers_agree, source, created_at, created_by, status)"
        " VALUES ('IAM-01', 'Is MFA on?', 'k', 'Yes', '', 0.9, true, 'a.xlsx!S!2',"
        " CURRENT_TIMESTAMP, 'test', :status)"
    )
    try:
        with database.engine.begin() as connection:
            connection.execute(text(row), {"status": "dismissed"})
            connection.execute(text(row), {"status": "pending"})
        with pytest.raises(IntegrityError), database.engine.begin() as connection:
            connection.execute(text(row), {"status": "pending"})
        downgrade(empty_url, "0001")
        with database.engine.connect() as connection:
            assert "alternate_proposal" not in inspect(connection).get_table_names()
    finally:
        database.dispose()
