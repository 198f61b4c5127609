"""Linking a bank entry to concepts: by a shared framework ID, else by confident wording."""

from __future__ import annotations

import pytest

from app.core import detail_template
from app.core.bank import Entry
from app.core.concept_links import (
    concept_links,
    shipped_concept_matcher,
    with_concept,
    without_concept,
)
from app.core.concepts import concept_entries, shipped_concepts
from app.core.matching import Matcher

MFA = Entry(
    id="C-MFA",
    question="Is multi-factor authentication supported?",
    answer="Yes",
    refs={"caiq": "IAM-14.1"},
)
DR = Entry(
    id="C-DR",
    question="Do you have a disaster recovery plan?",
    answer="Yes",
    refs={"caiq": "BCR-01.1, BCR-04.1"},
)
# As the catalogue holds them (approved, framework refs only).
CONCEPTS = concept_entries([MFA, DR])
MFA, DR = CONCEPTS


def entry(question: str, refs: dict[str, str] | None = None) -> Entry:
    return Entry(id="E-1", question=question, answer="Yes", refs=refs or {})


def matcher() -> Matcher:
    return Matcher(CONCEPTS, concepts=False, term_vectors=False)


def test_an_entry_citing_a_concepts_id_is_linked_by_that_ref() -> None:
    # The ID written differently ('iam-14.01') is the same control.
    linked = entry("Are processes for authenticating access defined?", {"caiq": "iam-14.01"})
    links = concept_links(linked, CONCEPTS, matcher=matcher())
    assert [(link.concept_id, link.by, link.how) for link in links] == [
        ("C-MFA", "ref", "by ref caiq: IAM-14.1")
    ]


def test_one_of_several_ids_in_a_value_is_enough_for_a_ref_link() -> None:
    links = concept_links(entry("Anything", {"caiq": "BCR-04.1"}), CONCEPTS, matcher=None)
    assert [(link.concept_id, link.how) for link in links] == [("C-DR", "by ref caiq: BCR-04.1")]


def test_a_ref_link_wins_over_wording() -> None:
    # Worded like the DR concept, but citing the MFA concept's ID: the curator's ref decides.
    links = concept_links(
        entry("Do you have a disaster recovery plan?", {"caiq": "IAM-14.1"}),
        CONCEPTS,
        matcher=matcher(),
    )
    assert [link.concept_id for link in links] == ["C-MFA"]


def test_without_a_shared_ref_the_confident_wording_match_links() -> None:
    links = concept_links(
        entry("Do you have a disaster recovery plan?"), CONCEPTS, matcher=matcher()
    )
    assert len(links) == 1
    link = links[0]
    assert (link.concept_id, link.by, link.refs) == (
        "C-DR",
        "wording",
        ("caiq: BCR-01.1", "caiq: BCR-04.1"),
    )
    assert link.score is not None and link.score >= 0.9
    assert link.how == f"by wording, score {link.score:.2f}"


def test_a_weak_wording_match_links_nothing() -> None:
    unrelated = entry("How long are access logs retained for investigations?")
    assert concept_links(unrelated, CONCEPTS, matcher=matcher()) == ()
    assert (
        concept_links(entry("Do you have a disaster recovery plan?"), CONCEPTS, matcher=None) == ()
    )


def test_an_alternate_can_carry_the_wording_link() -> None:
    alt = Entry(
        id="E-2",
        question="Are business continuity arrangements documented and approved?",
        alternates=("Do you have a disaster recovery plan?",),
        answer="Yes",
    )
    assert [link.concept_id for link in concept_links(alt, CONCEPTS, matcher=matcher())] == ["C-DR"]


def test_linking_adds_the_concepts_ids_and_unlinking_removes_them() -> None:
    refs = {"caiq": "A&A-01.1", "iso27001": "A.5.15"}
    linked = with_concept(refs, DR)
    assert linked == {"caiq": "A&A-01.1, BCR-01.1, BCR-04.1", "iso27001": "A.5.15"}
    assert with_concept(linked, DR) == linked  # linking twice changes nothing
    assert without_concept(linked, DR) == refs
    # An ID written differently is still the concept's; a scheme left empty goes.
    assert without_concept({"caiq": "bcr-01.01"}, DR) == {}
    assert with_concept({}, MFA) == {"caiq": "IAM-14.1"}


def test_a_framework_worded_bank_entry_links_to_a_shipped_concept() -> None:
    concepts = shipped_concepts()
    found = concept_links(
        entry("Is there a disaster recovery plan?"), concepts, matcher=shipped_concept_matcher()
    )
    assert found and found[0].by == "wording" and found[0].refs


def test_the_shipped_concepts_are_read_without_rendering_a_detail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: object, **__: object) -> str:
        raise AssertionError("a concept's detail was rendered")

    monkeypatch.setattr(detail_template, "render_template", refuse)
    shipped_concepts.cache_clear()
    try:
        assert shipped_concepts()
    finally:
        shipped_concepts.cache_clear()
