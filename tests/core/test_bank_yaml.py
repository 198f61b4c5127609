"""The bank's YAML reader: libyaml's speed with the YAML 1.2 meaning ruamel.yaml gives it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
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


DOCUMENT_SHAPES = [
    "- id: A-1\n  question: Is it so?\n  reviewed: 2024-05-01\n  review_every_days: 90\n",
    "x: &a [1, two]\ny: *a\nz: *a\n",
    "x: &s shared text\ny: *s\n",
    "!!set {a, b}\n",
    "'<<': quoted, not a merge\n",
    "x: {<<: {p: 1}, q: 2}\n",
    "",
    "just text\n",
]


def general(text: str) -> object:
    """What the general constructor makes of a document, or the kind of error it raises."""
    loader = bank._FastYaml12Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        return type(exc)
    finally:
        loader.dispose()


def shortcut(text: str) -> object:
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        return type(exc)


@pytest.mark.parametrize("text", DOCUMENT_SHAPES)
def test_every_document_shape_reads_as_ruamel_yaml_reads_it(text: str) -> None:
    """Plain entry files take a shortcut past the general constructor; nothing else may."""
    assert parse_yaml(text) == ruamel(text)


@pytest.mark.parametrize(
    "text",
    [
        *DOCUMENT_SHAPES,
        "? [a, b]\n: complex key\n",
        "tags: !!omap [{a: 1}, {b: 2}]\n",
        "1: one\n2.5: two\nnull: three\n",
        "1: one\ntrue: four\n",
        "x: !!binary aGk=\n",
        "x: !custom tag\n",
    ],
)
def test_the_shortcut_gives_what_the_general_constructor_gives(text: str) -> None:
    assert shortcut(text) == general(text)


def test_an_alias_of_a_collection_is_built_once_not_once_per_use() -> None:
    # The shortcut leaves a document with aliased collections to the general constructor,
    # which shares them: nine levels of ten aliases stay a small document.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        prior = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prior] * 10)}]")
    parsed = parse_yaml("\n".join(lines) + "\n")
    assert parsed["a9"][0] is parsed["a9"][1]


def test_a_repeated_key_deep_in_a_plain_file_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(
        "- id: A-1\n  answer: 'Yes'\n- id: A-2\n  refs: {caiq: A&A-01, caiq: A&A-02}\n",
        encoding="utf-8",
    )
    with pytest.raises(BankError, match=r"b.yaml: not valid YAML at line 4"):
        read_yaml(path)


def test_a_list_inside_itself_is_read_as_the_general_constructor_reads_it() -> None:
    parsed = parse_yaml("- &r [*r]\n")
    assert parsed[0][0] is parsed[0]


def test_a_list_as_a_key_is_a_bank_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- id: A-1\n  ? [a, b]\n  : complex key\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"c.yaml: not valid YAML at line 2"):
        read_yaml(path)
