"""Write a harvest out as files and say what it found, for the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from app.core.bank import Entry
from app.core.bank_io import dump_entries
from app.core.errors import UnreadableWorkbook
from app.core.harvest import AlternateProposal, Harvest

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".docm", ".csv", ".tsv")
# Not .yaml: the directory stays a bank of the new drafts that `vouch bank import` loads, and
# proposals wait for a person instead of being imported with them.
ALTERNATES_FILE = "alternates.yml"
UPDATES_FILE = "updates.yml"


def workbook_paths(names: Sequence[str]) -> list[Path]:
    """Expand files and folders into the completed workbooks to harvest, in a stable order."""
    found: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            inside = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES
            )
            if not inside:
                raise UnreadableWorkbook(
                    f"{path}: no .xlsx, .xlsm, .docx, .docm, .csv or .tsv questionnaire in this folder"
                )
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise UnreadableWorkbook(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def _proposal(proposal: AlternateProposal) -> dict[str, Any]:
    data: dict[str, Any] = {
        "entry": proposal.entry_id,
        "source": f"{proposal.source_file}!{proposal.source}"
        if proposal.source_file
        else proposal.source,
        "score": proposal.score,
        "question": proposal.question,
        "answer": proposal.answer,
        "entry_answer": proposal.existing_answer,
    }
    if proposal.control_id:
        data["control_id"] = proposal.control_id
    if proposal.detail:
        data["detail"] = proposal.detail
    if proposal.kind == "update":
        data["entry_detail"] = proposal.existing_detail
        if proposal.draft is not None:
            # The row whole, as the draft a curator who keeps the entry adds to the bank.
            data["draft"] = draft_fields(proposal.draft)
    return data


def write_harvest(result: Harvest, *, directory: Path) -> list[Path]:
    """Write the drafts as bank files and the alternates and updates as YAML lists beside them."""
    directory.mkdir(parents=True, exist_ok=True)
    written = dump_entries(result.drafts, directory)
    for name, proposals in ((ALTERNATES_FILE, result.alternates), (UPDATES_FILE, result.updates)):
        path = directory / name
        text = yaml.safe_dump(
            [_proposal(p) for p in proposals], allow_unicode=True, sort_keys=False, width=100
        )
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def draft_fields(entry: Entry) -> dict[str, Any]:
    """Return a draft's fields as a bank file spells them, leaving out the empty ones."""
    fields: dict[str, Any] = {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "detail": entry.detail,
        "tags": list(entry.tags),
        "refs": dict(entry.refs),
        "owner": entry.owner,
        "status": entry.status,
    }
    return {name: value for name, value in fields.items() if value}


def summary_line(result: Harvest) -> str:
    """Say in one line what a harvest found."""
    counts = result.counts()
    files = f"{counts['files']} files, " if counts["files"] > 1 else ""
    return (
        f"{files}{counts['answered_rows']} answered rows ({counts['unanswered_rows']} unanswered): "
        f"{counts['drafts']} drafts, {counts['alternates']} other wordings of entries, "
        f"{counts['updates']} updates of entries, {counts['repeated']} repeated questions "
        f"({counts['conflicts']} answered differently)"
    )
