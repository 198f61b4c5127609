"""Acronyms and shortened words spelt out as a second form of a question, and standards' names as
one term."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.core.acronyms import AcronymExpander
from app.core.bank import Entry, load_bank
from app.core.errors import BankError
from app.core.matching import Matcher
from app.core.normalise import Normaliser, parse_thesaurus, shipped_thesaurus

STARTER = Path(__file__).resolve().parents[2] / "answer_bank"

EXPANDER = AcronymExpander.of(
    [
        ("BCP", "business continuity plan"),
        ("DR", "disaster recovery"),
        ("DPIA", "data protection impact assessment"),
        ("IPS", "intrusion prevention system"),
        ("DDoS", "distributed denial of service"),
    ]
)


def approved(entry_id: str, question: str) -> Entry:
    return Entry(id=entry_id, question=question, answer="Yes", status="approved")


BANK = [
    approved("BCR", "Is a business continuity plan established, documented and maintained?"),
    approved("AUDIT", "Are audit and assurance policies established and maintained?"),
    approved("ENC", "Is customer data encrypted at rest?"),
    approved("DPIA", "Are data protection impact assessments conducted for new processing?"),
    approved("DDOS", "Do you have DDoS protection for public endpoints?"),
    approved("NET", "Are network security controls reviewed?"),
]


def matchers() -> tuple[Matcher, Matcher]:
    """The same bank with the shipped acronyms and without any."""
    shipped = shipped_thesaurus()
    return (
        Matcher(BANK, concepts=False),
        Matcher(BANK, concepts=False, thesaurus=replace(shipped, acronyms=(), abbreviations=())),
    )


def test_an_acronym_is_spelt_out_as_written_and_in_the_plural() -> None:
    assert EXPANDER.expand("Do you have a BCP?") == "Do you have a business continuity plan?"
    assert EXPANDER.expand("Do you perform DPIAs?") == (
        "Do you perform data protection impact assessments?"
    )
    assert (
        EXPANDER.expand("Do you use an IDS/IPS?")
        == "Do you use an IDS/intrusion prevention system?"
    )
    assert EXPANDER.expand("Is there DDoS protection?") == (
        "Is there distributed denial of service protection?"
    )


def test_only_an_acronym_written_as_one_is_spelt_out() -> None:
    # Case-sensitive and whole words: a name, a lower-case word or a longer word is left alone.
    assert EXPANDER.expand("Dr. Smith signs the report") is None
    assert EXPANDER.expand("Is the DRP tested?") is None
    assert EXPANDER.expand("Do you use ips or ids?") is None
    assert AcronymExpander.of([]).expand("Do you have a BCP?") is None


SHORT = AcronymExpander.of(
    [("DR", "disaster recovery")], [("vuln", "vulnerability"), ("prod", "production")]
)


def test_a_shortened_word_is_spelt_out_in_any_case_and_only_whole() -> None:
    assert SHORT.expand("how often r vuln scans done") == ("how often r vulnerability scans done")
    assert SHORT.expand("Vuln Mgmt: is PROD patched?") == (
        "vulnerability Mgmt: is production patched?"
    )
    assert SHORT.expand("Is the DR site in prod?") == (
        "Is the disaster recovery site in production?"
    )
    # Inside a longer word, or a plural not listed: left alone.
    assert SHORT.expand("Are products and vulnerable hosts listed?") is None
    assert SHORT.expand("Are vulns fixed?") is None


def test_the_shipped_thesaurus_spells_out_the_shortened_words_customers_write() -> None:
    shortened = dict(shipped_thesaurus().abbreviations)
    assert shortened["vuln"] == "vulnerability"
    assert shortened["prod"] == "production"
    assert shortened["pw"] == "password"
    assert shortened["3rd"] == "third"
    # A word that is also a name in these texts is not read as short for anything.
    assert "sec" not in shortened
    assert "hr" not in shortened


def test_a_malformed_abbreviations_section_names_the_file() -> None:
    path = Path("thesaurus.yaml")
    with pytest.raises(BankError, match="thesaurus.yaml.*must be one word"):
        parse_thesaurus("abbreviations:\n  vuln mgmt: vulnerability management\n", path=path)
    with pytest.raises(BankError, match="needs the word it stands for"):
        parse_thesaurus("abbreviations:\n  prod: PROD\n", path=path)
    with pytest.raises(BankError, match="needs the word it stands for"):
        parse_thesaurus("abbreviations:\n  prod: [production]\n", path=path)
    with pytest.raises(BankError, match="must be one word"):
        parse_thesaurus("abbreviations:\n  '24': twenty-four\n", path=path)
    parsed = parse_thesaurus("abbreviations:\n  prod: production\n  3rd: third\n", path=path)
    assert parsed.abbreviations == (("prod", "production"), ("3rd", "third"))


def test_the_shipped_thesaurus_spells_out_the_acronyms_customers_use() -> None:
    acronyms = dict(shipped_thesaurus().acronyms)
    for acronym in ("SAML", "SAST", "DAST", "DR", "BCP", "DPO", "MDM", "IPS", "DDoS"):
        assert acronym in acronyms, acronym
    assert acronyms["BCP"] == "business continuity plan"
    # Ambiguous in the public texts (operations center, system and organization controls).
    assert "SOC" not in acronyms


def test_a_malformed_acronyms_section_names_the_file() -> None:
    path = Path("thesaurus.yaml")
    with pytest.raises(BankError, match="thesaurus.yaml.*two or more words"):
        parse_thesaurus("acronyms:\n  BCP: continuity\n", path=path)
    with pytest.raises(BankError, match="must be one word"):
        parse_thesaurus("acronyms:\n  B C P: business continuity plan\n", path=path)
    parsed = parse_thesaurus("acronyms:\n  BCP: business  continuity plan\n", path=path)
    assert parsed.acronyms == (("BCP", "business continuity plan"),)


def test_spelling_out_an_acronym_finds_the_entry_in_framework_wording() -> None:
    spelt, plain = matchers()
    (best, *_) = spelt.match("Do you have a BCP?")
    (before, *_) = plain.match("Do you have a BCP?")
    assert best.entry_id == "BCR" and best.band != "none"
    assert before.entry_id != "BCR" or before.score < best.score
    (assessed, *_) = spelt.match("Do you perform DPIAs?")
    assert assessed.entry_id == "DPIA"


@pytest.mark.parametrize(
    "question",
    [
        "Do you have a BCP?",
        "Is the DR plan tested?",
        "Do you perform DPIAs?",
        "Do you have DDoS protection?",
        "Do you use an IDS/IPS on the network?",
        "how often r vuln scans done",
        "Are prod and dev environments separated?",
    ],
)
@pytest.mark.parametrize("context", [None, "Business Continuity"])
def test_spelling_out_never_lowers_an_entrys_score(question: str, context: str | None) -> None:
    spelt, plain = matchers()
    with_forms = {m.entry_id: m.score for m in spelt.match(question, top=6, context=context)}
    as_written = plain.match(question, top=6, context=context)
    assert as_written
    for match in as_written:
        assert with_forms[match.entry_id] >= match.score, match.entry_id


def test_a_spelt_out_form_that_finds_nothing_better_changes_nothing() -> None:
    spelt, plain = matchers()
    # The bank says "DDoS" itself: the question as written already finds its best match.
    question = "Do you have DDoS protection?"
    assert spelt.match(question, top=4) == plain.match(question, top=4)
    framed = spelt.match(question, top=4, context="Network Security")
    assert framed == plain.match(question, top=4, context="Network Security")
    assert framed[0].entry_id == "DDOS"


def test_a_standards_name_is_one_term_that_meets_no_near_word() -> None:
    normaliser = Normaliser(shipped_thesaurus())
    assert normaliser.normalise("ISO 27001 Certification? (Y/N)").terms[0] == "iso_27001"
    assert normaliser.normalise("Are you ISO/IEC 27001 certified?").terms[0] == "iso_27001"
    assert "soc_2" in normaliser.normalise("SOC 2 Type II report available?").terms
    certificates = approved(
        "CERTS", "Are digital certificates used to authenticate system identities?"
    )
    iso = approved("ISO", "Do you hold an ISO 27001 certification?")
    (best, *_) = Matcher([certificates, iso], concepts=False).match(
        "ISO 27001 Certification? (Y/N)"
    )
    assert best.entry_id == "ISO"
    (alone, *_) = Matcher([certificates], concepts=False).match("ISO 27001 Certification? (Y/N)")
    assert alone.explanation.matched_terms == ()
    assert alone.band == "none"
    assert "attestation differs: 'iso 27001'" in (alone.explanation.guard or "")


def test_a_statement_about_one_attestation_does_not_fill_a_question_about_another() -> None:
    bank = [approved("SOC2", "Do you have a SOC 2 Type II report?")]
    (best, *_) = Matcher(bank, concepts=False).match("Do you have an ISO 27001 certificate?")
    assert best.band != "auto"
    (silent, *_) = Matcher(bank, concepts=False).match("Do you have a current audit report?")
    assert silent.band != "auto"
    assert "attestation differs" in (silent.explanation.guard or "")


def test_the_starter_bank_answers_everyday_acronyms_spelt_out() -> None:
    # The starter statements spell these out; customers write the acronym.
    starter = [replace(e, status="approved") for e in load_bank(STARTER).entries]
    matcher = Matcher(starter)
    for question, entry_id in (
        ("Will you sign our DPA?", "PRV-DPA-01"),
        ("Do you have an IAM policy?", "IAM-POL-01"),
        ("Is OIDC supported for SSO?", "IAM-SSO-01"),
        # Shortened words, as customers write them in their own rows.
        ("how often r vuln scans done", "VUL-SCAN-01"),
        ("Vuln scans frequency", "VUL-SCAN-01"),
    ):
        (best, *_) = matcher.match(question)
        assert (best.entry_id, best.band) == (entry_id, "auto"), question
