"""The admin commands: disable and enable users, list and revoke keys, export the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from app.cli import main
from app.db import Database, set_database
from app.models import ApiKey, User, WebSession
from app.services import accounts


@pytest.fixture
def cli_database(database: Database) -> Iterator[Database]:
    set_database(database)
    yield database
    set_database(None)


def test_disabling_a_user_from_the_cli_ends_their_sessions(
    cli_database: Database, make_user, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    name, _ = make_user("ivan", "responder")
    with cli_database.session(write=True) as db_session:
        user = db_session.exec(select(User).where(User.username == name)).one()
        accounts.start_session(db_session=db_session, user=user)
    assert main(["users", "disable", "IVAN"]) == 0
    with cli_database.session() as db_session:
        assert not db_session.exec(select(User).where(User.username == name)).one().is_active
        assert db_session.exec(select(WebSession)).all() == []
    assert main(["users", "enable", "ivan"]) == 0
    assert main(["users", "disable", "nobody"]) == 2
    assert "no user 'nobody'" in capsys.readouterr().err


def test_keys_are_listed_without_their_secret_and_revoked_from_the_cli(
    cli_database: Database, make_key, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    secret = make_key("viewer", name="crm sync")
    assert main(["apikey", "list"]) == 0
    listing = capsys.readouterr().out
    assert "crm sync" in listing and "never" in listing and "live" in listing
    # The random part may itself hold "_": split off only the two fixed fields before it, or a
    # one-letter fragment of it could turn up in the listing by chance.
    random_part = secret.split("_", 2)[2]
    assert len(random_part) >= 40
    assert secret not in listing and random_part not in listing
    with cli_database.session() as db_session:
        key_id = db_session.exec(select(ApiKey)).one().id
    assert main(["apikey", "revoke", str(key_id)]) == 0
    with cli_database.session() as db_session:
        assert accounts.authenticate_api_key(db_session=db_session, secret=secret) is None
    assert main(["apikey", "revoke", "999"]) == 2


def test_the_audit_log_exports_as_csv_to_a_file_or_stdout(
    cli_database: Database, make_user, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    make_user("judy", "viewer")
    target = tmp_path / "audit.csv"
    assert main(["audit", "export", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["action"] for r in rows] == ["user.create"]
    assert main(["audit", "export", "--action", "audit.export"]) == 0
    out = capsys.readouterr().out
    exported = list(csv.DictReader(io.StringIO(out[out.index("id,at,") :])))
    assert [r["action"] for r in exported] == ["audit.export"]
