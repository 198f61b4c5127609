"""A guard's reason says by its kind, not its wording, whether a statement is about something else."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import yaml

from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.reasons import Elsewhere, is_elsewhere, is_facet, through_a_concept
from app.core.subject import SubjectRule
from tests.core.test_entry_says import starter_bank

QUESTIONS = Path(__file__).resolve().parents[2] / "bench" / "data" / "customer_questions.yaml"

# The reasons saying a statement is about something else, by how they read; every other
# reason (facets, a narrower statement, a rival, intent, the concept's own) is not.
ELSEWHERE_WORDING = (
    "subject differs",
    "object differs",
    "the entry does not say",
    "the matching wording does not name",
    "the matching wording names",
    "neither the question nor the matching wording",
    "the question names no subject and its section",
    "the entry names no subject of its own",
    "the entry is about",
    "the question asks who;",
    "the question asks whether anyone is told",
    "the question asks of what is done",
    "the entry never names what the question asks of",
    "the entry never says what the question asks who does",
    "the question asks whether its '",
    # A place, person, time, span or count named in answer to a closed question it never
    # covers (answer_kind.free_answer_unsaid).
    *(f"the entry answers '{opening}' and" for opening in ("where", "who", "when", "which")),
    *(f"the entry answers '{opening}' and" for opening in ("how long", "how many")),
)


def approved(entry_id: str, question: str, *alternates: str) -> Entry:
    return Entry(
        id=entry_id, question=question, answer="Yes", alternates=alternates, status="approved"
    )


def test_every_reason_the_starter_benchmark_meets_is_of_its_kind() -> None:
    raw = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    rows = [(q["q"], None, q.get("context")) for q in raw["questions"]]
    seen: dict[str, int] = {}
    facets = [f"{facet.name} differs" for facet in shipped_thesaurus().guards]
    facet_wording = ("polarity differs", *facets)
    for found in Matcher(starter_bank()).match_many(rows, top=5):
        for match in found:
            guard = match.explanation.guard
            if guard is None:
                continue
            own = guard.removeprefix("through a concept, ")
            expected = own.startswith(ELSEWHERE_WORDING)
            assert is_elsewhere(guard) is expected, guard
            assert is_facet(guard) is own.startswith(facet_wording), guard
            assert match.explanation.elsewhere is expected
            seen[own.split(":")[0]] = seen.get(own.split(":")[0], 0) + expected
    # Held back on its subject, its object, a word it never says, a learned wording naming
    # something else, and a section that is not its own: each kind is met and read as such.
    assert seen["subject differs"] and seen["object differs"]
    assert sum(n for reason, n in seen.items() if reason.startswith("the entry does not say"))
    assert sum(n for reason, n in seen.items() if reason.startswith("the matching wording"))
    assert sum(n for reason, n in seen.items() if reason.startswith("the question names no"))
    assert seen["data state differs"] == 0 and seen["the entry is narrower"] == 0


def test_a_subjectless_learned_wording_for_a_subjectless_question_is_elsewhere() -> None:
    bank = [
        approved(
            "BCP", "Is the business continuity plan tested annually?", "Is it tested every year?"
        ),
        approved("IR", "Is the incident response plan tested?"),
        approved("MFA", "Is multi-factor authentication required?"),
    ]
    (best, *_) = Matcher(bank).match("Is it tested every year?", context="Data Center Operations")
    assert best.explanation.guard == "neither the question nor the matching wording names a subject"
    assert best.explanation.elsewhere


def test_the_subject_rule_says_which_of_its_reasons_are_elsewhere() -> None:
    thesaurus = shipped_thesaurus()
    rule = SubjectRule.of(thesaurus, Normaliser(thesaurus))
    other_section = rule.conflict(
        asked=frozenset(),
        context=frozenset({"password"}),
        stated=frozenset({"backup"}),
        evidence=frozenset({"backup"}),
        id_match=False,
    )
    assert other_section is not None and other_section.startswith("the question names no subject")
    assert is_elsewhere(other_section)
    generic = rule.conflict(
        asked=frozenset({"password"}),
        context=frozenset(),
        stated=frozenset(),
        evidence=frozenset({"backup"}),
        id_match=False,
    )
    assert generic is not None and generic.startswith("the entry names no subject of its own")
    assert is_elsewhere(generic)
    # A question and a row naming no subject: nothing says the statement is elsewhere.
    nowhere = rule.conflict(
        asked=frozenset(),
        context=frozenset(),
        stated=frozenset({"backup"}),
        evidence=frozenset({"backup"}),
        id_match=False,
    )
    assert nowhere == "the question names no subject and its row gives none"
    assert not is_elsewhere(nowhere)


def test_a_concepts_path_keeps_the_kind_of_its_reason() -> None:
    elsewhere = through_a_concept(Elsewhere("subject differs: 'a' vs 'b'"))
    assert elsewhere == "through a concept, subject differs: 'a' vs 'b'"
    assert is_elsewhere(elsewhere)
    narrower = through_a_concept("the entry is narrower: it adds 'tested'")
    assert narrower == "through a concept, the entry is narrower: it adds 'tested'"
    assert not is_elsewhere(narrower)
    # Reworded, a reason stays of its kind: no reader depends on how it opens.
    assert is_elsewhere(Elsewhere("about another thing"))
    assert not is_elsewhere("subject differs: 'a' vs 'b'")


def test_a_pickled_match_keeps_the_kind_of_its_reason() -> None:
    bank = [
        approved(
            "BCP", "Is the business continuity plan tested annually?", "Is it tested every year?"
        ),
        approved("IR", "Is the incident response plan tested?"),
    ]
    (best, *_) = Matcher(bank).match("Is it tested every year?", context="Data Center Operations")
    copied = pickle.loads(pickle.dumps(best))
    assert copied == best and copied.explanation.elsewhere


def test_a_concept_held_back_on_a_facet_leaves_it_to_the_entry_citing_its_id() -> None:
    # The starter concept on encryption at rest is held back on the question's "at rest and in
    # transit"; the bank's statement under the same CAIQ ID names both and fills, while one
    # naming data at rest only is held back on its own facets.
    def citing(entry_id: str, question: str) -> Entry:
        return replace(approved(entry_id, question), refs={"caiq": "CEK-03.1"})

    others = [
        approved("SCAN", "Do you scan for vulnerabilities?"),
        approved("MFA", "Is multi-factor authentication required?"),
    ]
    question = "Do you encrypt data at rest and in transit?"
    both = citing(
        "BOTH",
        "Are data at-rest and in-transit cryptographically protected using cryptographic "
        "libraries certified to approved standards?",
    )
    (best, *_) = Matcher([*others, both]).match(question)
    assert (best.entry_id, best.explanation.concept) == ("BOTH", "CRY-REST-01")
    assert (best.band, best.explanation.guard) == ("auto", None)
    rest = citing("REST", "Is data at rest cryptographically protected using certified libraries?")
    (best, *_) = Matcher([*others, rest]).match(question)
    assert (best.entry_id, best.explanation.concept, best.band) == (
        "REST",
        "CRY-REST-01",
        "suggest",
    )
    assert best.explanation.guard == "data state differs: 'at rest' and 'in transit' vs 'at rest'"
    assert is_facet(best.explanation.guard)
