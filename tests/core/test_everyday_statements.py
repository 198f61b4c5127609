"""Everyday questions the starter bank answers as shipped, and a No that answers no policy."""

from __future__ import annotations

import pytest

from app.core.bank import Entry
from app.core.matching import Matcher
from tests.core.test_entry_says import starter_bank


@pytest.mark.parametrize(
    ("context", "question", "entry_id", "answer"),
    [
        ("Vulnerability Management", "Is there a patch management process?", "VUL-PATCH-01", "Yes"),
        ("Servers", "How are servers patched?", "VUL-PATCH-01", "Yes"),
        ("Network Security", "Do you use an IDS/IPS?", "NET-IDS-01", "Yes"),
        ("Network", "Do you have intrusion detection?", "NET-IDS-01", "Yes"),
        ("Endpoint Security", "Do you allow BYOD?", "AST-BYOD-01", "No"),
        ("Endpoint Security", "Do you have a BYOD policy?", "AST-BYOD-02", "Yes"),
        (
            "Incident Response",
            "Will you support our investigation of a security incident?",
            "INC-CUST-01",
            "Yes",
        ),
        ("Network", "Is the network segmented?", "NET-FW-01", "Yes"),
        ("Continuity", "What is your RTO?", "BCP-RTO-01", "RTO 8 hours; RPO 1 hour"),
        (
            "Devices Endpoints and People",
            "Do you use mobile device management (MDM)?",
            "AST-EP-06",
            "Yes",
        ),
        (
            "Security Monitoring",
            "Do you operate a security operations center?",
            "LOG-SOC-01",
            "Yes",
        ),
        ("Privacy", "Do you pseudonymise personal data?", "PRV-PSEUDO-01", "Yes"),
        (
            "Access Control",
            "Can customer administrators restrict access to specific IP address ranges?",
            "NET-ALLOW-01",
            "Yes",
        ),
        ("Identity", "Are service accounts reviewed?", "IAM-SVC-01", "Yes"),
        ("Authentication", "Does the product support SAML single sign-on?", "IAM-SSO-01", "Yes"),
        ("Endpoints", "Are USB storage devices blocked?", "AST-MEDIA-01", "Yes"),
        ("Supply Chain", "Can you provide an SBOM?", "SDL-SBOM-01", "Yes, on request"),
        ("Risk", "Is there an insider threat program?", "RSK-INSIDER-01", "Yes"),
        ("Physical Security", "Are visitors escorted?", "PHY-VISIT-01", "Yes"),
        ("Physical Security", "Are offices protected by badge access?", "PHY-BADGE-01", "Yes"),
        ("HR", "Do you have an offboarding process?", "HRS-OFFBOARD-01", "Yes"),
        ("Privacy", "Do you publish a privacy notice?", "PRV-NOTICE-01", "Yes"),
        (
            "Key Management",
            "Are keys stored in an HSM?",
            "CRY-KEYGEN-01",
            "In a managed, HSM-backed key service",
        ),
        # "keep" and "use" frame a question as "maintain" does.
        ("Privacy", "Do you have a record of processing activities?", "PRV-INV-01", "Yes"),
        ("Subprocessors", "Do you use subprocessors?", "VEN-SUBLIST-01", "Yes"),
        # The best by rank is set aside (the cryptographic change control statement); the next
        # says the question's most telling subject word, though not its frame word "formal".
        (
            "Change Management",
            "Is there a formal change management process for changes to production?",
            "CHG-POL-01",
            "Yes",
        ),
    ],
)
def test_the_starter_bank_fills_an_everyday_question(
    context: str, question: str, entry_id: str, answer: str
) -> None:
    bank = starter_bank()
    (best, *_) = Matcher(bank).match(question, context=context)
    assert (best.entry_id, best.band) == (entry_id, "auto")
    assert next(e for e in bank if e.id == entry_id).answer == answer


def test_a_no_to_a_practice_does_not_answer_whether_a_policy_on_it_exists() -> None:
    allowed = Entry(
        id="BYOD",
        question="Are personally owned devices (BYOD) allowed to access company data?",
        answer="No",
        status="approved",
    )
    other = Entry(id="MFA", question="Is MFA enforced?", answer="Yes", status="approved")
    matcher = Matcher([allowed, other], concepts=False)
    (held,) = matcher.match("Do you have a BYOD policy?", top=1)
    assert held.entry_id == "BYOD" and held.band != "auto"
    assert held.explanation.guard == (
        "the question asks whether a policy exists, the entry's No is about the practice"
    )
    # However long the question, and a question about the practice itself is still answered.
    (held,) = matcher.match(
        "Do you have a BYOD policy that defines the devices allowed for BYOD usage?", top=1
    )
    assert held.band != "auto"
    (filled,) = matcher.match("Do you allow BYOD?", top=1)
    assert (filled.entry_id, filled.band) == ("BYOD", "auto")


def test_a_word_saying_only_that_something_is_done_is_never_a_questions_point() -> None:
    # "conduct" against the statement's "carry out": both say it is done, and the subject
    # (impact assessments) is the same.
    (best, *_) = Matcher(starter_bank()).match("Do you conduct DPIAs?", context="Privacy")
    assert (best.entry_id, best.band) == ("PRV-DPIA-01", "auto")


def test_a_question_whether_something_is_used_is_not_answered_by_how_often_it_is_reviewed() -> None:
    # "Do you use firewalls?" asks whether they exist; "How often are firewall rules
    # reviewed?" "At least annually, and on every change" would read as no answer at all.
    (best, *_) = Matcher(starter_bank()).match("Do you use firewalls?", context="Network Security")
    assert not (best.entry_id == "NET-REVIEW-01" and best.band == "auto")


def test_a_question_whether_passwords_change_is_not_answered_by_the_review_of_the_standard() -> (
    None
):
    # "Are password requirements revisited and updated every year?" (Yes) filled it; the
    # statement that passwords do not expire on a schedule (No) now stands beside it.
    (best, *_) = Matcher(starter_bank()).match(
        "Are passwords required to be changed periodically?", context="Access Control"
    )
    assert not (best.entry_id == "IAM-PWD-02" and best.band == "auto")
