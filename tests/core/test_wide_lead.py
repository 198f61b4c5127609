"""A question's best entry, far ahead of the bank's others and saying most of it, fills."""

from __future__ import annotations

import pytest

from app.core import verdict
from app.core.bank import Entry
from app.core.matching import DEFAULT_AUTO, Matcher
from tests.core.test_entry_says import starter_bank

MALWARE = "Do you have controls in place to protect client systems from malware?"
MESSAGING = (
    "Do you protect the confidentiality, integrity and availability of electronic messaging?"
)
RBAC = "Does the organization enforce a Role-Based Access Control (RBAC) policy over users and resources?"


def approved(entry_id: str, question: str, refs: dict[str, str] | None = None) -> Entry:
    return Entry(id=entry_id, question=question, answer="Yes", status="approved", refs=refs or {})


def test_a_wide_lead_saying_most_of_the_question_fills(monkeypatch: pytest.MonkeyPatch) -> None:
    # The malware policy says all but "client" and "controls", 0.17 ahead of any other statement.
    best, runner_up, *_ = Matcher(starter_bank()).match(MALWARE, context="Client Systems")
    assert best.entry_id == "VUL-MAL-01" and best.score < DEFAULT_AUTO
    assert best.explanation.margin is not None and best.explanation.margin >= verdict.WIDE_LEAD
    assert (best.band, best.explanation.guard) == ("auto", None)
    assert runner_up.band != "auto"
    monkeypatch.setattr(verdict, "WIDE_LEAD", 1.0)
    (best, *_) = Matcher(starter_bank()).match(MALWARE, context="Client Systems")
    assert (best.entry_id, best.band) == ("VUL-MAL-01", "suggest")


def test_a_lead_on_words_the_entry_never_says_does_not_fill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The backup statement leads by 0.19 on "confidentiality, integrity and availability" alone:
    # it never names messaging, the rarer part of what is asked.
    backups = approved(
        "BACKUP-CIA", "Is the confidentiality, integrity, and availability of backup data ensured?"
    )
    bank = [*starter_bank(), backups]
    (best, *_) = Matcher(bank, term_vectors=False, concepts=False).match(MESSAGING)
    assert best.entry_id == "BACKUP-CIA"
    assert best.explanation.margin is not None and best.explanation.margin >= verdict.WIDE_LEAD
    assert best.band == "suggest"
    monkeypatch.setattr(verdict, "LEAD_SAID_SHARE", 0.0)
    (best, *_) = Matcher(bank, term_vectors=False, concepts=False).match(MESSAGING)
    assert (best.entry_id, best.band) == ("BACKUP-CIA", "auto")


def test_a_concept_leading_on_a_part_of_the_question_does_not_fill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The least-privilege concept leads the other concepts on an RBAC question, saying under
    # half of it by rarity; the entry citing its ID would fill through it, and a role-based
    # access control policy is not least privilege.
    bank = [
        approved("SCAN", "Do you scan for vulnerabilities?"),
        approved("PEN", "Do you have independent penetration tests performed?"),
        approved(
            "LEAST",
            "Is the least privilege principle employed when implementing information system access?",
            refs={"caiq": "IAM-05.1"},
        ),
    ]
    (best, *_) = Matcher(bank).match(RBAC)
    assert (best.entry_id, best.explanation.concept) == ("LEAST", "IAM-LP-01")
    assert best.band == "suggest"
    monkeypatch.setattr(verdict, "LEAD_SAID_SHARE", 0.0)
    (best, *_) = Matcher(bank).match(RBAC)
    assert (best.entry_id, best.band) == ("LEAST", "auto")


PEN_TEST = (
    "Does an independent third party regularly perform penetration tests on all systems used to "
    "provide services to customers?"
)
PRODUCTION_USE = (
    "Does the organization compel data and/or process owners to obtain authorization for the "
    "production use of each system, application and/or service under their control?"
)


def framework_bank() -> list[Entry]:
    return [
        approved(
            "PEN",
            "Are processes, procedures, and technical measures defined, implemented, and "
            "evaluated for periodic, independent, third-party penetration testing?",
        ),
        approved(
            "PRODDATA",
            "Is authorization from data owners obtained, and the associated risk managed, before "
            "replicating or using production data in non-production environments?",
        ),
        approved("SCAN", "Do you scan for vulnerabilities?"),
        approved("BCP", "Do you have a business continuity plan?"),
    ]


def test_a_long_questions_wide_lead_fills_when_the_entry_asks_little_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (best, *_) = Matcher(framework_bank(), concepts=False).match(PEN_TEST)
    assert best.entry_id == "PEN" and best.score < DEFAULT_AUTO
    assert best.explanation.margin is not None and best.explanation.margin >= verdict.WIDE_LEAD
    assert (best.band, best.explanation.guard) == ("auto", None)
    monkeypatch.setattr(verdict, "WIDE_LEAD", 1.0)
    (best, *_) = Matcher(framework_bank(), concepts=False).match(PEN_TEST)
    assert (best.entry_id, best.band) == ("PEN", "suggest")


def test_a_long_questions_lead_does_not_fill_with_an_entry_asking_much_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Owners, authorization and production are shared; the statement is about production data
    # copied into other environments, which the question never asks.
    (best, *_) = Matcher(framework_bank(), concepts=False).match(PRODUCTION_USE)
    assert best.entry_id == "PRODDATA"
    assert best.explanation.margin is not None and best.explanation.margin >= verdict.WIDE_LEAD
    assert best.band == "suggest"
    monkeypatch.setattr(verdict, "LEAD_UNASKED_SHARE", 1.0)
    (best, *_) = Matcher(framework_bank(), concepts=False).match(PRODUCTION_USE)
    assert (best.entry_id, best.band) == ("PRODDATA", "auto")
