"""A close runner-up holds the best back, unless it is about something else than the question."""

from __future__ import annotations

import pytest

from app.core import verdict
from app.core.bank import Entry
from app.core.matching import DEFAULT_AUTO, Matcher
from tests.core.test_entry_says import replaced, starter_bank

DEPENDENCIES = "Do you scan dependencies for known vulnerabilities?"


def approved(entry_id: str, question: str, answer: str = "Yes") -> Entry:
    return Entry(id=entry_id, question=question, answer=answer, status="approved")


def test_a_runner_up_about_something_else_is_no_rival() -> None:
    # The backup statement is 0.03 behind the export API and answers otherwise, but it is held
    # back for never saying what the question asks ("retrieve" vs "backup"), and says nothing
    # of the question the export API leaves unsaid: the export API fills, clear of it.
    bank = [
        approved("SCAN", "Do you scan for vulnerabilities?"),
        approved("BACK", "Do you back up customer data?"),
        approved("PEN", "Do you have independent penetration tests performed?"),
        approved("MFA", "Is multi-factor authentication required?"),
        approved("EXPORT", "Can customers export their data through an API?"),
    ]
    best, held, *_ = Matcher(bank).match("Is there an API for customers to retrieve their data?")
    assert (best.entry_id, held.entry_id) == ("EXPORT", "BACK")
    assert best.score < DEFAULT_AUTO and best.explanation.margin is not None
    assert best.explanation.margin < 0.05
    assert held.explanation.elsewhere
    assert best.band == "auto" and best.explanation.guard is None


def test_the_starter_export_api_fills_clear_of_the_retention_policy() -> None:
    # The retention policy is 0.02 behind and answers otherwise, but never names retrieving.
    question = "Is there an API for customers to retrieve their data?"
    best, *others = Matcher(starter_bank()).match(question, context="Portability")
    assert (best.entry_id, best.band) == ("PRV-EXPORT-01", "auto")
    assert best.explanation.runner_up == "RET-POL-01" and best.explanation.margin is not None
    assert best.explanation.margin < 0.05
    policy = next(m for m in others if m.entry_id == "RET-POL-01")
    assert policy.explanation.guard == "the matching wording does not name 'retrieve'"


def test_a_free_answer_to_a_closed_question_is_not_cleared_of_its_runner_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "How often do you scan for vulnerabilities?" "Continuously, and at least weekly" leads the
    # statement on third-party libraries, itself held back on "known", by about the clear
    # margin (0.0501 with the shipped bank: it fills). Within the margin, its free answer says
    # only how often, and the libraries statement may be the one meant: a person picks.
    (best, runner_up, *_) = Matcher(starter_bank()).match(
        DEPENDENCIES, context="Secure Development"
    )
    assert (best.entry_id, runner_up.entry_id) == ("VUL-SCAN-01", "VUL-DEPS-01")
    assert runner_up.explanation.elsewhere
    assert best.explanation.margin is not None
    monkeypatch.setattr(verdict, "CLEAR_MARGIN", best.explanation.margin + 0.01)
    (held, *_) = Matcher(starter_bank()).match(DEPENDENCIES, context="Secure Development")
    assert (held.entry_id, held.band) == ("VUL-SCAN-01", "suggest")


def test_a_runner_up_saying_what_the_best_leaves_unsaid_remains_a_rival(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Answered Yes, the scanning statement is cleared of the libraries statement when it says
    # "dependencies" too (in its detail); when it does not, the libraries statement says a
    # word of the question the best never says, and remains its rival. Read within the clear
    # margin, as above.
    monkeypatch.setattr(verdict, "CLEAR_MARGIN", 0.06)
    says = replaced(
        starter_bank(),
        "VUL-SCAN-01",
        answer="Yes",
        detail="Container images and dependencies are scanned.",
    )
    (best, *_) = Matcher(says).match(DEPENDENCIES, context="Secure Development")
    assert best.explanation.margin is not None and best.explanation.margin < 0.06
    assert (best.entry_id, best.band) == ("VUL-SCAN-01", "auto")
    silent = replaced(starter_bank(), "VUL-SCAN-01", answer="Yes", detail="")
    (best, *_) = Matcher(silent).match(DEPENDENCIES, context="Secure Development")
    assert (best.entry_id, best.band) == ("VUL-SCAN-01", "suggest")


def test_only_a_short_question_sets_a_runner_up_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # A long question's subject guards fire on its everyday words ("no longer needed" against
    # "unneeded"): there a close runner-up stays a rival, however it is held back. The export
    # question has four terms; counted as long, the retention policy holds it back again.
    question = "Is there an API for customers to retrieve their data?"
    monkeypatch.setattr(verdict, "SET_APART_MAX_TERMS", 3)
    (best, *_) = Matcher(starter_bank()).match(question, context="Portability")
    assert (best.entry_id, best.band) == ("PRV-EXPORT-01", "suggest")
    assert best.explanation.guard == "entry RET-POL-01 matches as well and answers differently"
