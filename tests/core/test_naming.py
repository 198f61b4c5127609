"""A row asking which product, firm or format is answered only by a statement naming one."""

from __future__ import annotations

from app.core.matching import Matcher
from app.core.naming import name_unsaid
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back

NAMING = [
    approved(
        "NET-WAF-01",
        "Do you use a web application firewall and DDoS protection?",
        "DDoS protection, WAF and threat detection",
        "The product sits behind managed DDoS protection and a web application firewall.",
    ),
    approved(
        "VEN-HOST-01",
        "Which cloud provider hosts the service?",
        "Amazon Web Services (AWS)",
        "The service runs on {{ hosting_provider }} in two regions.",
    ),
    approved(
        "SDL-SBOM-01",
        "Can you provide a software bill of materials?",
        "Yes, on request",
        "An SBOM in CycloneDX format is generated for every release.",
    ),
    approved(
        "IAM-IDP-01",
        "How do staff sign in to company systems?",
        "Single sign-on",
        "Staff sign in through {{ identity_provider }} with a phishing-resistant factor.",
    ),
    approved(
        "NET-CASB-01",
        "Is there a CASB in place?",
        "Yes",
        "A CASB monitors the use of cloud applications.",
    ),
    approved(
        "VUL-BOUNTY-01",
        "Do you run a bug bounty programme?",
        "No",
        "Researchers report issues through the disclosure policy.",
    ),
]


def test_a_statement_naming_nothing_does_not_answer_which_product() -> None:
    matcher = Matcher(NAMING, concepts=False)
    for asked, thing in (
        ("Do you use a web application firewall? If yes, which product?", "product"),
        ("Web application firewall in place? Name the vendor.", "vendor"),
    ):
        assert held_back(matcher, asked, "NET-WAF-01") == (
            f"the row asks which {thing}; the entry names none"
        ), asked
    # The row's own name for what it asks of names no product either.
    assert held_back(matcher, "Is there a CASB in place? Which product?", "NET-CASB-01") == (
        "the row asks which product; the entry names none"
    )


def test_a_name_a_variable_or_an_option_named_answers() -> None:
    matcher = Matcher(NAMING, concepts=False)
    for asked, entry_id in (
        # A name with a capital, or a profile variable naming the supplier.
        ("Which cloud provider hosts the service?", "VEN-HOST-01"),
        ("Which identity provider do staff sign in to company systems with?", "IAM-IDP-01"),
        # One of the options the row offers, as the statement names it.
        (
            "Can you provide a software bill of materials? State the format (SPDX, CycloneDX).",
            "SDL-SBOM-01",
        ),
        # A No: nothing is run, so there is no platform to name.
        ("Do you run a bug bounty programme? If so, on which platform?", "VUL-BOUNTY-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == (entry_id, "auto"), asked


def test_what_names_a_thing_is_read_past_the_ask_and_before_another_clause() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    waf = NAMING[0]
    # "which" opening a clause of another thing asks no name.
    for asked in (
        "Do you use tools which are vendor products?",
        "What is done with logs from your providers?",
        # A word asking by request, put to someone as what they do, asks no name either.
        "Do you specify the format of exports?",
        "Are suppliers required to identify the tools they use?",
        "Can we name the vendor of our choice?",
        "Will they state the format of exports?",
        "Must staff always identify the products they use?",
    ):
        assert name_unsaid(normalise(asked), waf) is None, asked
    # A kind of tool written in capitals names no maker; a figure names a format.
    asked = normalise("Which WAF product protects the service?")
    assert name_unsaid(asked, waf) == "the row asks which product; the entry names none"
    for asked in (
        "Do you use a WAF? If you do, name the vendor.",
        "Do you use a WAF? If they do, specify the product.",
        "Do you use a WAF? If so, state the product.",
    ):
        thing = "vendor" if "vendor" in asked else "product"
        assert name_unsaid(normalise(asked), waf) == (
            f"the row asks which {thing}; the entry names none"
        ), asked
    asked = normalise("Do you use a WAF? Please specify the product.")
    assert name_unsaid(asked, waf) == "the row asks which product; the entry names none"
    figure = approved("CRY-ALG-01", "Which algorithms do you use?", "AES-256", "Keys are 256 bits.")
    assert name_unsaid(normalise("Which algorithm protects data at rest?"), figure) is None


def test_an_acronym_names_a_kind_not_a_maker() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    media = approved(
        "AST-MEDIA-01", "Is removable storage blocked?", "Yes", "USB storage is blocked by IT."
    )
    asked = normalise("Is removable storage blocked? Which tool enforces this?")
    assert name_unsaid(asked, media) == "the row asks which tool; the entry names none"
