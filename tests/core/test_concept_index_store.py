"""The shipped concepts' stored index: read instead of the starter bank, missed on any change."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.core import concepts as concepts_module
from app.core import index_store as store_module
from app.core import matching as matching_module
from app.core.bank import Entry, load_bank
from app.core.index_store import IndexStore
from app.core.matching import Matcher
from app.core.normalise import shipped_thesaurus

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
# Short questions in customer words: they bridge through the concepts to the CAIQ-worded bank.
QUERIES = [
    ("Do you support SSO?", None, None),
    ("Is MFA supported?", None, None),
    ("Do you disclose your sub-processors?", None, None),
    ("Is there a vulnerability management policy?", None, "Security policies"),
]


@pytest.fixture(scope="module")
def bank() -> list[Entry]:
    """Entries worded the framework's way, each citing the CAIQ ID of a starter statement."""
    starter = load_bank(REPO / "answer_bank", check_details=False).entries
    cited = [e for e in starter if "caiq" in e.refs]
    return [
        Entry(
            id=f"B-{i}",
            question=f"Framework control number {i} of the catalogue",
            answer="Yes",
            refs={"caiq": e.refs["caiq"]},
            status="approved",
        )
        for i, e in enumerate(cited)
    ]


@pytest.fixture(autouse=True)
def fresh_concepts() -> object:
    concepts_module.shipped_concepts.cache_clear()
    yield
    concepts_module.shipped_concepts.cache_clear()


def answers(matcher: Matcher) -> list[list[tuple[str, float, str, str]]]:
    return [
        [(m.entry_id, m.score, m.band, m.explanation.text()) for m in matches]
        for matches in matcher.match_many(QUERIES, top=5)
    ]


def concept_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count builds of a concepts' matcher (one built with concepts=False) from here on."""
    calls: list[int] = []
    original = Matcher._build

    def counting(self: Matcher, live: list[Entry]) -> object:
        if self._concept_source is False:
            calls.append(len(live))
        return original(self, live)

    monkeypatch.setattr(Matcher, "_build", counting)
    return calls


def starter_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reads the starter bank's YAML."""

    def refuse() -> tuple[Entry, ...]:
        raise AssertionError("the starter bank was read")

    monkeypatch.setattr(matching_module, "shipped_concepts", refuse)


def test_the_bank_bridges_through_concepts(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    bridged = [m for ms in matcher.match_many(QUERIES, top=5) for m in ms if m.explanation.concept]
    assert bridged, "the test bank must reach its entries through concepts"


def test_a_stored_concept_index_is_read_instead_of_the_starter_bank(
    tmp_path: Path, bank: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = answers(Matcher(bank, today=TODAY))
    concepts = IndexStore(tmp_path / "concepts")
    first = Matcher(bank, today=TODAY, concept_store=concepts)
    assert answers(first) == fresh
    assert sorted(p.suffix for p in (tmp_path / "concepts").iterdir()) == [".bin", ".json"]
    builds = concept_builds(monkeypatch)
    starter_unreadable(monkeypatch)
    second = Matcher(bank, today=TODAY, concept_store=concepts)
    assert answers(second) == fresh
    assert builds == []


def test_load_concepts_keeps_the_index_before_any_question(
    tmp_path: Path, bank: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    concepts = IndexStore(tmp_path)
    Matcher(bank, today=TODAY, concept_store=concepts).load_concepts()
    builds = concept_builds(monkeypatch)
    starter_unreadable(monkeypatch)
    Matcher(bank, today=TODAY, concept_store=concepts).load_concepts()
    assert builds == []


@pytest.mark.parametrize("change", ["starter files", "thesaurus", "term vectors", "code"])
def test_any_change_to_what_the_concepts_are_built_from_misses(
    tmp_path: Path, bank: list[Entry], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    starter = tmp_path / "answer_bank"
    shutil.copytree(REPO / "answer_bank", starter)
    monkeypatch.setattr(concepts_module, "SHIPPED_CONCEPTS", starter)
    concepts = IndexStore(tmp_path / "concepts")
    options: dict[str, object] = {"today": TODAY, "concept_store": concepts}
    Matcher(bank, **options).load_concepts()  # type: ignore[arg-type]
    builds = concept_builds(monkeypatch)
    if change == "starter files":
        (path,) = [p for p in starter.glob("*.yaml") if "mfa" in p.read_text().lower()][:1]
        path.write_text(path.read_text() + "\n# edited\n")
    elif change == "thesaurus":
        base = shipped_thesaurus()
        options["thesaurus"] = replace(base, synonyms=(*base.synonyms, ("quokka", "wombat")))
    elif change == "term vectors":
        options["term_vectors"] = False
    else:
        monkeypatch.setattr(store_module, "code_fingerprint", lambda: "another version")
    concepts_module.shipped_concepts.cache_clear()
    matcher = Matcher(bank, **options)  # type: ignore[arg-type]
    matcher.load_concepts()
    assert len(builds) == 1
    assert answers(matcher) == answers(Matcher(bank, **{**options, "concept_store": None}))  # type: ignore[arg-type]


def test_the_concepts_digest_follows_the_starter_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    starter = tmp_path / "answer_bank"
    shutil.copytree(REPO / "answer_bank", starter)
    monkeypatch.setattr(concepts_module, "SHIPPED_CONCEPTS", starter)
    first = concepts_module.shipped_concepts_source()
    (starter / "thesaurus.yaml").write_text("synonyms: []\n")  # keyed on its own, not here
    assert concepts_module.shipped_concepts_source() == first
    (starter / "extra.yaml").write_text("- {id: X-1, question: Q?, answer: 'Yes'}\n")
    assert concepts_module.shipped_concepts_source() not in ("", first)
    monkeypatch.setattr(concepts_module, "SHIPPED_CONCEPTS", tmp_path / "absent")
    assert concepts_module.shipped_concepts_source() == ""


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "garbage manifest"])
def test_a_damaged_concept_index_is_built_again_never_trusted(
    tmp_path: Path, bank: list[Entry], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    concepts = IndexStore(tmp_path)
    fresh = answers(Matcher(bank, today=TODAY, concept_store=concepts))
    (arrays,) = tmp_path.glob("index-*.bin")
    if damage == "flip a byte":
        data = bytearray(arrays.read_bytes())
        data[len(data) // 2] ^= 0xFF
        arrays.write_bytes(bytes(data))
    elif damage == "truncate":
        arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 3])
    else:
        arrays.with_suffix(".json").write_text("{not json", encoding="utf-8")
    builds = concept_builds(monkeypatch)
    assert answers(Matcher(bank, today=TODAY, concept_store=concepts)) == fresh
    assert len(builds) == 1
    # The damaged files were replaced by good ones.
    builds.clear()
    assert answers(Matcher(bank, today=TODAY, concept_store=concepts)) == fresh
    assert builds == []
