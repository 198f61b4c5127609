"""Realistic Word and CSV questionnaires built from public question text in ../shared, then filled.

The CISA ICT supply-chain questions are a US government work; the OWASP ASVS 5.0 requirements are
CC BY-SA 4.0 (OWASP Foundation). Only a few dozen are read at test time; nothing is stored here.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
import yaml

from app.core.answering import auto_writes, propose
from app.core.bank import load_bank
from app.core.formats import fill_questionnaire_file, read_questionnaire_file
from app.core.matching import Matcher
from tests.core.document_fixtures import (
    cell,
    checkbox,
    dropdown,
    header_row,
    heading,
    package,
    row,
    run,
    table,
)
from tests.core.workbook_fixtures import convert_with_libreoffice
from tests.sharedfiles import raw

pytestmark = pytest.mark.shared

CISA = "cisa-vendor-scrm/cisa-vendor-scrm.yaml"
ASVS = "owasp-asvs/OWASP_Application_Security_Verification_Standard_5.0.0_en.csv"


def cisa_sections(limit: int = 30) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return [(section name, [(ref, question)])] for the first CISA SCRM questions."""
    document = yaml.safe_load(raw(CISA).read_text(encoding="utf-8"))
    nodes = document["objects"]["framework"]["requirement_nodes"]
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    taken = 0
    for node in nodes:
        if node.get("depth") == 1:
            sections.append((str(node.get("name") or node.get("ref_id")), []))
        for question in (node.get("questions") or {}).values():
            text = " ".join(str(question.get("text", "")).split())
            if sections and text.endswith("?") and taken < limit:
                sections[-1][1].append((str(node.get("ref_id")), text))
                taken += 1
    return [(name, items) for name, items in sections if items]


def cisa_docx() -> bytes:
    """Build a supply-chain addendum: a table per section under its heading, mixed answer cells."""
    body = ""
    for index, (name, items) in enumerate(cisa_sections()):
        rows = [header_row()]
        for position, (ref, question) in enumerate(items):
            if position % 3 == 1:
                answer = cell(dropdown(("Yes", "No", "N/A")))
            elif position % 3 == 2:
                answer = cell(checkbox() + run(" Yes ") + checkbox() + run(" No"))
            else:
                answer = cell()
            rows.append(row(cell(run(ref)), cell(run(question)), answer, cell()))
        body += heading(f"{index + 1}. {name}") + table(*rows, columns=4)
    return package(body)


def asvs_csv(limit: int = 40) -> bytes:
    """Build a portal export of ASVS requirements: id, requirement, level, and no answer column."""
    with raw(ASVS).open(encoding="utf-8", newline="") as handle:
        items = list(csv.DictReader(handle))[:limit]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Requirement ID", "Requirement", "Level"])
    for item in items:
        writer.writerow([item["req_id"], item["req_description"], item["L"]])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def fill_with_bank(data: bytes, bank_dir: Path):  # type: ignore[no-untyped-def]
    bank = load_bank(bank_dir)
    detection = read_questionnaire_file(data)
    proposals = propose(
        detection.rows, matcher=Matcher(bank.entries), entries=bank.by_id(), profile=bank.profile
    )
    return detection, fill_questionnaire_file(data, detection, auto_writes(proposals))


def test_the_cisa_supply_chain_questions_as_a_word_addendum_are_read_and_filled(
    approved_bank_dir: Path, tmp_path: Path
) -> None:
    data = cisa_docx()
    expected = sum(len(items) for _, items in cisa_sections())

    detection, result = fill_with_bank(data, approved_bank_dir)

    assert len(detection.rows) == expected
    assert all(r.context for r in detection.rows)
    assert result.fidelity.ok, result.fidelity
    with (
        zipfile.ZipFile(io.BytesIO(data)) as before,
        zipfile.ZipFile(io.BytesIO(result.data)) as after,
    ):
        assert [n for n in before.namelist() if before.read(n) != after.read(n)] in (
            [],
            ["word/document.xml"],
        )
    pdf = convert_with_libreoffice(result.data, suffix=".docx", target="pdf", workdir=tmp_path)
    assert pdf.startswith(b"%PDF")


def test_the_asvs_requirements_as_a_csv_export_get_answer_columns(approved_bank_dir: Path) -> None:
    data = asvs_csv()

    detection, result = fill_with_bank(data, approved_bank_dir)

    assert len(detection.rows) == 40
    assert result.fidelity.ok, result.fidelity
    lines = list(csv.reader(io.StringIO(result.data.decode("utf-8-sig")), delimiter=";"))
    original = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [line[:3] for line in lines] == [line[:3] for line in original]
    if any(outcome.written for outcome in result.outcomes):
        assert lines[0][3:] == ["Answer", "Detail"]
