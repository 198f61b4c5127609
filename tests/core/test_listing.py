"""A row listing several named things is not answered Yes by a statement naming some of them."""

from __future__ import annotations

from app.core.listing import listed_terms
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back

NORMALISER = Normaliser(shipped_thesaurus())


def written(question: str) -> list[str]:
    return [thing.written for thing in listed_terms(question, NORMALISER)]


def test_things_named_by_acronym_in_a_comma_list_are_read() -> None:
    # Each by its acronym, with the numbers after it, the first read back from its comma.
    assert written("Do you use SAST, DAST and SCA tools?") == ["SAST", "DAST", "SCA"]
    assert written("Are WAF, IDS and DDoS protection in place?") == ["WAF", "IDS", "DDoS"]
    assert written("Are you SOC 2, ISO 27001 and PCI DSS certified?") == [
        "SOC 2",
        "ISO 27001",
        "PCI DSS",
    ]
    # Not a list of steps or cases, two things joined by "and", "or", or examples.
    assert written("Are policies established, documented, approved and maintained?") == []
    assert written("ARE POLICIES ESTABLISHED, DOCUMENTED, APPROVED AND MAINTAINED?") == []
    assert written("Do you use SAST and DAST tools?") == []
    assert written("Do you use SAST, DAST or SCA tools?") == []
    assert written("Are scanners used, such as SAST, DAST and SCA tools?") == []
    assert written("Scanners such as these: SAST, DAST and SCA tools?") == []
    # Nor a framework's list of cases with one acronym among them, in a row naming two.
    assert written("Does the SOC notify internal departments, impacted CSCs, and partners?") == []


SCANNING = [
    approved(
        "SDL-SAST-01",
        "Is static application security testing (SAST) run on every change?",
        detail="Static analysis runs in the pipeline on every pull request.",
    ),
    approved(
        "SDL-ALL-01",
        "Do you run SAST, DAST and SCA scans?",
        detail="SAST, DAST and SCA scans run on every release.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_on_one_named_thing_does_not_answer_for_all() -> None:
    matcher = Matcher([SCANNING[0], SCANNING[2]], concepts=False)
    assert held_back(matcher, "Do you run SAST, DAST and SCA on every change?", "SDL-SAST-01") == (
        "the row lists 'DAST' among other things; the entry never says it"
    )
    # A statement naming each answers.
    (best, *_) = Matcher(SCANNING, concepts=False).match("Do you run SAST, DAST and SCA scans?")
    assert best.entry_id == "SDL-ALL-01" and best.explanation.guard is None


def test_two_things_joined_by_as_well_as_are_read_whatever_they_are_named_by() -> None:
    assert written(
        "Have you appointed a Data Protection Officer as well as an EU representative under "
        "Article 27?"
    ) == ["Data Protection Officer", "EU representative"]
    assert written("Does the process apply to executives as well as staff?") == [
        "executives",
        "staff",
    ]
    # A side naming no thing of its own ("in transit") is no pair.
    assert written("Is data encrypted at rest as well as in transit?") == []
    # Two of one kind, the first's preposition repeated: told apart by what else each says.
    assert written(
        "Is data encrypted in transit on internal networks as well as on public networks?"
    ) == ["internal networks", "public networks"]


PRIVACY = [
    approved(
        "PRV-DPO-01",
        "Have you appointed a data protection officer?",
        "A designated privacy lead",
        detail="A designated privacy lead, who is the data protection officer, runs the program.",
    ),
    approved(
        "CRY-BYOK-01",
        "Can customers manage their own encryption keys (BYOK)?",
        "No",
        detail="Keys are managed by the provider's key service.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_statement_saying_one_of_two_things_joined_by_as_well_as_does_not_answer() -> None:
    matcher = Matcher(PRIVACY, concepts=False)
    asked = "Have you appointed a data protection officer as well as an EU representative?"
    # Its answer is no Yes: a description answers for what it says, and nothing of the other.
    assert held_back(matcher, asked, "PRV-DPO-01") == (
        "the row lists 'EU representative' among other things; the entry never says it"
    )
    # A No to one of the two is a No to both, whatever it says of the other.
    (byok, *_) = matcher.match(
        "Can customers manage their own keys (BYOK) as well as tokenization vaults?"
    )
    assert (byok.entry_id, byok.explanation.guard) == ("CRY-BYOK-01", None)


def test_one_of_two_of_a_kind_does_not_answer_for_both() -> None:
    transit = approved(
        "CRY-TRANSIT-01",
        "Is data encrypted in transit over public networks?",
        detail="All connections to the product use TLS 1.2 or later.",
    )
    asked = "Is data encrypted in transit on internal networks as well as on public networks?"
    assert held_back(Matcher([transit, *PRIVACY], concepts=False), asked, "CRY-TRANSIT-01") == (
        "the row lists 'internal networks' among other things; the entry never says it"
    )
    both = approved(
        "NET-ENC-01",
        "Is data encrypted in transit over public and internal networks?",
        detail="Internal service traffic uses mutual TLS as well.",
    )
    (best, *_) = Matcher([both, *PRIVACY], concepts=False).match(asked)
    assert (best.entry_id, best.band) == ("NET-ENC-01", "auto")


def test_places_and_things_listed_in_plain_words_are_read() -> None:
    assert written(
        "Is data at rest encrypted in databases, object storage, backups and search indexes?"
    ) == [
        "databases",
        "object storage",
        "backups",
        "search indexes",
    ]
    assert written(
        "Is all customer data encrypted, including backups, logs, and temporary files?"
    ) == [
        "backups",
        "logs",
        "temporary files",
    ]
    # Things of one kind, told apart by their first words.
    assert [
        sorted(thing.terms)
        for thing in listed_terms(
            "Is data kept in primary, replica and backup databases?", NORMALISER
        )
    ] == [["primary"], ["replica"], ["backup"]]
    # Steps, states, degrees, alternatives and a framework's subject name no things.
    for plain in (
        "Are processes, procedures, and technical measures defined to secure APIs?",
        "Are roles defined for planning, implementing, operating and improving governance?",
        "Are risks identified based on data sensitivity, threat exposure, and business impact?",
        "Do you keep a register including the identification, evaluation and treatment of risks?",
        "Are policies established, documented, approved and maintained?",
        "What are your remediation SLAs for critical, high, medium and low vulnerabilities?",
        "Are vulnerabilities patched in critical, high and medium systems within the SLA?",
        "Is data encrypted in databases, backups or logs?",
        "Is data encrypted at rest, such as in databases, backups and logs?",
    ):
        assert written(plain) == [], plain


STORES = [
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="All customer data in databases, object storage and backups is encrypted with AES-256.",
    ),
    approved(
        "LOG-TIME-01",
        "Are system clocks synchronized to a reliable time source?",
        detail="All systems synchronize to the cloud provider's time service.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_statement_naming_some_places_of_a_plain_list_does_not_answer_for_all() -> None:
    matcher = Matcher(STORES, concepts=False)
    asked = "Is data at rest encrypted in databases, object storage, backups and search indexes?"
    assert held_back(matcher, asked, "CRY-REST-01") == (
        "the row lists 'search indexes' among other things; the entry never says it"
    )
    (named, *_) = matcher.match(
        "Is data at rest encrypted in databases, object storage and backups?"
    )
    assert (named.entry_id, named.explanation.guard) == ("CRY-REST-01", None)
    # A statement on every system names each system a row lists; a gerund may name a thing.
    (every, *_) = matcher.match(
        "Are clocks on servers, network devices and logging systems synchronised to one time source?"
    )
    assert (every.entry_id, every.explanation.guard) == ("LOG-TIME-01", None)
