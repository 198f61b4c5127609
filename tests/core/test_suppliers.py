"""What a question asks of the vendor's suppliers is not answered by what the vendor does."""

from __future__ import annotations

from dataclasses import replace

from app.core.matching import Matcher
from app.core.normalise import words as tokens
from tests.core.statements import held_back
from tests.core.test_actor import POLICY, approved

SUPPLIERS = [
    approved(
        "VUL-PEN-01",
        "Do you have independent penetration tests performed?",
        "Yes, at least annually",
        detail="An independent firm tests the product at least once a year.",
        alternates=("How often is a third-party penetration test conducted?",),
    ),
    approved(
        "VEN-PEN-01",
        "Do you review your suppliers' security testing?",
        "Yes",
        detail="Critical vendors must share their latest penetration test summary each year.",
    ),
    POLICY,
]


def test_what_your_suppliers_do_is_not_answered_by_what_you_do() -> None:
    matcher = Matcher(SUPPLIERS[::2], concepts=False)
    assert held_back(matcher, "Do your vendors undergo penetration testing?", "VUL-PEN-01") == (
        "the question asks what your vendors do; the entry says what you do"
    )
    (best, *_) = matcher.match("Do you undergo penetration testing?")
    assert best.explanation.guard is None


def test_what_the_vendor_has_its_suppliers_do_is_not_what_it_does() -> None:
    matcher = Matcher(SUPPLIERS[::2], concepts=False)
    for asked in (
        # The prefix written apart is still the suppliers.
        "Do sub-processors undergo penetration testing?",
        "Do you require your sub-processors to conduct annual penetration tests?",
        "Do you contractually oblige all of your critical vendors to run penetration tests?",
    ):
        guard = held_back(matcher, asked, "VUL-PEN-01")
        assert guard is not None and guard.startswith("the question asks what your"), asked
    # Required of no supplier, it is the vendor's own.
    (best, *_) = matcher.match("Do you require independent penetration tests to be performed?")
    assert (best.entry_id, best.band, best.explanation.guard) == ("VUL-PEN-01", "auto", None)


def test_what_the_vendor_does_with_its_suppliers_is_not_what_it_does_alone() -> None:
    continuity = [
        approved(
            "BCP-TEST-01",
            "How often is the business continuity plan tested?",
            "At least annually",
            detail="The plan is exercised once a year through a tabletop exercise.",
        ),
        POLICY,
    ]
    matcher = Matcher(continuity, concepts=False)
    assert (
        held_back(
            matcher,
            "Is the business continuity plan tested with your critical suppliers?",
            "BCP-TEST-01",
        )
        == "the question asks what you do with your suppliers; the entry never names them"
    )
    # Done with someone else, third-party firms among them, or said with the suppliers in the
    # detail, it is answered.
    (firms, *_) = matcher.match(
        "Is the business continuity plan tested with third-party recovery firms?"
    )
    assert (firms.entry_id, firms.explanation.guard) == ("BCP-TEST-01", None)
    (best, *_) = matcher.match("Is the business continuity plan tested with a tabletop exercise?")
    assert (best.entry_id, best.explanation.guard) == ("BCP-TEST-01", None)
    said = [
        replace(continuity[0], detail="Critical suppliers join the yearly tabletop exercise."),
        POLICY,
    ]
    (best, *_) = Matcher(said, concepts=False).match(
        "Is the business continuity plan tested with your critical suppliers?"
    )
    assert (best.entry_id, best.explanation.guard) == ("BCP-TEST-01", None)


def test_a_statement_naming_the_suppliers_speaks_of_them() -> None:
    found = Matcher(SUPPLIERS, concepts=False).match(
        "Do your vendors undergo penetration testing?", top=3
    )
    theirs = next(m for m in found if m.entry_id == "VEN-PEN-01")
    assert theirs.explanation.guard != (
        "the question asks what your vendors do; the entry says what you do"
    )


def test_a_wording_naming_the_suppliers_speaks_of_them() -> None:
    bank = [
        approved(
            "VEN-REQ-01",
            "Do you require your suppliers to meet your security requirements?",
            "Yes",
            detail="Contracts set out the requirements and are reviewed every year.",
        ),
        POLICY,
    ]
    (best, *_) = Matcher(bank, concepts=False).match(
        "Are your vendors required to meet your security requirements?"
    )
    assert best.entry_id == "VEN-REQ-01"
    assert best.explanation.guard != (
        "the question asks what your vendors do; the entry says what you do"
    )


def test_some_of_your_suppliers_are_your_suppliers() -> None:
    matcher = Matcher(SUPPLIERS[::2], concepts=False)
    (best, *_) = matcher.match("Do any of your vendors undergo penetration testing?")
    assert best.entry_id == "VUL-PEN-01"
    assert best.explanation.guard == (
        "the question asks what your vendors do; the entry says what you do"
    )


PLANS = [
    approved(
        "INC-TEST-01",
        "Is the incident response plan tested?",
        "Yes, at least annually",
        detail="A tabletop exercise tests the plan every year.",
    ),
    approved(
        "AI-TRAIN-01",
        "Is customer data used to train AI models?",
        "No",
        detail="Customer data is never used to train any model.",
    ),
    POLICY,
]
THEIRS = "the question asks of your {}; the entry says what you do"


def test_what_your_suppliers_own_is_not_answered_by_what_you_do() -> None:
    matcher = Matcher(PLANS, concepts=False)
    for question, whose in (
        ("Do you test your vendors' incident response plans?", "vendors' practice"),
        ("Do you test your vendors’ incident response plans?", "vendors' practice"),
        ("Is your hosting provider's incident response plan tested?", "provider's practice"),
        ("Do you test a third party's incident response plan?", "third party's practice"),
    ):
        assert held_back(matcher, question, "INC-TEST-01") == THEIRS.format(whose)
    (own, *_) = matcher.match("Do you test your incident response plans?")
    assert (own.entry_id, own.band, own.explanation.guard) == ("INC-TEST-01", "auto", None)


def test_a_possessive_with_nothing_after_it_names_no_thing_of_theirs() -> None:
    (best, *_) = Matcher(PLANS, concepts=False).match(
        "Is customer data used to train AI models, yours or a third party's?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("AI-TRAIN-01", "auto", None)


def test_a_plural_possessive_is_read_as_the_singular_one() -> None:
    assert tokens("your vendors' plans") == ["your", "vendors", "s", "plans"]
    assert tokens("the vendor's plan") == ["the", "vendor", "s", "plan"]
    # A word in quotes is none.
    assert tokens("the 'vendors' list") == ["the", "vendors", "list"]


def test_a_supplier_named_by_a_compound_subject_is_a_supplier() -> None:
    matcher = Matcher(SUPPLIERS[::2], concepts=False)
    assert held_back(
        matcher, "Do your cloud providers undergo penetration testing?", "VUL-PEN-01"
    ) == ("the question asks what your providers do; the entry says what you do")
    # A framework's "service providers" are the vendor itself.
    (own, *_) = matcher.match("Are service providers undergoing independent penetration tests?")
    assert own.explanation.guard is None
    # A word after the subject naming no supplier leaves the vendor's own.
    (best, *_) = matcher.match("Do you undergo penetration testing by independent firms?")
    assert best.explanation.guard is None


RISK = [
    approved(
        "RSK-PROG-01",
        "Do you have a formal risk management program?",
        "Yes",
        detail="Risks are identified, scored, given an owner and reviewed by leadership.",
    ),
    approved(
        "VEN-RISK-01",
        "Do you have a third-party risk management policy?",
        "Yes",
        detail="Suppliers are assessed before onboarding and reassessed by risk tier.",
    ),
]


def test_risk_kept_over_suppliers_is_not_answered_by_risk_management_in_general() -> None:
    matcher = Matcher(RISK[:1], concepts=False)
    for asked, who in (
        ("Describe your vendor risk management program.", "vendor"),
        ("Describe your supplier risk assessment process.", "supplier"),
        ("Describe your third-party risk management programme.", "third-party"),
    ):
        assert held_back(matcher, asked, "RSK-PROG-01") == (
            f"the question asks of {who} risk or management; the entry never names them"
        ), asked
    # The questionnaire's addressee's own program: no supplier's risk.
    for asked in ("Does the vendor have a formal risk management program?",):
        (best, *_) = matcher.match(asked)
        assert best.explanation.guard is None, asked
    # What you do with a supplier's own plan is still the supplier's: "the supplier's" is no
    # addressee where the row asks what you do.
    plan = [approved("INC-TEST-01", "Is the incident response plan tested?", "Yes", "Yearly.")]
    assert held_back(
        Matcher(plan, concepts=False),
        "Do you test the supplier's incident response plan?",
        "INC-TEST-01",
    ).startswith("the question asks of your supplier's practice")
    # A statement naming them answers.
    (best, *_) = Matcher(RISK, concepts=False).match(
        "Describe your vendor risk management program."
    )
    assert (best.entry_id, best.explanation.guard) == ("VEN-RISK-01", None)


SUBPROCESSORS = [
    approved(
        "PRV-SUBPROC-01",
        "Are subprocessors bound by data protection terms equivalent to yours?",
        "Yes",
        detail="Subprocessors sign data protection terms at least as protective as ours.",
    ),
    POLICY,
]


def test_your_suppliers_own_suppliers_are_not_answered_by_what_binds_yours() -> None:
    matcher = Matcher(SUBPROCESSORS, concepts=False)
    for asked, named in (
        (
            "Are your subprocessors' subprocessors bound by equivalent data protection terms?",
            "subprocessors' subprocessors",
        ),
        (
            "Are the subcontractors of your subprocessors bound by equivalent data protection "
            "terms?",
            "subcontractors of your subprocessors",
        ),
        ("Are fourth parties bound by equivalent data protection terms?", "fourth parties"),
        ("Are sub-subprocessors bound by equivalent data protection terms?", "sub-subprocessors"),
    ):
        assert held_back(matcher, asked, "PRV-SUBPROC-01") == (
            f"the question asks of your suppliers' own ('{named}'); the entry never speaks of them"
        ), asked
    # A sub-processor written apart is the vendor's own.
    (best, *_) = matcher.match("Are sub-processors bound by equivalent data protection terms?")
    assert (best.entry_id, best.band, best.explanation.guard) == ("PRV-SUBPROC-01", "auto", None)
    # A statement speaking of them answers.
    onward = replace(
        SUBPROCESSORS[0],
        detail="Subprocessors sign equivalent terms and must flow them to any fourth parties.",
    )
    (best, *_) = Matcher([onward, POLICY], concepts=False).match(
        "Are your subprocessors' subprocessors bound by equivalent data protection terms?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("PRV-SUBPROC-01", "auto", None)


def test_one_named_owners_subprocessors_are_its_own() -> None:
    # "the Provider's subprocessors": the vendor a questionnaire names, not its suppliers' own.
    (best, *_) = Matcher(SUBPROCESSORS, concepts=False).match(
        "Are the Vendor's subprocessors bound by equivalent data protection terms?"
    )
    assert best.explanation.guard is None or "suppliers' own" not in best.explanation.guard
