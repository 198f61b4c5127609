"""`vouch bank harvest --out DIR`: drafts, other wordings and updates written to files, none lost."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.core.bank import load_bank, parse_entry
from tests.cli.test_cli import REPO, vouch
from tests.web.test_proposals_page import AT_REST, MFA, completed_workbook


def test_harvest_out_writes_each_outcome_to_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "answered"
    folder.mkdir()
    (folder / "vendor.xlsx").write_bytes(completed_workbook())
    out = tmp_path / "out"
    done = vouch(
        "bank", "harvest", str(folder), "--out", str(out), "--bank", str(REPO / "answer_bank")
    )
    assert done.returncode == 0, done.stderr
    assert (
        "2 answered rows (0 unanswered): 0 drafts, 1 other wordings of entries, 1 updates"
        in done.stdout
    )
    (alternate,) = yaml.safe_load((out / "alternates.yml").read_text(encoding="utf-8"))
    assert (alternate["question"], alternate["answer"], alternate["entry"]) == (
        AT_REST,
        "Yes",
        "CRY-REST-01",
    )
    (update,) = yaml.safe_load((out / "updates.yml").read_text(encoding="utf-8"))
    assert (update["question"], update["answer"], update["entry_answer"]) == (MFA, "No", "Yes")
    assert update["detail"] == "Only on the production console."
    # The update's row is written whole too, as the draft a curator keeping the entry adds.
    kept = parse_entry(update["draft"], where="updates.yml")
    assert (kept.id, kept.question, kept.answer, kept.status) == ("vendor-S-1", MFA, "No", "draft")
    # The folder stays a bank of the new drafts (none here): proposals are not imported with it.
    assert load_bank(out).entries == ()


def test_harvest_names_a_folder_without_workbooks(tmp_path: Path) -> None:
    done = vouch("bank", "harvest", str(tmp_path), "--out", str(tmp_path / "out"))
    assert done.returncode != 0
    assert "no .xlsx, .xlsm, .docx, .docm, .csv or .tsv questionnaire in this folder" in done.stderr
    assert "Traceback" not in done.stderr
