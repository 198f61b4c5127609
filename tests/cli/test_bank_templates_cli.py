"""`vouch bank import` and `vouch bank check` refuse a detail beyond substitution, naming entry and construct."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from app.cli import main
from app.db import Database, set_database
from app.models import BankEntry
from tests.refused_templates import REFUSED_TEMPLATES


@pytest.fixture
def cli_database(database: Database) -> Iterator[Database]:
    set_database(database)
    yield database
    set_database(None)


def bank_with(directory: Path, detail: str) -> Path:
    directory.mkdir()
    (directory / "profile.yaml").write_text("company: Example Co\nproduct: Cloud\n")
    quoted = detail.replace("'", "''")
    (directory / "identity.yaml").write_text(
        "- {id: X-OK-1, question: Is MFA on?, answer: 'Yes', detail: '{{ company }} uses MFA.'}\n"
        f"- {{id: X-TPL-1, question: Is SSO on?, answer: 'Yes', detail: '{quoted}'}}\n",
        encoding="utf-8",
    )
    return directory


def test_import_refuses_each_construct_and_writes_nothing(
    cli_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, (source, construct) in enumerate(REFUSED_TEMPLATES):
        directory = bank_with(tmp_path / f"bank{n}", source)
        assert main(["bank", "import", str(directory)]) == 2, construct
        error = capsys.readouterr().err
        assert "identity.yaml" in error and "entry X-TPL-1" in error, error
        assert construct in error and "Traceback" not in error, error
        assert main(["bank", "check", str(directory)]) == 2
        assert construct in capsys.readouterr().err
    with cli_database.session() as db_session:
        assert db_session.exec(select(BankEntry)).all() == []


def test_import_refuses_a_profile_variable_no_cell_could_hold(
    cli_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = bank_with(tmp_path / "bank", "{{ company }}")
    (directory / "profile.yaml").write_text("company: " + "x" * 40_000 + "\n")
    assert main(["bank", "import", str(directory)]) == 2
    error = capsys.readouterr().err
    assert "profile.yaml" in error and "variable company" in error and "longer than" in error
