"""The bank's YAML reader: libyaml's speed with the YAML 1.2 meaning ruamel.yaml gives it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from app.core import bank
from app.core.bank import parse_yaml, read_yaml
from app.core.errors import BankError

REPO = Path(__file__).resolve().parents[2]
SCALARS = [
    "010",
    "0o17",
    "0x1F",
    "0b11",
    "1_000",
    "+1",
    "-0",
    "-12",
    "1e3",
    "1E3",
    "-1e-3",
    "1.5",
    ".5",
    "+.5",
    "1.",
    ".inf",
    "-.inf",
    ".nan",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "True",
    "false",
    "TRUE",
    "~",
    "null",
    "Null",
    "2024-05-01",
    "2024-5-1",
    "12:30",
    "1:20:30",
    "0.1.2",
    "1e",
    "0x",
    "0o8",
    "_",
    "A-1",
    "IAM-14.1",
]


def ruamel(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_plain_scalar_means_what_ruamel_yaml_reads(scalar: str) -> None:
    text = f"value: {scalar}\nlisted: [{scalar}]\n"
    ours, theirs = parse_yaml(text), ruamel(text)
    assert ours == theirs or repr(ours) == repr(theirs)  # nan != nan
    assert type(ours["value"]) is type(theirs["value"])


@pytest.mark.parametrize(
    "path", sorted((REPO / "answer_bank").glob("*.yaml")), ids=lambda p: p.name
)
def test_every_shipped_bank_file_reads_as_ruamel_yaml_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text) == ruamel(text)


def test_a_question_mark_in_a_flow_list_is_text() -> None:
    assert parse_yaml("- [Is it so?]\n- {q: Is it not?}\n") == [["Is it so?"], {"q": "Is it not?"}]


def test_merge_keys_merge() -> None:
    text = "x: &a {p: 1}\ny: {<<: *a, q: 2}\n"
    assert parse_yaml(text) == ruamel(text) == {"x": {"p": 1}, "y": {"p": 1, "q": 2}}


def test_a_repeated_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("- id: A-1\n  answer: 'Yes'\n  answer: 'No'\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"a.yaml: not valid YAML at line 3"):
        read_yaml(path)


def test_without_libyaml_a_bad_file_is_still_a_bank_error_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank, "_CParser", None)
    path = tmp_path / "a.yaml"
    path.write_text("- id: A-1\n  answer: 'Yes'\n  answer: 'No'\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"a.yaml: not valid YAML at line 3"):
        read_yaml(path)
    path.write_text("- id: A-1\n  answer: yes\n", encoding="utf-8")
    assert read_yaml(path) == [{"id": "A-1", "answer": "yes"}]
