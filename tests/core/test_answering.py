"""From matches to the writes Vouch makes: only auto rows, and dropdowns get a word from their list."""

from __future__ import annotations

import pytest

from app.core.answering import (
    auto_writes,
    cell_answer,
    fit_to_choices,
    propose,
    report_rows,
    summarize,
)
from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.workbook import DetectedRow

CHOICES = ("Yes", "No", "NA")


def row(
    number: int, question: str, *, choices: tuple[str, ...] = CHOICES, locked: str | None = None
) -> DetectedRow:
    return DetectedRow(
        sheet="Q",
        row=number,
        question=question,
        control_id=None,
        answer_cell=f"C{number}",
        detail_cell=f"E{number}",
        choices=choices,
        existing_answer=None,
        locked_reason=locked,
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Yes, at least annually", ("Yes", "Yes, at least annually. Reviewed by the CISO.")),
        ("No; planned for 2027", ("No", "No; planned for 2027. Reviewed by the CISO.")),
        ("Yes (SOC 2 Type II)", ("Yes", "Yes (SOC 2 Type II). Reviewed by the CISO.")),
        ("Yes", ("Yes", "Reviewed by the CISO.")),
        ("Within the last 12 months", ("Within the last 12 months", "Reviewed by the CISO.")),
        ("Yesterday, maybe", ("Yesterday, maybe", "Reviewed by the CISO.")),
    ],
)
def test_a_qualified_answer_puts_the_lists_word_in_the_cell_and_keeps_the_qualifier_in_the_detail(
    answer: str, expected: tuple[str, str]
) -> None:
    assert fit_to_choices(answer, "Reviewed by the CISO.", CHOICES) == expected


def test_a_free_text_cell_keeps_the_answer_as_it_is() -> None:
    assert fit_to_choices("Yes, at least annually", "", ()) == ("Yes, at least annually", "")


def test_only_auto_rows_that_are_not_locked_are_written() -> None:
    entries = [
        Entry(
            id="MFA",
            question="Is multi-factor authentication enforced for administrators?",
            answer="Yes, for every account",
            detail="{{ company }} uses passkeys.",
            status="approved",
        ),
        Entry(
            id="DR",
            question="Do you test the disaster recovery plan every year?",
            answer="Yes",
            status="draft",
        ),
    ]
    rows = [
        row(2, "Is multi-factor authentication enforced for administrators?"),
        row(3, "Do you test the disaster recovery plan every year?"),
        row(4, "Is multi-factor authentication enforced for administrators?", locked="formula"),
        row(5, "What is the capital of France?"),
    ]
    proposals = propose(
        rows,
        matcher=Matcher(entries),
        entries={e.id: e for e in entries},
        profile={"company": "Acme"},
    )
    assert [p.band for p in proposals][:3] == ["auto", "suggest", "auto"]
    assert proposals[0].detail == "Acme uses passkeys."
    writes = auto_writes(proposals)
    assert [(w.row, w.answer, w.detail) for w in writes] == [
        (2, "Yes", "Yes, for every account. Acme uses passkeys.")
    ]
    report = report_rows(proposals, [])
    assert report[1]["band"] == "suggest" and report[1]["written"] is False
    assert (report[3]["band"], report[3]["entry_id"], report[3]["answer"]) == ("none", None, None)
    assert summarize(report)["rows"] == 4


DETAIL = "Keys are revoked in the key service and replaced within an hour."


@pytest.mark.parametrize(
    ("question", "answer", "choices", "written"),
    [
        # A bare Yes or No does not answer an open question: the detail does.
        ("How are keys revoked when compromised?", "Yes", (), (DETAIL, "")),
        ("Who is your data center provider?", "No", (), (DETAIL, "")),
        # So is a request for a description, however politely it opens.
        ("Please describe how keys are revoked.", "Yes", (), (DETAIL, "")),
        ("Describe key revocation.", "Yes", (), (DETAIL, "")),
        ("List how keys are revoked", "Yes", (), (DETAIL, "")),
        # And a request for a document: the detail says what there is.
        ("Please supply your key revocation procedure.", "Yes", (), (DETAIL, "")),
        ("Attach the key management policy", "Yes", (), (DETAIL, "")),
        # A question after a short label asks as it is worded.
        ("Encryption keys: how are they revoked?", "Yes", (), (DETAIL, "")),
        ("Key revocation - who can revoke keys?", "Yes", (), (DETAIL, "")),
        ("Encryption keys: can they be revoked?", "Yes", (), ("Yes", DETAIL)),
        ("List: key revocation procedures", "Yes", (), (DETAIL, "")),
        # A terse row naming a value asks for it.
        ("Key revocation contact email", "Yes", (), (DETAIL, "")),
        ("Pen test - last date", "Yes", (), (DETAIL, "")),
        ("Key rotation requirements", "Yes", (), (DETAIL, "")),
        ("Key rotation frequency?", "Yes", (), (DETAIL, "")),
        ("Key management provider", "Yes", (), (DETAIL, "")),
        # The value may come before what it is of, shortened, and a Yes saying more is no value.
        ("Key rotation freq - data keys", "Yes", (), (DETAIL, "")),
        ("Pen test firm name", "Yes, at least annually", (), (DETAIL, "")),
        ("Background checks - scope", "Yes", (), (DETAIL, "")),
        ("Backup retention (days)", "35 days", (), ("35 days", DETAIL)),
        # A longer row names its value at the end of its head, before what it is of or for.
        ("Minimum TLS version supported for data in transit to the API", "Yes", (), (DETAIL, "")),
        ("URL where your current sub-processor list is published", "Yes", (), (DETAIL, "")),
        ("Percentage of staff who completed training in the last year", "Yes", (), (DETAIL, "")),
        ("Response time targets by incident severity (P1 / P2 / P3)", "Yes", (), (DETAIL, "")),
        # Not when the head is what the row asks whether of, nor asked Y/N, nor a question.
        ("Encryption in transit for all connections to the API", "Yes", (), ("Yes", DETAIL)),
        ("Key rotation frequency for data keys documented (Y/N)", "Yes", (), ("Yes", DETAIL)),
        ("Was the version of TLS upgraded last year?", "Yes", (), ("Yes", DETAIL)),
        ("Retention period for logs is at least one year?", "Yes", (), ("Yes", DETAIL)),
        # A clause of its own after the head may have its verb.
        ("Name of the person who is responsible for security", "Yes", (), (DETAIL, "")),
        # Asked after its opening words, how often or a description is no Yes either.
        ("Keys are rotated how often?", "Yes", (), (DETAIL, "")),
        ("Password policy please describe minimum length", "Yes", (), (DETAIL, "")),
        ("Key revocation supported?", "Yes", (), ("Yes", DETAIL)),
        ("Is there a revocation date?", "Yes", (), ("Yes", DETAIL)),
        # A request asking whether is closed.
        ("Please indicate whether keys can be revoked.", "Yes", (), ("Yes", DETAIL)),
        ("Describe whether keys can be revoked.", "Yes", (), ("Yes", DETAIL)),
        # A Yes saying more is still no answer to how or which: the detail says it.
        ("How are keys revoked when compromised?", "Yes, within an hour", (), (DETAIL, "")),
        ("Which background checks are run?", "Yes, where local law allows", (), (DETAIL, "")),
        # A closed question, an answer that is no Yes or No, or a cell's own list: as stated.
        ("Can keys be revoked?", "Yes", (), ("Yes", DETAIL)),
        ("Can keys be revoked?", "Yes, within an hour", (), None),
        ("How are keys revoked when compromised?", "Within an hour", (), None),
        ("How are keys revoked when compromised?", "Yes", CHOICES, ("Yes", DETAIL)),
    ],
)
def test_an_open_question_takes_a_bare_yes_or_nos_detail_as_its_answer(
    question: str, answer: str, choices: tuple[str, ...], written: tuple[str, str] | None
) -> None:
    assert cell_answer(question, answer, DETAIL, choices) == (written or (answer, DETAIL))


def test_an_open_question_is_not_filled_by_a_bare_yes_with_nothing_more_to_say() -> None:
    entries = [
        Entry(
            id="NOTIFY",
            question="How do you notify customers of changes to the service?",
            answer="Yes",
            status="approved",
        )
    ]
    (best, *_) = Matcher(entries, concepts=False).match(
        "How do you notify customers of changes to the service?"
    )
    assert best.band == "suggest"
    assert best.explanation.guard == "the question asks 'how', the entry answers only Yes"
    (best, *_) = Matcher(entries, concepts=False).match(
        "Please describe how you notify customers of changes to the service."
    )
    assert best.band == "suggest"
    assert best.explanation.guard == "the question asks 'describe', the entry answers only Yes"
    (proposal,) = propose(
        [row(2, "How do you notify customers of changes to the service?", choices=())],
        matcher=Matcher(entries, concepts=False),
        entries={e.id: e for e in entries},
        profile={},
    )
    assert auto_writes([proposal]) == []


DETAIL_WHO = "System owners review access."


@pytest.mark.parametrize(
    ("question", "answer", "written"),
    [
        # "Quarterly" says when; the detail says who.
        ("Who performs access reviews?", "Quarterly", (DETAIL_WHO, "")),
        ("Access reviews: who performs them?", "Quarterly", (DETAIL_WHO, "")),
        # Someone named, or a name, answers as it is; so does a question not asking who.
        ("Who performs access reviews?", "The security team", None),
        ("Who is your hosting provider?", "Amazon Web Services (AWS)", None),
        ("Who owns the data?", "The customer retains ownership of all data", None),
        # A capital opening a sentence is no name.
        ("Who performs access reviews?", "Quarterly. Tracked in tickets", (DETAIL_WHO, "")),
        ("How often are access reviews performed?", "Quarterly", None),
    ],
)
def test_who_takes_the_detail_naming_someone_over_an_answer_naming_no_one(
    question: str, answer: str, written: tuple[str, str] | None
) -> None:
    assert cell_answer(question, answer, DETAIL_WHO) == (written or (answer, DETAIL_WHO))


def test_a_closed_question_asking_how_often_too_keeps_its_yes() -> None:
    # "Do you test restores? How often?" is answered Yes, with the detail beside it.
    assert cell_answer("Do you test restores from backups? How often?", "Yes", DETAIL) == (
        "Yes",
        DETAIL,
    )
    assert cell_answer("Restores from backups are tested how often?", "Yes", DETAIL) == (
        DETAIL,
        "",
    )
