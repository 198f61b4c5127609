"""Canonical YAML dumps, import plans and CSV/XLSX exports of the answer bank."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.bank import CANONICAL_ANSWERS, NON_ENTRY_FILES, Entry, load_bank
from app.core.bank_io import (
    EXPORT_COLUMNS,
    diff_banks,
    dump_entries,
    export_csv,
    export_xlsx,
    neutralise_formula,
)
from app.core.errors import BankError

# What the bank refuses as cell text; generated text avoids it.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SHIPPED_BANK = Path(__file__).resolve().parents[2] / "answer_bank"
PROFILE = {"company": "Acme", "product": "Acme Cloud"}


def entry(entry_id: str = "IAM-MFA-01", **fields: object) -> Entry:
    values: dict[str, object] = {
        "question": "Is MFA enforced for administrators?",
        "answer": "Yes",
        "alternates": ("Do admins use two-factor authentication?",),
        "detail": "{{ company }} enforces MFA.",
        "tags": ("identity", "mfa"),
        "refs": {"caiq": "IAM-14.1"},
        "owner": "security@example.com",
        "status": "draft",
        "reviewed": date(2026, 11, 1),
        "review_every_days": 365,
    }
    values.update(fields)
    return Entry(id=entry_id, **values)  # type: ignore[arg-type]


def entry_files_of(directory: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in sorted(directory.glob("*.yaml"))
        if path.name != "thesaurus.yaml"
    }


def test_exporting_the_shipped_bank_reproduces_its_files_byte_for_byte(tmp_path: Path) -> None:
    bank = load_bank(SHIPPED_BANK)
    dump_entries(bank.entries, tmp_path, profile=bank.profile)
    assert entry_files_of(tmp_path) == entry_files_of(SHIPPED_BANK)


def test_a_dumped_bank_loads_and_dumps_again_to_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    bank = load_bank(SHIPPED_BANK)
    dump_entries(bank.entries, first, profile=bank.profile)
    shutil.copytree(first, second)
    reloaded = load_bank(second)
    dump_entries(reloaded.entries, second, profile=reloaded.profile)
    assert entry_files_of(second) == entry_files_of(first)
    assert reloaded.entries == tuple(sorted(bank.entries, key=lambda e: (e.tags[0], e.id)))


def test_tricky_text_survives_a_dump_and_load_unchanged(tmp_path: Path) -> None:
    tricky = [
        entry("A-01", answer="No", detail="Yes"),
        entry("A-02", answer="1e3", question="0o17", detail="2026-01-01"),
        entry(
            "A-03", answer="N/A", detail="{{ company }}: keeps a 'quoted' word and a \"double\" one"
        ),
        entry("A-04", question="- starts like a list item?", detail="# starts like a comment"),
        entry(
            "A-05", detail="First line of {{ product }}.\nSecond line.\n\nA paragraph after a gap."
        ),
        entry("A-06", question="Ünïcödé — and emoji ✓ stay readable?", answer="true"),
        entry("A-07", refs={"caiq": "A&A-01.1", "iso27001": "A.5.15"}, tags=("compliance",)),
        entry("A-08", alternates=("[bracketed]", "key: value", "null", "~"), answer="off"),
        entry("A-09", owner=None, reviewed=None, review_every_days=None, alternates=(), refs={}),
        entry("A&B_10.x", detail="", tags=()),
        entry("A-11", detail="YAML 1.1 breaks here\x85but 1.2 does not\nand\u2028these\r\nvary"),
    ]
    (tmp_path / "profile.yaml").write_text("company: Acme\nproduct: Acme Cloud\n", encoding="utf-8")
    dump_entries(tricky, tmp_path)
    assert load_bank(tmp_path).by_id() == {e.id: e for e in tricky}


printable_text = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
    .map(str.strip)
    .filter(lambda text: bool(text) and not _CONTROL.search(text))
)

# Details are Jinja templates, so generated ones avoid "{"; they may span several lines.
multi_line_detail = st.lists(printable_text.filter(lambda text: "{" not in text), max_size=4).map(
    "\n".join
)


@settings(max_examples=150, deadline=None)
@given(
    question=printable_text,
    answer=printable_text,
    alternate=printable_text,
    tag=printable_text,
    detail=multi_line_detail,
)
def test_any_printable_text_round_trips_through_canonical_yaml(
    tmp_path_factory: pytest.TempPathFactory,
    question: str,
    answer: str,
    alternate: str,
    tag: str,
    detail: str,
) -> None:
    directory = tmp_path_factory.mktemp("bank")
    original = entry(
        question=question, answer=answer, alternates=(alternate,), tags=(tag,), detail=detail
    )
    dump_entries([original], directory)
    (reloaded,) = load_bank(directory).entries
    # The loader spells Yes / No / N/A canonically however they were typed.
    expected_answer = CANONICAL_ANSWERS.get(answer.lower(), answer)
    assert reloaded == original.with_changes(answer=expected_answer)


def test_yes_and_no_answers_are_quoted_so_yaml_keeps_them_as_words(tmp_path: Path) -> None:
    (path,) = dump_entries([entry(answer="Yes"), entry("IAM-MFA-02", answer="No")], tmp_path)
    text = path.read_text(encoding="utf-8")
    assert 'answer: "Yes"' in text and 'answer: "No"' in text


def test_fields_are_written_in_the_canonical_order_and_empty_ones_are_left_out(
    tmp_path: Path,
) -> None:
    sparse = entry(alternates=(), detail="", refs={}, owner=None, reviewed=None)
    (path,) = dump_entries([sparse], tmp_path)
    keys = [
        line.split(":")[0].strip("- ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(("- ", "  ")) and not line.startswith("    ")
    ]
    assert keys == ["id", "question", "answer", "tags", "status", "review_every_days"]


def test_full_entries_list_their_fields_in_the_documented_order(tmp_path: Path) -> None:
    (path,) = dump_entries([entry()], tmp_path)
    keys = [
        line.split(":")[0].strip("- ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(("- ", "  ")) and not line.startswith("    ")
    ]
    assert keys == [
        "id",
        "question",
        "alternates",
        "answer",
        "detail",
        "tags",
        "refs",
        "owner",
        "status",
        "reviewed",
        "review_every_days",
    ]
    assert "reviewed: 2026-11-01\n" in path.read_text(encoding="utf-8")


def test_entries_go_to_one_file_per_first_tag_sorted_by_id(tmp_path: Path) -> None:
    written = dump_entries(
        [
            entry("IAM-02", tags=("identity",)),
            entry("IAM-01", tags=("identity", "mfa")),
            entry("AI-01", tags=("ai_governance",)),
            entry("X-01", tags=()),
        ],
        tmp_path,
    )
    assert [p.name for p in written] == ["ai-governance.yaml", "general.yaml", "identity.yaml"]
    identity = (tmp_path / "identity.yaml").read_text(encoding="utf-8")
    assert identity.index("IAM-01") < identity.index("IAM-02")


def test_a_hostile_tag_cannot_steer_where_a_file_is_written(tmp_path: Path) -> None:
    bank_dir = tmp_path / "bank"
    written = dump_entries([entry(tags=("../../etc/passwd",))], bank_dir)
    assert [p.parent for p in written] == [bank_dir]
    assert written[0].name == "etc-passwd.yaml"


def test_a_tag_named_like_the_profile_does_not_overwrite_it(tmp_path: Path) -> None:
    written = dump_entries([entry(tags=("profile",))], tmp_path, profile=PROFILE)
    assert sorted(p.name for p in written) == ["profile-entries.yaml", "profile.yaml"]
    assert all(p.name not in NON_ENTRY_FILES for p in written if p.name != "profile.yaml")
    assert load_bank(tmp_path).profile == PROFILE


def test_dumping_refuses_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="duplicate id"):
        dump_entries([entry(), entry()], tmp_path)


def test_an_import_plan_sorts_entries_into_added_changed_unchanged_and_missing() -> None:
    current = {
        "A": entry("A"),
        "B": entry("B"),
        "C": entry("C"),
    }
    incoming = [entry("A"), entry("B", detail="New wording."), entry("D")]
    plan = diff_banks(current, incoming)
    assert [e.id for e in plan.added] == ["D"]
    assert [(c.incoming.id, c.fields) for c in plan.changed] == [("B", ("detail",))]
    assert [e.id for e in plan.unchanged] == ["A"]
    assert plan.conflicting == ()
    assert plan.not_in_import == ("C",)
    assert plan.has_effect


def test_an_import_that_changes_an_approved_answer_needs_a_curator() -> None:
    current = {"A": entry("A", status="approved", answer="Yes")}
    plan = diff_banks(current, [entry("A", status="approved", answer="No")])
    assert [(c.current.answer, c.incoming.answer) for c in plan.conflicting] == [("Yes", "No")]
    assert plan.changed == ()


def test_an_import_that_rewords_an_approved_detail_is_an_ordinary_change() -> None:
    current = {"A": entry("A", status="approved")}
    plan = diff_banks(current, [entry("A", status="approved", detail="Reworded.")])
    assert plan.conflicting == ()
    assert [c.fields for c in plan.changed] == [("detail",)]


def test_an_import_that_changes_a_draft_answer_is_an_ordinary_change() -> None:
    plan = diff_banks({"A": entry("A")}, [entry("A", answer="No")])
    assert [c.fields for c in plan.changed] == [("answer",)]


def test_version_numbers_alone_do_not_make_an_entry_changed() -> None:
    plan = diff_banks({"A": entry("A", version=4)}, [entry("A")])
    assert [e.id for e in plan.unchanged] == ["A"]
    assert not plan.has_effect


def test_an_import_with_a_repeated_id_is_refused() -> None:
    with pytest.raises(BankError, match="more than once"):
        diff_banks({}, [entry("A"), entry("A")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindent", "'\tindent"),
        ("\rreturn", "'\rreturn"),
        ("\0null", "'\0null"),
        ("Yes", "Yes"),
        ("a = b", "a = b"),
    ],
)
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    text: str, expected: str
) -> None:
    assert neutralise_formula(text) == expected


def test_the_csv_export_has_the_documented_columns_and_rendered_details() -> None:
    rows = list(
        csv.reader(
            io.StringIO(export_csv([entry(), entry("X-01", tags=())], PROFILE).decode("utf-8-sig"))
        )
    )
    assert rows[0] == list(EXPORT_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["id"] == "IAM-MFA-01"
    assert first["detail"] == "Acme enforces MFA."
    assert first["tags"] == "identity, mfa"
    assert first["refs"] == "caiq: IAM-14.1"
    assert first["reviewed"] == "2026-11-01"
    assert first["review_due"] == "2027-11-01"
    assert len(rows) == 3


def test_the_csv_export_neutralises_formulas_in_every_text_column() -> None:
    hostile = entry(question="=cmd|'/c calc'!A1", answer="@SUM(1)", detail="-{{ company }}")
    (_, row) = list(csv.reader(io.StringIO(export_csv([hostile], PROFILE).decode("utf-8-sig"))))
    assert row[1] == "'=cmd|'/c calc'!A1"
    assert row[3] == "'@SUM(1)"
    assert row[4] == "'-Acme"


def test_exporting_an_entry_whose_detail_uses_an_unknown_variable_is_a_bank_error() -> None:
    with pytest.raises(BankError, match="unknown variable"):
        export_csv([entry(detail="{{ nobody_defined_this }}")], PROFILE)


def test_the_xlsx_export_writes_every_cell_as_plain_text() -> None:
    hostile = entry(question="=1+1", answer="#N/A", detail="{{ company }} is fine")
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsx([hostile], PROFILE)))
    sheet = workbook.active
    assert sheet is not None
    header, row = list(sheet.iter_rows(values_only=False))
    assert [cell.value for cell in header] == list(EXPORT_COLUMNS)
    assert all(cell.data_type == "s" for cell in row if cell.value is not None)
    assert row[1].value == "'=1+1"
    assert row[3].value == "#N/A"
    assert row[4].value == "Acme is fine"


def test_the_xlsx_export_of_the_shipped_bank_has_one_row_per_entry() -> None:
    bank = load_bank(SHIPPED_BANK)
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsx(bank.entries, bank.profile)))
    sheet = workbook.active
    assert sheet is not None
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == sorted(e.id for e in bank.entries)
