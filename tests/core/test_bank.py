"""The answer-bank file format: loading, validation errors and detail rendering."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.core.bank import Entry, load_bank, render_detail
from app.core.errors import BankError


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
- id: IAM-MFA-01
  question: Is multi-factor authentication enforced for all remote and privileged access?
  alternates: [Do you require MFA for administrators?]
  answer: "Yes"
  detail: "{{ company }} enforces MFA."
  tags: [identity]
  refs: {caiq: IAM-14.1}
  status: approved
  reviewed: 2026-10-01
  review_every_days: 365
"""


def test_a_bank_directory_loads_entries_and_renders_details_over_the_profile(
    tmp_path: Path,
) -> None:
    write(tmp_path, "profile.yaml", "company: Acme\n")
    write(tmp_path, "identity.yaml", GOOD)
    bank = load_bank(tmp_path)
    (entry,) = bank.entries
    assert entry.id == "IAM-MFA-01"
    assert entry.alternates == ("Do you require MFA for administrators?",)
    assert entry.refs == {"caiq": "IAM-14.1"}
    assert entry.reviewed == date(2026, 10, 1)
    assert render_detail(entry, bank.profile) == "Acme enforces MFA."


def test_a_bare_yes_in_yaml_stays_the_word_yes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        "- {id: A-1, question: Is it so?, answer: yes}\n- {id: A-2, question: Is it not?, answer: no}\n",
    )
    assert [e.answer for e in load_bank(tmp_path).entries] == ["Yes", "No"]


def test_a_duplicate_id_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- {id: X-1, question: Q one?, answer: 'Yes'}\n")
    write(tmp_path, "b.yaml", "- {id: X-1, question: Q two?, answer: 'No'}\n")
    with pytest.raises(
        BankError, match=r"b\.yaml \(entry X-1\): duplicate id, already defined in a\.yaml"
    ):
        load_bank(tmp_path)


def test_an_unknown_template_variable_names_file_entry_and_variable(tmp_path: Path) -> None:
    write(tmp_path, "profile.yaml", "company: Acme\n")
    write(
        tmp_path,
        "a.yaml",
        "- {id: X-1, question: Q?, answer: 'Yes', detail: '{{ product }} is fine'}\n",
    )
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    message = str(caught.value)
    assert "a.yaml" in message and "X-1" in message and "product" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- {id: 'bad id!', question: Q?, answer: 'Yes'}\n", "field 'id'"),
        ("- {id: X-1, answer: 'Yes'}\n", "field 'question' is required"),
        ("- {id: X-1, question: Q?, answer: 'Yes', status: live}\n", "field 'status'"),
        ("- {id: X-1, question: Q?, answer: 'Yes', colour: red}\n", "unknown field 'colour'"),
        ("- {id: X-1, question: Q?, answer: 'Yes', reviewed: someday}\n", "field 'reviewed'"),
        (
            "- {id: X-1, question: Q?, answer: 'Yes', review_every_days: -3}\n",
            "field 'review_every_days'",
        ),
        ("- {id: X-1, question: Q?, answer: 'Yes', refs: [a, b]}\n", "field 'refs'"),
        ("- {id: X-1, question: \"Q\\x07?\", answer: 'Yes'}\n", "control characters"),
        ("id: X-1\n", "must hold a list of entries"),
        ("- [unclosed\n", "not valid YAML at line"),
    ],
)
def test_a_malformed_entry_fails_with_a_message_naming_file_and_field(
    tmp_path: Path, text: str, fragment: str
) -> None:
    write(tmp_path, "broken.yaml", text)
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert "broken.yaml" in str(caught.value)
    assert fragment in str(caught.value)


def test_text_longer_than_a_cell_holds_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", f"- {{id: X-1, question: Q?, answer: '{'x' * 32_768}'}}\n")
    with pytest.raises(BankError, match="longer than 32767"):
        load_bank(tmp_path)


def test_the_sandbox_refuses_templates_that_reach_into_python() -> None:
    entry = Entry(id="X", question="Q", answer="Yes", detail="{{ ''.__class__.__mro__ }}")
    with pytest.raises(BankError):
        render_detail(entry, {})


def test_only_approved_current_entries_may_autofill() -> None:
    today = date(2026, 11, 26)
    approved = Entry(
        id="A",
        question="Q",
        answer="Yes",
        status="approved",
        reviewed=date(2026, 1, 1),
        review_every_days=365,
    )
    stale = approved.with_changes(reviewed=date(2025, 1, 1))
    draft = approved.with_changes(status="draft")
    assert approved.can_autofill(today=today)
    assert stale.is_stale(today=today) and not stale.can_autofill(today=today)
    assert not draft.can_autofill(today=today)
    unreviewed = Entry(id="B", question="Q", answer="Yes", status="approved")
    assert unreviewed.is_stale(today=today, default_review_days=30) is False
    assert approved.with_changes(review_every_days=None).is_stale(
        today=today, default_review_days=30
    )


@pytest.mark.parametrize(
    "detail",
    [
        "Plain text.",
        "Braces { alone } and 100% of {data}.",
        "Two\nlines",
        "Windows\r\nlines",
        "Ends with a newline\n",
        "A {# comment #} here",
        "{% raw %}{{ kept }}{% endraw %}",
        "{{ company }} does it.",
        "Trailing spaces   ",
    ],
)
def test_a_detail_renders_as_jinja_renders_it(detail: str) -> None:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    entry = Entry(id="A-1", question="Q?", answer="Yes", detail=detail)
    assert render_detail(entry, {"company": "Acme"}) == jinja.from_string(detail).render(
        company="Acme"
    )


def test_loading_for_matching_alone_skips_rendering_details_but_not_the_id_checks(
    tmp_path: Path,
) -> None:
    write(
        tmp_path, "a.yaml", "- {id: X-1, question: Q one?, answer: 'Yes', detail: '{{ nope }}'}\n"
    )
    with pytest.raises(BankError, match="unknown variable"):
        load_bank(tmp_path)
    assert [e.id for e in load_bank(tmp_path, check_details=False).entries] == ["X-1"]
    write(tmp_path, "b.yaml", "- {id: X-1, question: Q two?, answer: 'No'}\n")
    with pytest.raises(BankError, match="duplicate id"):
        load_bank(tmp_path, check_details=False)
