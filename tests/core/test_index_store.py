"""The stored matcher index: the same answers as a build, missed on any change, never trusted."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.core import index_store as store_module
from app.core.bank import Entry, load_bank
from app.core.columns import Lazy
from app.core.index_store import KEEP, IndexStore, bank_files_digest
from app.core.matching import Matcher
from app.core.normalise import shipped_thesaurus

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
QUERIES = [
    ("Do you require MFA for administrators?", None, None),
    ("Is customer data encrypted at rest?", "CEK-03", None),
    ("Is it reviewed and updated at least annually?", None, "Logging and monitoring"),
    ("What colour is the office carpet?", None, None),
]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    bank = load_bank(REPO / "answer_bank")
    return [e.with_changes(status="approved") for e in bank.entries]


def answers(matcher: Matcher) -> list[list[tuple[str, float, str, str]]]:
    return [
        [(m.entry_id, m.score, m.band, m.explanation.text()) for m in matches]
        for matches in matcher.match_many(QUERIES, top=5)
    ]


def build_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the bank matcher's full builds from here on (not the concepts' own, built on use)."""
    calls: list[int] = []
    original = Matcher._build

    def counting(self: Matcher, live: list[Entry]) -> object:
        if self._concept_source is not False:
            calls.append(len(live))
        return original(self, live)

    monkeypatch.setattr(Matcher, "_build", counting)
    return calls


def stored_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith("index-"))


def test_a_stored_index_answers_exactly_as_a_fresh_build(
    tmp_path: Path, entries: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(tmp_path / "index")
    fresh = answers(Matcher(entries, today=TODAY))
    Matcher(entries, today=TODAY, index_store=store)
    assert [p.suffix for p in stored_files(tmp_path / "index")] == [".bin", ".json"]
    builds = build_count(monkeypatch)
    restored = Matcher(entries, today=TODAY, index_store=store)
    assert builds == []
    assert answers(restored) == fresh


def test_restore_by_source_needs_no_entries(tmp_path: Path, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    assert Matcher.restore(store, index_source="a" * 64, today=TODAY) is None
    built = Matcher(entries, today=TODAY, index_store=store, index_source="a" * 64)
    restored = Matcher.restore(store, index_source="a" * 64, today=TODAY)
    assert restored is not None
    assert answers(restored) == answers(built)
    assert Matcher.restore(store, index_source="b" * 64, today=TODAY) is None


@pytest.mark.parametrize(
    "change",
    ["entry text", "entry status", "entry order", "thesaurus", "term vectors", "code"],
)
def test_any_change_to_what_the_index_is_built_from_misses(
    tmp_path: Path, entries: list[Entry], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    store = IndexStore(tmp_path)
    Matcher(entries, today=TODAY, index_store=store)
    builds = build_count(monkeypatch)
    options: dict[str, object] = {"today": TODAY, "index_store": store}
    changed = list(entries)
    if change == "entry text":
        changed[5] = changed[5].with_changes(alternates=(*changed[5].alternates, "Quokkas?"))
    elif change == "entry status":
        changed[5] = changed[5].with_changes(status="draft")
    elif change == "entry order":
        changed[0], changed[1] = changed[1], changed[0]
    elif change == "thesaurus":
        base = shipped_thesaurus()
        options["thesaurus"] = replace(base, synonyms=(*base.synonyms, ("quokka", "wombat")))
    elif change == "term vectors":
        options["term_vectors"] = False
    else:
        monkeypatch.setattr(store_module, "code_fingerprint", lambda: "another version")
    matcher = Matcher(changed, **options)  # type: ignore[arg-type]
    assert len(builds) == 1
    assert answers(matcher) == answers(Matcher(changed, **{**options, "index_store": None}))  # type: ignore[arg-type]


def corrupt_arrays(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def garbage_manifest(path: Path) -> None:
    path.with_suffix(".json").write_text("{not json", encoding="utf-8")


def manifest_of_another_key(path: Path) -> None:
    manifest_path = path.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["key"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def _rewrite(path: Path, change: object) -> None:
    """Change the stored arrays or their layout, with a manifest whose digest matches them."""
    manifest_path = path.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    arrays, _ = store_module.read_arrays(path, manifest["arrays"])
    layout, blob = store_module.pack_arrays({k: np.array(v) for k, v in arrays.items()})
    blob = change(layout, arrays, blob)  # type: ignore[operator]
    path.write_bytes(blob)
    manifest.update(arrays=layout, arrays_sha256=hashlib.sha256(blob).hexdigest())
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def object_array(path: Path) -> None:
    """Declare an array as Python objects (a pickle, were it read as one)."""

    def change(layout: list[dict[str, object]], arrays: object, blob: bytes) -> bytes:
        next(item for item in layout if item["name"] == "meaning")["dtype"] = "|O"
        return blob

    _rewrite(path, change)


def array_past_the_end(path: Path) -> None:
    """Place an array beyond the end of the file."""

    def change(layout: list[dict[str, object]], arrays: object, blob: bytes) -> bytes:
        layout[-1]["at"] = len(blob) + 16
        return blob

    _rewrite(path, change)


def out_of_bounds_rows(path: Path) -> None:
    """Point a row's stems past the string table."""

    def change(
        layout: list[dict[str, object]], arrays: dict[str, np.ndarray], blob: bytes
    ) -> bytes:
        arrays["rows.text.stems"] += 10_000_000
        return store_module.pack_arrays(arrays)[1]

    _rewrite(path, change)


@pytest.mark.parametrize(
    "damage",
    [
        corrupt_arrays,
        truncate,
        garbage_manifest,
        manifest_of_another_key,
        object_array,
        array_past_the_end,
        out_of_bounds_rows,
    ],
)
def test_a_damaged_or_foreign_index_is_built_again_never_trusted(
    tmp_path: Path, entries: list[Entry], monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    store = IndexStore(tmp_path)
    fresh = answers(Matcher(entries, today=TODAY, index_store=store))
    (arrays_path,) = [p for p in stored_files(tmp_path) if p.suffix == ".bin"]
    damage(arrays_path)  # type: ignore[operator]
    builds = build_count(monkeypatch)
    assert answers(Matcher(entries, today=TODAY, index_store=store)) == fresh
    assert len(builds) == 1
    # The damaged files were replaced by good ones.
    builds.clear()
    assert answers(Matcher(entries, today=TODAY, index_store=store)) == fresh
    assert builds == []


def test_stored_arrays_are_raw_numbers_placed_by_the_manifest(
    tmp_path: Path, entries: list[Entry]
) -> None:
    Matcher(entries, today=TODAY, index_store=IndexStore(tmp_path))
    (arrays_path,) = [p for p in stored_files(tmp_path) if p.suffix == ".bin"]
    manifest = json.loads(arrays_path.with_suffix(".json").read_text(encoding="utf-8"))
    arrays, digest = store_module.read_arrays(arrays_path, manifest["arrays"])
    assert digest == manifest["arrays_sha256"]
    assert {"meaning", "rows.text.stems", "chars_built_data"} <= arrays.keys()
    assert all(array.dtype.kind in "biuf" for array in arrays.values())
    assert all(item["at"] % 16 == 0 for item in manifest["arrays"])
    assert all(array.base is None for array in arrays.values()), "each array owns its memory"


def test_indexes_in_an_earlier_format_are_pruned(tmp_path: Path, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    for n in range(KEEP + 1):
        (tmp_path / f"index-{n:064x}.json").write_text("{}", encoding="utf-8")
        (tmp_path / f"index-{n:064x}.npz").write_bytes(b"PK")
    Matcher(entries[:20], today=TODAY, index_store=store)
    assert len([p for p in tmp_path.iterdir() if p.suffix == ".npz"]) < KEEP + 1


def test_no_temporary_files_are_left_and_old_indexes_are_pruned(
    tmp_path: Path, entries: list[Entry]
) -> None:
    store = IndexStore(tmp_path / "index")
    for n in range(KEEP + 2):
        Matcher(entries[: 50 + n], today=TODAY, index_store=store)
    names = [p.name for p in (tmp_path / "index").iterdir()]
    assert not [n for n in names if not n.startswith("index-")]
    assert len(names) == 2 * KEEP
    assert (tmp_path / "index").stat().st_mode & 0o077 == 0


def test_an_unwritable_store_only_costs_the_build(tmp_path: Path, entries: list[Entry]) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("a file where the directory would go", encoding="utf-8")
    matcher = Matcher(entries[:20], today=TODAY, index_store=IndexStore(blocker))
    assert matcher.match(entries[0].question)[0].entry_id == entries[0].id


def test_the_bank_files_digest_follows_every_entry_file_and_the_profile(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- {id: A-1, question: Q?, answer: 'Yes'}\n")
    (tmp_path / "profile.yaml").write_text("company: Acme\n")
    first = bank_files_digest(tmp_path)
    (tmp_path / "profile.yaml").write_text("company: Acme Ltd\n")
    second = bank_files_digest(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("- {id: B-1, question: Q?, answer: 'No'}\n")
    third = bank_files_digest(tmp_path)
    assert len({first, second, third}) == 3


def test_a_restored_index_builds_only_the_rows_it_reads(
    tmp_path: Path, entries: list[Entry]
) -> None:
    store = IndexStore(tmp_path)
    fresh = Matcher(entries, today=TODAY, index_store=store)
    restored = Matcher(entries, today=TODAY, index_store=store)
    rows = restored._index.rows
    assert isinstance(rows, Lazy)
    assert rows._built.count(None) == len(rows) == len(fresh._index.rows)
    restored.match("Do you require MFA for administrators?", top=1)
    built = len(rows) - rows._built.count(None)
    assert 0 < built < len(rows) // 2
    # What ranking reads of every candidate comes from columns, not from built rows.
    assert list(restored._index.row_key) == [r.text.key for r in fresh._index.rows]
    assert list(restored._index.row_terms) == [r.text.terms for r in fresh._index.rows]
    assert list(rows) == list(fresh._index.rows)


def test_a_lazy_sequence_reads_like_a_tuple() -> None:
    calls: list[int] = []

    def build(i: int) -> str:
        calls.append(i)
        return f"item {i}"

    lazy = Lazy(build, 4)
    assert calls == []
    assert lazy[-1] == "item 3" and lazy[3] == "item 3"
    assert calls == [3]
    assert lazy[1:3] == ("item 1", "item 2")
    assert list(lazy) == [f"item {i}" for i in range(4)]
    assert sorted(calls) == [0, 1, 2, 3]
    with pytest.raises(IndexError):
        lazy[4]
    with pytest.raises(IndexError):
        lazy[-5]
