"""The matcher: retrieval, scoring, bands, IDs, index updates and explanations."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date

import pytest

from app.core.bank import Entry
from app.core.matching import (
    BANDS,
    DEFAULT_AUTO,
    DEFAULT_SUGGEST,
    Explanation,
    Matcher,
    Thresholds,
    band_for,
)
from app.core.sparse_index import normalise_control_id

TODAY = date(2026, 6, 1)


def approved(entry_id: str, question: str, **fields: object) -> Entry:
    return Entry(id=entry_id, question=question, answer="Yes", status="approved", **fields)


@pytest.fixture
def bank() -> list[Entry]:
    return [
        approved("ENC-REST", "Is customer data encrypted at rest?"),
        approved("ENC-TRANSIT", "Is customer data encrypted in transit?"),
        approved(
            "MFA-REMOTE",
            "Do you require multi-factor authentication for remote access?",
            refs={"caiq": "IAM-14.1"},
        ),
        approved("BCP-REVIEW", "Are business continuity policies reviewed annually?"),
        approved("AUDIT-REVIEW", "Are audit and assurance policies reviewed annually?"),
        approved("PEN-TEST", "Do you perform penetration tests of your production systems?"),
        approved("BACKUP", "Are backups of customer data tested regularly?"),
    ]


def test_defaults_are_ordered_and_bands_are_the_three_named_ones() -> None:
    assert 0 < DEFAULT_SUGGEST < DEFAULT_AUTO < 1
    assert BANDS == ("auto", "suggest", "none")


def test_band_for_places_scores_at_the_thresholds() -> None:
    thresholds = Thresholds(auto=0.8, suggest=0.5)
    assert band_for(0.8, thresholds) == "auto"
    assert band_for(0.79, thresholds) == "suggest"
    assert band_for(0.5, thresholds) == "suggest"
    assert band_for(0.49, thresholds) == "none"


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError):
        Thresholds(auto=0.4, suggest=0.6)


def test_the_same_question_matches_at_top_score_and_autofills(bank: list[Entry]) -> None:
    best = Matcher(bank, today=TODAY).match("Is customer data encrypted at rest?")[0]
    assert best.entry_id == "ENC-REST"
    assert best.score == 1.0
    assert best.band == "auto"


def test_synonym_wording_finds_the_mfa_entry(bank: list[Entry]) -> None:
    best = Matcher(bank, today=TODAY).match("Is 2FA enforced for remote access?")[0]
    assert best.entry_id == "MFA-REMOTE"
    assert "mfa" in best.explanation.matched_terms


def test_empty_question_returns_nothing_and_other_questions_return_top_n(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    assert matcher.match("") == []
    assert matcher.match("   ") == []
    matches = matcher.match("Something entirely unrelated to the bank", top=3)
    assert len(matches) == 3
    assert all(0.0 <= m.score <= 1.0 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_unrelated_question_is_not_auto_filled(bank: list[Entry]) -> None:
    best = Matcher(bank, today=TODAY).match("What is the airspeed velocity of a swallow?")[0]
    assert best.band == "none"


def test_draft_entry_is_at_most_suggested_with_a_note() -> None:
    draft = Entry(id="D", question="Is customer data encrypted at rest?", answer="Yes")
    best = Matcher([draft], today=TODAY).match("Is customer data encrypted at rest?")[0]
    assert best.score == 1.0
    assert best.band == "suggest"
    assert best.explanation.note == "entry is a draft"


def test_stale_entry_is_at_most_suggested_with_a_note() -> None:
    stale = approved(
        "S", "Is customer data encrypted at rest?", reviewed=date(2024, 1, 1), review_every_days=365
    )
    best = Matcher([stale], today=TODAY).match("Is customer data encrypted at rest?")[0]
    assert best.band == "suggest"
    assert "stale" in (best.explanation.note or "")


def test_default_review_days_make_an_old_entry_stale() -> None:
    old = approved("S", "Is customer data encrypted at rest?", reviewed=date(2024, 1, 1))
    matcher = Matcher([old], today=TODAY, default_review_days=365)
    assert matcher.match("Is customer data encrypted at rest?")[0].band == "suggest"


def test_retired_entries_are_never_returned(bank: list[Entry]) -> None:
    retired = Entry(
        id="OLD", question="Is customer data encrypted at rest?", answer="Y", status="retired"
    )
    matcher = Matcher([*bank, retired], today=TODAY)
    assert all(
        m.entry_id != "OLD" for m in matcher.match("Is customer data encrypted at rest?", top=10)
    )


def test_a_confirmed_wording_matches_at_top_score_once_it_is_an_alternate(
    bank: list[Entry],
) -> None:
    wording = "Do your engineers commission outside firms to attack the platform?"
    assert Matcher(bank, today=TODAY).match(wording)[0].score < 1.0
    learned = [*bank[:5], bank[5].with_changes(alternates=(wording,)), *bank[6:]]
    best = Matcher(learned, today=TODAY).match(wording)[0]
    assert best.entry_id == "PEN-TEST"
    assert best.score == 1.0
    assert best.band == "auto"


def test_empty_bank_returns_no_matches() -> None:
    assert Matcher([], today=TODAY).match("Is data encrypted?") == []


def test_control_id_match_lifts_a_close_wording_and_is_explained(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    question = "Is MFA required for all remote access by administrators?"
    without = matcher.match(question)[0]
    with_id = matcher.match(question, control_id="iam-14.1")[0]
    assert with_id.entry_id == "MFA-REMOTE"
    assert with_id.explanation.id_match
    assert with_id.score > without.score


def test_control_id_alone_does_not_autofill_contradicting_text(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    hits = matcher.match("Are visitors escorted in the data center?", control_id="IAM-14.1", top=10)
    mfa = next(m for m in hits if m.entry_id == "MFA-REMOTE")
    assert mfa.explanation.id_match
    assert mfa.band != "auto"
    assert mfa.explanation.guard is not None


def test_control_ids_are_compared_in_a_normal_form() -> None:
    assert normalise_control_id("iam-14.01") == normalise_control_id("IAM 14.1")
    assert normalise_control_id("A&A-02.1") == normalise_control_id("a&a-2.1")
    assert normalise_control_id("IAM-14.1") != normalise_control_id("IAM-14.2")


def test_match_many_agrees_with_match(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    queries = [("Is data encrypted in transit?", None), ("", None), ("Pen tests?", None)]
    many = matcher.match_many(queries)
    assert many[1] == []
    assert many[0] == matcher.match("Is data encrypted in transit?")
    assert many[2] == matcher.match("Pen tests?")


def test_explanation_names_the_runner_up_and_margin_in_one_sentence(bank: list[Entry]) -> None:
    best = Matcher(bank, today=TODAY).match("Is customer data encrypted at rest?")[0]
    assert best.explanation.runner_up == "ENC-TRANSIT"
    assert best.explanation.margin is not None and best.explanation.margin > 0
    sentence = best.explanation.text()
    assert sentence.endswith(".")
    assert "ENC-TRANSIT" in sentence
    assert "'encrypted'" in sentence or "'encryption'" in sentence


def test_custom_thresholds_change_the_band(bank: list[Entry]) -> None:
    strict = Matcher(bank, today=TODAY, thresholds=Thresholds(auto=1.0, suggest=0.99))
    assert strict.match("Is customer data encrypted in transit, really?")[0].band == "none"


def test_an_overlong_question_is_matched_without_error(bank: list[Entry]) -> None:
    question = "Is customer data encrypted at rest? " * 2000
    best = Matcher(bank, today=TODAY).match(question)[0]
    assert best.entry_id == "ENC-REST"


def test_a_question_with_every_word_misspelt_still_finds_its_entry(bank: list[Entry]) -> None:
    best = Matcher(bank, today=TODAY).match("Is custmer dta encrpyted at rset?")[0]
    assert best.entry_id == "ENC-REST"
    assert best.band != "auto"


def test_a_generic_question_does_not_autofill_from_an_entry_when_another_cites_its_control_id() -> (
    None
):
    password = Entry(
        id="IAM-PWD-02",
        question="Are the policies and procedures reviewed and updated at least annually?",
        answer="Yes",
        status="approved",
        refs={"caiq": "IAM-02.2"},
    )
    continuity = Entry(
        id="BCP-POL-02",
        question="Are the business continuity policies and procedures reviewed and updated at least annually?",
        answer="No",
        status="approved",
        refs={"caiq": "BCR-01.2"},
    )
    matcher = Matcher([password, continuity])
    question = "Are the policies and procedures reviewed and updated at least annually?"
    with_id = matcher.match(question, control_id="BCR-01.2")
    assert all(m.band != "auto" or m.entry_id == "BCP-POL-02" for m in with_id)
    held = next(m for m in with_id if m.entry_id == "IAM-PWD-02")
    assert held.explanation.guard is not None and "BCP-POL-02" in held.explanation.guard
    without_id = matcher.match(question)
    assert without_id[0].entry_id == "IAM-PWD-02"


def test_a_renumbered_id_cited_by_an_unrelated_entry_does_not_hold_back_the_right_wording() -> None:
    right = Entry(
        id="ENC-01",
        question="Is customer data encrypted at rest with AES-256?",
        answer="Yes",
        status="approved",
        refs={"caiq": "CEK-03.1"},
    )
    unrelated = Entry(
        id="HR-07",
        question="Do employees complete security awareness training every year?",
        answer="Yes",
        status="approved",
        refs={"caiq": "CEK-04.1"},
    )
    matches = Matcher([right, unrelated]).match(
        "Is customer data encrypted at rest using AES-256?", control_id="CEK-04.1"
    )
    assert matches[0].entry_id == "ENC-01"
    assert matches[0].band == "auto", matches[0].explanation.text()


@pytest.fixture
def plans() -> list[Entry]:
    return [
        approved("ENC-REST", "Is customer data encrypted at rest?"),
        approved(
            "BCP-TEST",
            "Are business continuity plans tested at least annually with the results documented?",
        ),
        approved(
            "IR-TEST",
            "Are incident response plans tested at least annually with the results documented?",
        ),
        approved("PEN-TEST", "Do you perform penetration tests of your production systems?"),
    ]


QUESTION = "Are the plans tested at least once a year, with documented results?"


def test_the_rows_context_decides_between_entries_its_question_cannot_tell_apart(
    plans: list[Entry],
) -> None:
    matcher = Matcher(plans, today=TODAY)
    alone = matcher.match(QUESTION)
    assert {m.entry_id for m in alone[:2]} == {"BCP-TEST", "IR-TEST"}
    assert abs(alone[0].score - alone[1].score) < 0.05
    for context, expected in (
        ("Business Continuity Management", "BCP-TEST"),
        ("Security Incident Management; Incident Response", "IR-TEST"),
    ):
        found = matcher.match(QUESTION, context=context)
        assert [m.entry_id for m in found[:2]] == [
            expected,
            ({"BCP-TEST", "IR-TEST"} - {expected}).pop(),
        ]
        assert "the row's section or title agrees" in found[0].explanation.text()
    # The reviewer is told which of the context's words agreed, and only when they counted.
    found = matcher.match(QUESTION, context="Business Continuity Management")
    assert found[0].explanation.context_terms == ("business continuity",)
    assert matcher.match(QUESTION, context="Human resources")[0].explanation.context_terms == ()


def test_context_orders_the_entries_but_never_changes_a_score(plans: list[Entry]) -> None:
    matcher = Matcher(plans, today=TODAY)
    alone = matcher.match(QUESTION, top=4)
    for context in ("Business continuity", "Human resources; onboarding paperwork"):
        found = matcher.match(QUESTION, context=context, top=4)
        assert {m.entry_id: m.score for m in found} == {m.entry_id: m.score for m in alone}
        # Only the first may fill; with the same answer either way, the context picks which.
        assert [m.band for m in found] == [m.band for m in alone]


def test_context_alone_never_makes_a_match_sure_enough_to_fill(plans: list[Entry]) -> None:
    # Two statements the question cannot tell apart, answering differently: neither fills,
    # whatever the section heading says, because the question alone does not decide.
    differing = [
        plans[0],
        replace(plans[1], answer="Yes", detail="Tested every year."),
        replace(plans[2], answer="No", detail="Not tested yet."),
    ]
    matcher = Matcher(differing, today=TODAY, thresholds=Thresholds(auto=0.5, suggest=0.2))
    for context in (None, "Business continuity"):
        best = matcher.match(QUESTION, context=context)[0]
        assert best.band == "suggest"
        assert "answers differently" in (best.explanation.guard or "")
    assert matcher.match(QUESTION, context="Business continuity")[0].entry_id == "BCP-TEST"


def test_context_is_not_shown_as_matched_terms_and_match_many_agrees(plans: list[Entry]) -> None:
    matcher = Matcher(plans, today=TODAY)
    one = matcher.match(QUESTION, context="Business continuity", top=2)
    many = matcher.match_many(
        [(QUESTION, None, "Business continuity"), (QUESTION, None), ("", None, "x")], top=2
    )
    assert many[0] == one
    assert many[1] == matcher.match(QUESTION, top=2)
    assert many[2] == []
    assert "business continuity" not in " ".join(one[0].explanation.matched_terms).lower()
    # Blank context is no context.
    assert matcher.match(QUESTION, context="   ") == matcher.match(QUESTION)


def test_the_margin_sentence_reads_right_for_a_lead_a_tie_and_a_context_reorder() -> None:
    def said(margin: float, context: tuple[str, ...] = ()) -> str:
        return Explanation(
            matched_terms=("plans",),
            guard=None,
            runner_up="IR-TEST",
            margin=margin,
            id_match=False,
            note=None,
            context_terms=context,
        ).text()

    assert "runner-up IR-TEST is 0.12 behind" in said(0.12)
    assert "runner-up IR-TEST scores the same" in said(-0.002)
    assert "IR-TEST scores 0.03 higher on the question alone" in said(-0.03, ("continuity",))
    assert "IR-TEST scores 0.03 higher." in said(-0.03)


def test_an_entry_with_many_alternates_still_leaves_room_for_runners_up(
    bank: list[Entry],
) -> None:
    # Review adds a customer's wording to an entry's alternates, so a well-used entry has many.
    wordings = [f"Is zorbly quaxing {word} enforced?" for word in "abcdefghijklmnop"]
    learned = approved("ZORBLY", "Is zorbly quaxing enforced?", alternates=wordings)
    matcher = Matcher([*bank, learned], today=TODAY)

    matches = matcher.match("Is zorbly quaxing enforced?", top=3)

    assert matches[0].entry_id == "ZORBLY"
    assert len(matches) == 3, "two runners-up, counted in entries, not in the entry's rows"


def test_a_runner_up_is_explained_with_its_own_guard_when_read(bank: list[Entry]) -> None:
    matcher = Matcher(bank, today=TODAY)
    best, runner_up, *_ = matcher.match(
        "Are the business continuity policies reviewed every year?", top=3
    )
    assert (best.entry_id, best.band) == ("BCP-REVIEW", "auto")
    # Only the best match may fill: the runner-up's band does not wait on its explanation.
    assert runner_up.entry_id == "AUDIT-REVIEW" and runner_up.band == "suggest"
    explanation = runner_up.explanation
    assert explanation.guard == "policy domain differs: 'business continuity' vs 'audit'"
    assert explanation.runner_up == "BCP-REVIEW" and explanation.margin is not None
    assert explanation.margin < 0
    assert "reviewed" in explanation.matched_terms
    assert runner_up.explanation is explanation


def test_a_pickled_match_carries_its_explanation(bank: list[Entry]) -> None:
    matches = Matcher(bank, today=TODAY).match(
        "Are the business continuity policies reviewed every year?", top=3
    )
    copies = pickle.loads(pickle.dumps(matches))
    assert copies == matches
    assert [c.explanation.guard for c in copies] == [m.explanation.guard for m in matches]
