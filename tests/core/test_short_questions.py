"""Short customer questions: a clear match may fill, "how often" is answered by a frequency."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.core.bank import Entry, load_bank
from app.core.matching import DEFAULT_AUTO, Matcher, Thresholds
from app.core.ranking import SENTENCE_SUBJECT_RIVAL_MARGIN, SUBJECT_RIVAL_MARGIN
from app.core.subject_guard import subject_conflict


def approved(entry_id: str, question: str, answer: str = "Yes") -> Entry:
    return Entry(id=entry_id, question=question, answer=answer, status="approved")


STARTER = Path(__file__).resolve().parents[2] / "answer_bank"
BANK = [
    approved(
        "METRICS",
        "Are vulnerability management metrics, including remediation times, reported to senior "
        "management at defined intervals?",
    ),
    approved("SCAN", "Are systems scanned for vulnerabilities at least monthly?"),
    approved(
        "TRAIN",
        "Is security awareness training provided to all personnel and refreshed at least annually?",
    ),
    approved("BACKUP-TEST", "Are backups tested annually?"),
]


def test_a_short_questions_clear_match_fills_below_the_auto_threshold() -> None:
    (best, runner_up, *_) = Matcher(BANK, concepts=False).match(
        "Do you report vulnerability metrics to management?"
    )
    assert best.entry_id == "METRICS"
    assert best.score < DEFAULT_AUTO
    assert best.band == "auto"
    assert runner_up.band != "auto"


def test_the_relief_for_short_questions_follows_the_auto_threshold() -> None:
    # 0.54: below 0.75 by more than either relief (a short question's, an entry saying it all).
    strict = Matcher(BANK, concepts=False, thresholds=Thresholds(auto=0.75, suggest=0.4))
    (best, *_) = strict.match("Do you report vulnerability metrics to management?")
    assert best.entry_id == "METRICS" and best.band == "suggest"


def test_a_short_question_with_a_close_rival_that_answers_otherwise_does_not_fill() -> None:
    bank = [
        *BANK,
        approved(
            "METRICS-BOARD",
            "Are vulnerability management metrics, including remediation times, reported to "
            "the board at defined intervals?",
            answer="No",
        ),
    ]
    (best, *_) = Matcher(bank, concepts=False).match(
        "Do you report vulnerability metrics to management?"
    )
    assert best.band != "auto"


def test_a_question_asking_how_often_is_answered_by_an_entry_naming_a_frequency() -> None:
    # With a detail to write: a bare Yes says nothing in answer to "how often" on its own.
    described = [
        replace(e, detail="Restores are tested every year.") if e.id == "BACKUP-TEST" else e
        for e in BANK
    ]
    (asked, *_) = Matcher(described, concepts=False).match("How often are backups tested?")
    assert asked.entry_id == "BACKUP-TEST"
    assert asked.explanation.guard is None
    (bare, *_) = Matcher(BANK, concepts=False).match("How often are backups tested?")
    assert bare.explanation.guard == "the question asks 'how', the entry answers only Yes"
    matcher = Matcher(BANK, concepts=False)
    # A question silent on frequency takes an entry naming one only by its Yes: backups tested
    # annually are tested, while a No to "annually" says nothing of testing at all.
    (silent, *_) = matcher.match("Are backups tested?")
    assert silent.entry_id == "BACKUP-TEST"
    assert silent.explanation.guard is None
    answered_no = [approved(e.id, e.question, "No") if e.id == "BACKUP-TEST" else e for e in BANK]
    (held, *_) = Matcher(answered_no, concepts=False).match("Are backups tested?")
    assert held.entry_id == "BACKUP-TEST"
    assert held.explanation.guard == "frequency differs: unspecified vs 'annually'"


def test_an_entry_vaguer_than_a_question_naming_a_frequency_still_differs() -> None:
    matcher = Matcher([approved("VAGUE", "Are backups tested periodically?")], concepts=False)
    (best, *_) = matcher.match("Are backups tested quarterly?")
    assert best.explanation.guard == "frequency differs: 'quarterly' vs unspecified"


def test_a_thesaurus_phrase_meets_its_own_words_in_the_subject_guard() -> None:
    # Judged with the rarity of the shipped concepts' words, where the one-term phrase
    # "vulnerability_scan" is rarer than anything shared and used to read as another subject.
    concepts = Matcher(BANK)._concept_matcher()
    assert concepts is not None
    normalise = concepts._normaliser.normalise
    question = normalise("How often do you run vulnerability scans?")
    assert "vulnerability_scan" in question.terms
    stated = normalise("How often do you scan for vulnerabilities?")
    assert subject_conflict(concepts._index.words.space, question, stated) is None


def test_a_runner_up_answering_the_opposite_must_be_further_behind() -> None:
    # Separated environments and production data used in them share every word but one; the
    # closer starter statement says No. Writing its No would say they are not separated.
    # Without the statement on segmented networks, whose words weigh the two 0.051 apart.
    bank = [
        replace(e, status="approved") for e in load_bank(STARTER).entries if e.id != "NET-FW-01"
    ]
    question = "Is production separated from development and test environments?"
    (best, runner_up, *_) = Matcher(bank).match(question)
    by_id = {e.id: e for e in bank}
    answers = {by_id[best.entry_id].answer.split()[0], by_id[runner_up.entry_id].answer.split()[0]}
    assert answers == {"Yes", "No"}
    assert 0.02 <= best.score - runner_up.score < 0.05, "neither close nor clear: the case"
    assert best.band != "auto"
    assert "answers differently" in (best.explanation.guard or "")
    # The same margin between two statements answering alike is no reason to hold back (the
    # separation statement still is: it names more of what is asked, see the test below).
    alike = [replace(e, answer="Yes") for e in bank]
    (same, *_) = Matcher(alike).match(question)
    assert "matches as well" not in (same.explanation.guard or "")


def test_a_short_match_is_not_clear_when_another_entry_names_all_the_question_asks() -> None:
    # "Do you operate your own data centers?" (No) shares only "data center" with the question;
    # the CCTV statement names data centers in its question and CCTV in an alternate.
    bank = [replace(e, status="approved") for e in load_bank(STARTER).entries]
    question = "Is there CCTV at the data center?"
    without_cctv = [e for e in bank if e.id != "PHY-CCTV-01"]

    # As shipped, the data centre statement never says "CCTV": held back for that alone.
    (unsaid, *_) = Matcher(without_cctv).match(question)
    assert unsaid.entry_id == "PHY-DC-01"
    assert unsaid.explanation.guard == "the entry does not say 'cctv'"
    assert unsaid.band == "suggest"

    # The rule itself shows on another question: "Are vendor risks reviewed periodically?" is
    # not answered by the supplier governance review, which never names risk; four statements
    # name vendors and risk across their wordings and tags. Without them the review fills.
    question = "Are vendor risks reviewed periodically?"
    naming = {"AI-VENDOR-01", "CHG-RISK-01", "RSK-VENDOR-01", "VEN-RISK-01"}
    (alone, *_) = Matcher([e for e in bank if e.id not in naming]).match(question)
    assert alone.entry_id == "VEN-GOV-01"
    assert alone.score < DEFAULT_AUTO and alone.band == "auto", "the relief applies: the case"
    (best, *_) = Matcher(bank).match(question)
    assert best.entry_id == "VEN-GOV-01"
    assert best.explanation.guard is None
    assert best.band == "suggest"


def test_a_close_runner_up_naming_more_of_the_question_holds_the_best_back() -> None:
    # The corrective action plan scores ahead on "remediation", "audit" and "findings"; the
    # progress report names the reporting the question asks about as well.
    bank = [replace(e, status="approved") for e in load_bank(STARTER).entries]
    question = "Is remediation of audit findings reported to management?"
    (best, runner_up, *_) = Matcher(bank).match(question)
    assert (best.entry_id, runner_up.entry_id) == ("CMP-REMED-01", "CMP-REMED-02")
    assert 0.02 <= best.score - runner_up.score < 0.08, "neither close nor clear: the case"
    assert best.score >= DEFAULT_AUTO
    assert best.band == "suggest"
    assert best.explanation.guard == (
        "entry CMP-REMED-02 names more of what is asked and answers differently"
    )
    # A runner-up naming less of the question is no rival at that distance.
    (other, *_) = Matcher(bank).match("Is there a corrective action plan for audit findings?")
    assert other.entry_id == "CMP-REMED-01" and other.band == "auto"


def test_with_the_sentence_model_a_runner_up_naming_more_may_be_further_behind() -> None:
    # The model spreads close scores apart: MiniLM put the corrective action plan 0.089 ahead
    # of the progress report, and it filled. The window is wider with a model, and it is what
    # decides: the same gap holds the best back inside it and not outside.
    bank = [replace(e, status="approved") for e in load_bank(STARTER).entries]
    question = "Is remediation of audit findings reported to management?"
    plain = Matcher(bank)
    assert plain._scoring.subject_rival_margin == SUBJECT_RIVAL_MARGIN
    modelled = Matcher(bank, embedder=HashedWords())
    assert modelled._scoring.subject_rival_margin == SENTENCE_SUBJECT_RIVAL_MARGIN
    assert SENTENCE_SUBJECT_RIVAL_MARGIN > SUBJECT_RIVAL_MARGIN
    (best, runner_up, *_) = plain.match(question)
    gap = best.score - runner_up.score
    for margin, held in ((gap + 0.005, True), (gap - 0.005, False)):
        plain._scoring = replace(plain._scoring, subject_rival_margin=margin)
        (best, *_) = plain.match(question)
        assert best.entry_id == "CMP-REMED-01"
        names_more = "entry CMP-REMED-02 names more of what is asked and answers differently"
        assert (best.explanation.guard == names_more) is held


class HashedWords:
    """A stand-in sentence model: hashed word counts (the tests of the model use the same)."""

    baseline = 0.0
    fingerprint = "hashed-words-1"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def test_an_entry_asking_how_often_states_the_frequency_in_its_answer() -> None:
    # "How often are backups tested?" "Quarterly" answers "Are backups tested quarterly?".
    def best(answer: str) -> str | None:
        entry = approved("HOW-OFTEN", "How often are backups tested?", answer=answer)
        (found, *_) = Matcher([entry], concepts=False).match("Are backups tested quarterly?")
        return found.explanation.guard

    assert best("Quarterly, by restoring a sample") is None
    assert best("Annually") == "frequency differs: 'quarterly' vs 'annually'"
    assert best("Yes") == "frequency differs: 'quarterly' vs unspecified"
