"""Questions on one standard, against a statement naming the standards held in its answer."""

from __future__ import annotations

from datetime import date

from app.core.bank import Entry
from app.core.matching import Match, Matcher
from app.core.normalise import Normaliser, shipped_thesaurus

TODAY = date(2026, 6, 1)

HELD = Entry(
    id="CERT",
    question="Which security certifications or attestations do you hold?",
    alternates=("Do you have a SOC 2 report or ISO 27001 certificate?",),
    answer="SOC 2 Type II and ISO/IEC 27001:2022",
    status="approved",
)
OTHER = Entry(
    id="GDPR",
    question="Do you comply with GDPR?",
    answer="Yes",
    status="approved",
)


def best(question: str, context: str | None = None) -> Match:
    return Matcher([HELD, OTHER], today=TODAY).match_many([(question, None, context)])[0][0]


def test_a_question_on_one_standard_is_answered_by_the_statement_naming_it() -> None:
    # The alternate names two standards: the one the question leaves out is no other subject.
    for question in (
        "Do you have a SOC 2 report?",
        "Do you have ISO 27001 certification?",
        "Do you have a SOC 2 Type II report?",
    ):
        for context in (None, "Certifications and compliance"):
            found = best(question, context)
            assert (found.entry_id, found.band, found.explanation.guard) == (
                "CERT",
                "auto",
                None,
            ), (question, context)


def test_a_statement_asking_which_standards_names_them_in_its_answer() -> None:
    # Its wording names none; its answer names two, neither of them PCI DSS.
    found = Matcher([HELD], today=TODAY).match("Are you PCI DSS certified?")[0]
    assert found.band != "auto"
    assert found.explanation.guard == "attestation differs: 'pci dss' vs 'iso 27001' and 'soc 2'"


def test_a_soc_2_type_ii_report_is_one_term_and_a_type_i_report_is_not() -> None:
    normaliser = Normaliser(shipped_thesaurus())
    assert normaliser.normalise("Do you have a SOC 2 Type II report?").terms == ("soc_2",)
    assert normaliser.normalise("SOC2 Type 2").terms == ("soc_2",)
    # A Type I report attests a single day, not a period of operation.
    assert normaliser.normalise("Do you have a SOC 2 Type I report?").terms != ("soc_2",)
