"""Whether one thing covers another: each side must be named by the statement."""

from __future__ import annotations

from app.core.coverage import _sides, assured_unsaid, side_unsaid
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back

BANK = [
    approved(
        "IAM-SVC-01",
        "Are service accounts and API keys inventoried and reviewed?",
        detail="Every service account and API key has a named owner.",
    ),
    approved(
        "NET-WAF-01",
        "Do you use a web application firewall?",
        detail="The application sits behind a managed web application firewall.",
    ),
    approved(
        "AI-INC-01",
        "Does the incident response plan cover AI-specific incidents?",
        detail="The plan has a playbook for AI incidents such as prompt injection.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]

# The shipped thesaurus, and its terms for a text: how the matcher folds a question's words.
NORMALISER = Normaliser(shipped_thesaurus())


def terms(text: str) -> tuple[str, ...]:
    return NORMALISER.normalise(text).terms


def test_a_statement_never_naming_one_side_does_not_say_it_covers_the_other() -> None:
    matcher = Matcher(BANK, concepts=False)
    assert held_back(
        matcher, "Does MFA apply to API access and service accounts?", "IAM-SVC-01"
    ) == ("the question asks what covers what; the entry never names 'mfa'")
    assert held_back(
        matcher, "Are APIs covered by your web application firewall?", "NET-WAF-01"
    ) == ("the question asks what covers what; the entry never names 'apis'")
    assert held_back(
        matcher, "Are service accounts and API keys covered by MFA?", "IAM-SVC-01"
    ) == ("the question asks what covers what; the entry never names 'mfa'")


def test_a_statement_naming_both_sides_answers() -> None:
    matcher = Matcher(BANK, concepts=False)
    (best, *_) = matcher.match("Does your incident response plan cover AI incidents?")
    assert (best.entry_id, best.band) == ("AI-INC-01", "auto")

    said = set(terms("The incident response plan covers AI incidents."))
    for asked in (
        "Are AI incidents covered by the incident response plan?",
        "Is the incident response plan applicable to AI incidents?",
        # Not asked of covering: "include" far from its opening is another verb's.
        "Do you maintain logs for every system and include AI incidents?",
        # "Protected against" says from what, not by what.
        "Are AI incidents protected against tampering?",
    ):
        assert side_unsaid(NORMALISER.normalise(asked), lambda: said, terms) is None, asked
    # A side of frame words only names nothing to look for.
    policy = NORMALISER.normalise("Does the policy apply to AI incidents?")
    assert side_unsaid(policy, lambda: said, terms, frozenset({"policy"})) is None


def test_what_covers_is_named_by_its_head_word() -> None:
    # "AI" is said of AI features, not of an impact assessment; "incident response" of the plan.
    said = set(terms("Before release, AI features are evaluated for bias and fairness."))
    asked = NORMALISER.normalise(
        "Does your AI impact assessment include a bias and fairness evaluation?"
    )
    assert side_unsaid(asked, lambda: said, terms) == (
        "the question asks what covers what; the entry never names 'ai impact assessment'"
    )
    said |= set(terms("Each AI impact assessment records the evaluation."))
    assert side_unsaid(asked, lambda: said, terms) is None
    # What is covered may be named by any of its words ("AI incidents" by "AI").
    said = set(terms("The incident response plan has an AI playbook."))
    asked = NORMALISER.normalise("Does the incident response plan cover AI-specific incidents?")
    assert side_unsaid(asked, lambda: said, terms) is None


def test_what_a_document_states_is_asked_as_what_it_covers() -> None:
    said = set(terms("The disaster recovery plan describes who leads recovery and in what order."))
    asked = NORMALISER.normalise("Does the DR plan state the RTO and RPO for each service?")
    assert side_unsaid(asked, lambda: said, terms) is not None
    said |= set(terms("It sets the RTO and RPO."))
    assert side_unsaid(asked, lambda: said, terms) is None
    contacts = NORMALISER.normalise("Does the recovery plan document regulator contacts?")
    assert side_unsaid(contacts, lambda: said, terms) == (
        "the question asks what covers what; the entry never names 'regulator contacts'"
    )
    # What the vendor documents is what it does, as "Do you document …" asks.
    vendor = NORMALISER.normalise("Does the vendor document its security policies?")
    assert _sides(vendor.surface, vendor.stems) is None


def test_an_assurance_of_another_thing_than_the_vendor_needs_the_thing_named() -> None:
    bank = [
        approved(
            "CMP-CERT-01",
            "Which security certifications do you hold?",
            "SOC 2 Type II and ISO 27001",
            "Reports are available through the trust center.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(bank, concepts=False)
    # "Trust center" does not name data centers: the question reads them as one thing.
    assert held_back(
        matcher, "Are your data centers SOC 2 and ISO 27001 certified?", "CMP-CERT-01"
    ) == ("the question asks whether its 'data centers' hold it; the entry never names them")
    # The vendor or its product is the statement's own; a detail naming the thing answers.

    for asked in (
        "Is the company ISO 27001 certified?",
        "Is your application SOC 2 audited?",
        "Are you PCI DSS compliant?",
        "Is customer data encrypted at rest?",
        # Asked of alignment, not of holding an assurance.
        "Are your data centers aligned with ISO 27001?",
    ):
        assert assured_unsaid(NORMALISER.normalise(asked), lambda: set(), terms) is None, asked
    hosted = [
        approved(
            "CMP-CERT-01",
            "Which security certifications do you hold?",
            "SOC 2 Type II and ISO 27001",
            "Our data centers are run by a provider certified to ISO 27001.",
        ),
        bank[1],
    ]
    (named, *_) = Matcher(hosted, concepts=False).match(
        "Are your data centers ISO 27001 certified?"
    )
    assert "never names them" not in (named.explanation.guard or "")


def test_only_a_question_of_what_covers_what_has_two_sides() -> None:

    def sides(text: str) -> tuple[list[str], list[str]] | None:
        asked = NORMALISER.normalise(text)
        return _sides(asked.surface, asked.stems)

    assert sides("Does MFA apply to API access and service accounts?") == (
        ["mfa"],
        ["api", "access"],
    )
    assert sides("Are APIs covered by your WAF?") == (["waf"], ["apis"])
    # "record" and "list" as things named, not as what the thing does.
    assert sides("Does the change record list the approver?") == (
        ["change", "record"],
        ["approver"],
    )
    assert sides("Does the record show who approved each change?") is None
    assert sides("Does your asset list include laptops?") == (["asset", "list"], ["laptops"])
    assert sides("Does a record list the approver?") == (["record"], ["approver"])
    assert sides("Does a record exist for each change?") is None
    assert sides("Does the asset record include laptops?") == (["asset", "record"], ["laptops"])
    # A covering verb before a word that may name a thing is still the verb.
    assert sides("Does the backup policy cover document retention?") == (
        ["backup", "policy"],
        ["document", "retention"],
    )
    assert sides("Does the data protection policy cover records of processing?") == (
        ["data", "protection", "policy"],
        ["records", "of", "processing"],
    )
    assert sides("Does the contract need to include audit rights?") == (
        ["contract"],
        ["audit", "rights"],
    )
    for plain in (
        "Do you apply patches to all systems?",
        "Is data protected in transit?",
        "Do you maintain logs for every system and include AI incidents?",
        "Are backups covered regularly?",
    ):
        assert sides(plain) is None, plain
