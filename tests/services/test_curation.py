"""Curating the bank on SQLite and PostgreSQL: versions, restore, stale edits, freshness, conflicts, variables, import and export."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from app.config import Settings
from app.core.bank import Bank, Entry, load_bank
from app.core.errors import BankError
from app.db import Database
from app.models import AuditEvent, BankState
from app.services import bank as bank_service
from app.services import bank_conflicts, bank_entries, bank_freshness, bank_transfer, bank_variables
from tests.conftest import BUNDLED_BANK

TODAY = date(2026, 11, 26)


def fields(entry_id: str = "IAM-MFA-01", **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": entry_id,
        "question": "Is multi-factor authentication enforced for administrators?",
        "answer": "Yes",
        "detail": "{{ company }} enforces MFA for every administrator.",
        "tags": ["identity", "mfa"],
        "refs": {"caiq": "IAM-14.1"},
        "owner": "security@example.com",
    }
    values.update(changes)
    return values


@pytest.fixture
def db(database: Database) -> Database:
    with database.session(write=True) as s:
        s.add(BankState(id=1, revision=0))
        bank_variables.set_variable(db_session=s, name="company", value="Acme", actor="test")
    return database


def revision(db: Database) -> int:
    with db.session() as s:
        return bank_service.revision(db_session=s)


def test_creating_an_entry_records_version_one_with_who_and_why(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(
            db_session=s, fields=fields(), actor="user:1", reason="new control"
        )
    with db.session() as s:
        versions = bank_service.history(db_session=s, entry_id="IAM-MFA-01")
        row = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
    assert row is not None and row.status == "draft" and row.version == 1
    assert [(v.version, v.changed_by, v.reason) for v in versions] == [(1, "user:1", "new control")]


def test_every_edit_is_a_new_version_bumps_the_revision_and_is_audited(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="user:1")
    before = revision(db)
    with db.session(write=True) as s:
        bank_entries.edit_entry(
            db_session=s,
            entry_id="IAM-MFA-01",
            expected_version=1,
            changes={"answer": "No"},
            actor="user:2",
            reason="MFA rollout paused",
        )
    assert revision(db) == before + 1
    with db.session() as s:
        versions = bank_service.history(db_session=s, entry_id="IAM-MFA-01")
        event = s.exec(
            AuditEvent.__table__.select().where(AuditEvent.action == "bank.edit")  # type: ignore[attr-defined]
        ).first()
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].snapshot["answer"] == "No" and versions[1].snapshot["answer"] == "Yes"
    assert event is not None
    assert event.details["before"]["answer"] == "Yes" and event.details["after"]["answer"] == "No"


def test_an_edit_against_an_old_version_is_refused_and_saves_nothing(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="user:1")
        bank_entries.edit_entry(
            db_session=s,
            entry_id="IAM-MFA-01",
            expected_version=1,
            changes={"answer": "No"},
            actor="user:1",
        )
    with pytest.raises(bank_entries.StaleEdit) as caught, db.session(write=True) as s:
        bank_entries.edit_entry(
            db_session=s,
            entry_id="IAM-MFA-01",
            expected_version=1,
            changes={"detail": "Overwritten."},
            actor="user:2",
        )
    assert caught.value.current.version == 2
    with db.session() as s:
        row = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
    assert row is not None and row.version == 2 and "Overwritten" not in row.detail


def test_restoring_a_version_brings_its_text_back_as_a_new_version(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="user:1")
        bank_entries.edit_entry(
            db_session=s,
            entry_id="IAM-MFA-01",
            expected_version=1,
            changes={"answer": "No", "detail": "Not yet."},
            actor="user:1",
        )
        row = bank_entries.restore_version(
            db_session=s,
            entry_id="IAM-MFA-01",
            version=1,
            expected_version=2,
            actor="user:3",
            reason="rollout resumed",
        )
    assert (row.version, row.answer) == (3, "Yes")
    assert row.detail.startswith("{{ company }}")
    with db.session() as s:
        latest = bank_service.history(db_session=s, entry_id="IAM-MFA-01")[0]
    assert latest.reason == "restored version 1: rollout resumed"


def test_approving_marks_the_entry_reviewed_today_and_retiring_hides_it(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="user:1")
        row = bank_entries.approve_entry(
            db_session=s, entry_id="IAM-MFA-01", expected_version=1, actor="user:1", today=TODAY
        )
        assert (row.status, row.reviewed) == ("approved", TODAY)
        assert bank_service.to_entry(row).can_autofill(today=TODAY)
        bank_entries.retire_entry(
            db_session=s, entry_id="IAM-MFA-01", expected_version=2, actor="u"
        )
    with db.session() as s:
        assert bank_entries.live_entries(db_session=s) == []


def test_bank_text_with_control_characters_or_over_the_cell_limit_is_refused(db: Database) -> None:
    with pytest.raises(BankError, match="control characters"), db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(answer="Yes\x07"), actor="u")
    with pytest.raises(BankError, match="32767"), db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(detail="x" * 32_768), actor="u")


def test_a_detail_with_an_unknown_variable_is_refused_naming_it(db: Database) -> None:
    with pytest.raises(BankError, match="unknown variable"), db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(detail="{{ nowhere }}"), actor="u")


def test_changing_a_variable_re_renders_details(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="u")
        bank_variables.set_variable(db_session=s, name="company", value="Globex", actor="u")
    with db.session() as s:
        row = bank_service.get_entry(db_session=s, entry_id="IAM-MFA-01")
        assert row is not None
        text, error = bank_variables.preview(
            bank_service.to_entry(row), bank_service.profile(db_session=s)
        )
    assert (text, error) == ("Globex enforces MFA for every administrator.", None)


def test_removing_a_variable_a_detail_uses_is_refused_with_the_entry_named(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="u")
    with pytest.raises(BankError, match="IAM-MFA-01"), db.session(write=True) as s:
        bank_variables.delete_variable(db_session=s, name="company", actor="u")
    with pytest.raises(BankError, match="must be text"), db.session(write=True) as s:
        bank_variables.set_variable(db_session=s, name="company", value={"a": 1}, actor="u")  # type: ignore[arg-type]


def test_freshness_lists_stale_and_soon_due_entries_by_owner() -> None:
    entries = [
        Entry(id="OLD", question="q", answer="Yes", status="approved", owner="b@x",
              reviewed=TODAY - timedelta(days=400), review_every_days=365),
        Entry(id="SOON", question="q", answer="Yes", status="approved", owner="a@x",
              reviewed=TODAY - timedelta(days=350), review_every_days=365),
        Entry(id="FRESH", question="q", answer="Yes", status="approved", owner="a@x",
              reviewed=TODAY, review_every_days=365),
        Entry(id="DEFAULT", question="q", answer="Yes", status="approved", owner="a@x",
              reviewed=TODAY - timedelta(days=100)),
        Entry(id="GONE", question="q", answer="Yes", status="retired", owner="a@x",
              reviewed=TODAY - timedelta(days=999), review_every_days=1),
    ]  # fmt: skip
    groups = bank_freshness.freshness(entries, today=TODAY, default_review_days=90)
    found = {g.owner: [(i.entry.id, i.stale) for i in g.items] for g in groups}
    assert found == {"a@x": [("DEFAULT", True), ("SOON", False)], "b@x": [("OLD", True)]}


def test_the_detector_pairs_close_questions_and_flags_differing_answers() -> None:
    entries = [
        Entry(id="A", question="Do you encrypt customer data at rest?", answer="Yes"),
        Entry(id="B", question="Is customer data encrypted at rest?", answer="No"),
        Entry(id="C", question="Do you encrypt customer data at rest?", answer="Yes",
              alternates=("Is data at rest encrypted?",)),
        Entry(id="D", question="Do you run background checks on new staff?", answer="Yes"),
    ]  # fmt: skip
    pairs = {(p.first.id, p.second.id): p.conflicting for p in bank_conflicts.close_pairs(entries)}
    assert pairs.get(("A", "C")) is False
    assert pairs.get(("A", "B")) is True
    assert not any("D" in pair for pair in pairs)


def test_the_starter_bank_yields_conflicts_for_a_curator_to_review() -> None:
    pairs = bank_conflicts.close_pairs(load_bank(BUNDLED_BANK).entries)
    assert all(p.score >= bank_conflicts.CLOSE_PAIR_SCORE for p in pairs)
    assert all(p.first.id < p.second.id for p in pairs)


def test_search_filters_by_tag_owner_stale_and_conflicts(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(
            db_session=s,
            fields=fields("A", question="Do you encrypt customer data at rest?",
                          reviewed="2020-01-01", review_every_days=30),
            actor="u",
        )  # fmt: skip
        bank_entries.create_entry(
            db_session=s,
            fields=fields("B", question="Is customer data encrypted at rest?", answer="No",
                          tags=["crypto"], owner="other@example.com"),
            actor="u",
        )  # fmt: skip
        bank_entries.create_entry(
            db_session=s,
            fields=fields("C", question="Do you run background checks on staff?"),
            actor="u",
        )
    with db.session() as s:

        def ids(**kw: object) -> list[str]:
            return [r.id for r in bank_entries.search(db_session=s, today=TODAY, **kw)]  # type: ignore[arg-type]

        assert ids(tag="crypto") == ["B"]
        assert ids(owner="other@example.com") == ["B"]
        assert ids(stale=True) == ["A"]
        assert ids(conflicts=True) == ["A", "B"]
        assert ids(query="background") == ["C"]
        assert ids(query="iam-14.1") == ["A", "B", "C"]


def test_bulk_approval_approves_every_draft_as_a_version(db: Database) -> None:
    with db.session(write=True) as s:
        for name in ("A", "B"):
            bank_entries.create_entry(db_session=s, fields=fields(name), actor="u")
        approved = bank_entries.approve_drafts(db_session=s, actor="admin", today=TODAY)
    assert approved == ["A", "B"]
    with db.session() as s:
        assert {r.status for r in bank_service.list_entries(db_session=s)} == {"approved"}
        assert bank_service.history(db_session=s, entry_id="A")[0].changed_by == "admin"


def test_import_reports_added_changed_unchanged_and_holds_back_conflicting(db: Database) -> None:
    a = Entry(id="A", question="Do you encrypt data at rest?", answer="Yes", status="approved")
    b = Entry(id="B", question="Do you log access?", answer="Yes", status="draft")
    c = Entry(id="C", question="Do you scan for vulnerabilities?", answer="Yes")
    with db.session(write=True) as s:
        bank_transfer.import_bank(db_session=s, bank=Bank(entries=(a, b, c)), actor="u", reason="r")
    incoming = (
        a.with_changes(answer="No"),
        b.with_changes(answer="No"),
        c,
        Entry(id="D", question="Do you train staff?", answer="Yes"),
    )
    with db.session(write=True) as s:
        outcome = bank_transfer.import_bank(
            db_session=s, bank=Bank(entries=incoming), actor="u", reason="r"
        )
    assert outcome.counts() == {"added": 1, "changed": 1, "unchanged": 1, "conflicting": 1}
    assert [c.current.id for c in outcome.conflicting] == ["A"]
    with db.session() as s:
        row = bank_service.get_entry(db_session=s, entry_id="A")
    assert row is not None and row.answer == "Yes"


def test_exporting_the_imported_starter_bank_reproduces_its_files(
    db: Database, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    with db.session(write=True) as s:
        bank_transfer.import_directory(db_session=s, directory=BUNDLED_BANK, actor="u")
        bank_transfer.export_directory(db_session=s, directory=source)
    with db.session(write=True) as s:
        again = bank_transfer.import_directory(db_session=s, directory=source, actor="u")
        bank_transfer.export_directory(db_session=s, directory=tmp_path / "again")
    assert again.counts()["changed"] == again.counts()["added"] == 0
    diff = subprocess.run(
        ["diff", "-r", str(source), str(tmp_path / "again")], capture_output=True, text=True
    )
    assert diff.returncode == 0, diff.stdout[:2000]
    exported = {p.name for p in source.glob("*.yaml")}
    shipped = {p.name for p in BUNDLED_BANK.glob("*.yaml")} - {"thesaurus.yaml"}
    assert exported == shipped
    for name in sorted(exported - {"profile.yaml"}):
        assert (source / name).read_text() == (BUNDLED_BANK / name).read_text(), name


def test_csv_and_xlsx_exports_hold_every_live_entry(db: Database) -> None:
    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="u")
        csv_bytes = bank_transfer.export_table(
            db_session=s, kind="csv", default_review_days=None, actor="u"
        )
        xlsx = bank_transfer.export_table(
            db_session=s, kind="xlsx", default_review_days=None, actor="u"
        )
        with pytest.raises(BankError):
            bank_transfer.export_table(
                db_session=s, kind="pdf", default_review_days=None, actor="u"
            )
    assert "Acme enforces MFA" in csv_bytes.decode("utf-8-sig")
    assert xlsx[:2] == b"PK"


def test_of_two_concurrent_edits_of_one_version_exactly_one_is_saved(db: Database) -> None:
    import threading

    with db.session(write=True) as s:
        bank_entries.create_entry(db_session=s, fields=fields(), actor="u")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def edit(answer: str) -> None:
        start.wait()
        try:
            with db.session(write=True) as s:
                bank_entries.edit_entry(
                    db_session=s,
                    entry_id="IAM-MFA-01",
                    expected_version=1,
                    changes={"answer": answer},
                    actor=answer,
                )
            outcomes.append("saved")
        except bank_entries.StaleEdit:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(a,)) for a in ("No", "Partly")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["saved", "stale"]
    with db.session() as s:
        versions = bank_service.history(db_session=s, entry_id="IAM-MFA-01")
    assert [v.version for v in versions] == [2, 1]


def test_the_cli_imports_approves_exports_and_harvests(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app import cli
    from app.config import Settings
    from app.db import set_database
    from tests.sharedfiles import CAIQ_V4_WHITEPACT, raw

    settings = Settings(
        environment="test", data_dir=tmp_path, bank_dir=BUNDLED_BANK, _env_file=None
    )  # type: ignore[call-arg]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    set_database(db)
    shipped = len(load_bank(BUNDLED_BANK).entries)
    try:
        assert cli.main(["bank", "import", str(BUNDLED_BANK)]) == 0
        assert f"added {shipped}, changed 0, unchanged 0, conflicting 0" in capsys.readouterr().out
        assert cli.main(["bank", "approve"]) == 2
        assert cli.main(["bank", "approve", "--all", "--actor", "admin"]) == 0
        assert f"approved {shipped} drafts" in capsys.readouterr().out
        assert cli.main(["bank", "export", str(tmp_path / "out")]) == 0
        changed = tmp_path / "out" / "identity.yaml"
        changed.write_text(
            changed.read_text().replace('answer: "Yes"', 'answer: "No"', 1), encoding="utf-8"
        )
        assert cli.main(["bank", "import", str(tmp_path / "out")]) == 1
        out = capsys.readouterr().out
        assert f"changed 0, unchanged {shipped - 1}, conflicting 1" in out and "held back" in out
        path = raw(CAIQ_V4_WHITEPACT)
        assert cli.main(["bank", "harvest", str(path), "--out", str(tmp_path / "drafts")]) == 0
        assert "261 answered rows" in capsys.readouterr().out
        # 96 rows are new statements; the others update the statements citing their IDs.
        assert len(load_bank(tmp_path / "drafts").entries) > 90
    finally:
        set_database(None)


def test_start_up_loads_the_bank_with_the_one_curator_safe_import(
    database: Database, settings: Settings
) -> None:
    from app.services import bank as bank_service
    from app.services.bootstrap import bootstrap

    assert not hasattr(bank_service, "import_bank"), "one import, the one that holds conflicts"
    report = bootstrap(database=database, settings=settings)
    with database.session() as db_session:
        imported = {
            e.target
            for e in db_session.exec(select(AuditEvent).where(AuditEvent.action == "bank.import"))
        }
        entries = {e.id for e in bank_service.list_entries(db_session=db_session)}
    assert report.bank_entries_loaded == len(entries) > 300
    assert imported == entries, "each statement's import is audited with its before and after"
