"""Scope and polarity guards: similar wording that means something else is held back, with why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.core.bank import Entry, load_bank
from app.core.matching import DEFAULT_AUTO, Match, Matcher

TODAY = date(2026, 6, 1)


def best_for(question: str, entry_question: str) -> Match:
    entry = Entry(id="E", question=entry_question, answer="Yes", status="approved")
    return Matcher([entry], today=TODAY).match(question)[0]


def test_at_rest_question_does_not_autofill_in_transit_entry() -> None:
    match = best_for(
        "Is customer data encrypted at rest?", "Is customer data encrypted in transit?"
    )
    assert match.band != "auto"
    assert match.explanation.guard == "data state differs: 'at rest' vs 'in transit'"


def test_collect_question_does_not_autofill_delete_entry() -> None:
    match = best_for(
        "Do you collect personal data from customers?",
        "Do you delete personal data from customers?",
    )
    assert match.band != "auto"
    assert "data lifecycle differs" in (match.explanation.guard or "")


def test_retain_question_does_not_autofill_delete_entry() -> None:
    match = best_for(
        "How long do you retain customer logs?", "How long until you delete customer logs?"
    )
    assert match.band != "auto"
    assert "data lifecycle" in (match.explanation.guard or "")


def test_employee_question_does_not_autofill_contractor_entry() -> None:
    match = best_for(
        "Do all employees sign a confidentiality agreement?",
        "Do all contractors sign a confidentiality agreement?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "population differs: 'employees' vs 'contractors'"


def test_a_yes_naming_more_values_answers_a_question_naming_some() -> None:
    # Data encrypted at rest and in transit is encrypted at rest; staff and contractors who sign
    # an agreement include the staff.
    for question, entry_question in (
        (
            "Is customer data encrypted at rest?",
            "Is customer data encrypted at rest and in transit?",
        ),
        ("Do employees sign NDAs?", "Do employees and contractors sign NDAs?"),
        (
            "Do you have a data retention policy?",
            "Do you have a data retention and deletion policy?",
        ),
    ):
        match = best_for(question, entry_question)
        assert match.explanation.guard is None, question
        assert match.band == "auto", question


def test_only_a_yes_answers_for_the_values_it_names() -> None:
    question = "Is customer data encrypted at rest?"
    entry = Entry(
        id="E",
        question="Is customer data encrypted at rest and in transit?",
        answer="AES-256 for stored data, TLS 1.2 or later on the wire",
        status="approved",
    )
    (match,) = Matcher([entry], today=TODAY).match(question, top=1)
    assert match.band != "auto"
    assert match.explanation.guard == "data state differs: 'at rest' vs 'at rest' and 'in transit'"
    # A Yes to fewer values than the question names says nothing of the others.
    fewer = best_for("Is customer data encrypted at rest and in transit?", question)
    assert fewer.band != "auto"
    assert fewer.explanation.guard == "data state differs: 'at rest' and 'in transit' vs 'at rest'"


def test_annual_question_does_not_autofill_quarterly_entry() -> None:
    match = best_for(
        "Are access rights reviewed annually?", "Are access rights reviewed quarterly?"
    )
    assert match.band != "auto"
    assert match.explanation.guard == "frequency differs: 'annually' vs 'quarterly'"


def test_twice_per_year_is_not_the_yearly_per_year() -> None:
    # "per year" names a yearly frequency; "twice per year" names another.
    for twice in ("twice per year", "twice yearly", "half-yearly"):
        match = best_for(f"Is the plan tested {twice}?", "Is the plan tested annually?")
        assert match.band != "auto", twice
        assert match.explanation.guard == "frequency differs: 'semi-annually' vs 'annually'"


def test_a_yes_naming_a_frequency_answers_a_question_naming_none() -> None:
    # Backups tested monthly are tested; a No to monthly says nothing of testing at all.
    question = "Are backups tested for restoration?"
    entry_question = "Are backups tested for restoration monthly?"
    match = best_for(question, entry_question)
    assert match.explanation.guard is None
    assert match.band == "auto"
    entry = Entry(id="E", question=entry_question, answer="No", status="approved")
    (held,) = Matcher([entry], today=TODAY).match(question, top=1)
    assert held.band != "auto"
    assert held.explanation.guard == "frequency differs: unspecified vs 'monthly'"
    # A Yes answers no question asking when: it is not an answer to it at all.
    when = best_for("When were backups last tested for restoration?", entry_question)
    assert when.band != "auto"


def test_yearly_and_annually_are_the_same_frequency() -> None:
    match = best_for("Are access rights reviewed yearly?", "Are access rights reviewed annually?")
    assert match.explanation.guard is None
    assert match.band == "auto"


def test_a_look_back_period_is_asked_as_written() -> None:
    asked = "Have you had a security breach involving customer data in the past five years?"
    match = best_for(
        asked, "Have you had a security breach involving customer data in the past three years?"
    )
    assert match.band != "auto"
    assert match.explanation.guard == "look-back period differs: 'five years' vs 'three years'"
    same = best_for(
        asked, "Have you had a security breach involving customer data in the last 5 years?"
    )
    assert same.explanation.guard is None


def test_hourly_is_a_frequency_of_its_own() -> None:
    # "Every hour" named no frequency, so a statement silent on it filled "Yes" for it.
    match = best_for(
        "Are restores from backups tested hourly?", "Are restores from backups tested?"
    )
    assert match.band == "suggest"
    assert match.explanation.guard == "frequency differs: 'hourly' vs unspecified"
    daily = best_for("Are logs reviewed every hour?", "Are logs reviewed daily?")
    assert daily.explanation.guard == "frequency differs: 'hourly' vs 'daily'"


def test_a_span_of_months_or_years_is_no_frequency() -> None:
    # "monthly" and "months" once shared a stem, so "in the next 12 months" read as monthly
    # and "in the last 3 years" as yearly: a statement silent on frequency was held back.
    plan = best_for(
        "Does your product use a large language model, or do you plan to in the next 12 months?",
        "Does your product use a large language model, or do you plan to?",
    )
    assert plan.explanation.guard is None
    breach = best_for(
        "Have you had a data breach in the last 3 years?", "Have you had a data breach?"
    )
    assert breach.explanation.guard is None
    # A frequency still reads as one, in each of its spellings.
    monthly = best_for("Are logs reviewed monthly?", "Are logs reviewed each year?")
    assert monthly.explanation.guard == "frequency differs: 'monthly' vs 'annually'"
    weekly = best_for("Are logs reviewed per week?", "Are logs reviewed weekly?")
    assert weekly.explanation.guard is None


def test_policy_review_for_another_domain_does_not_autofill() -> None:
    match = best_for(
        "Are business continuity policies reviewed annually?",
        "Are audit and assurance policies reviewed annually?",
    )
    assert match.band != "auto"
    assert "policy domain differs" in (match.explanation.guard or "")


def test_negated_question_does_not_autofill_affirmative_entry() -> None:
    match = best_for(
        "Is customer data shared with advertisers?",
        "Is customer data never shared with advertisers?",
    )
    assert match.band != "auto"
    assert "polarity differs" in (match.explanation.guard or "")


def test_contraction_counts_as_negation() -> None:
    match = best_for("Don't you store card numbers?", "Do you store card numbers?")
    assert "polarity differs" in (match.explanation.guard or "")


def test_lacking_a_thing_counts_as_negation() -> None:
    # "Yes, on request" to "Do you lack an SBOM …?" would say there is none.
    match = best_for(
        "Do you lack a software bill of materials for any component?",
        "Can you provide a software bill of materials?",
    )
    assert "polarity differs" in (match.explanation.guard or "")


def test_guard_reason_appears_in_the_reviewer_sentence() -> None:
    match = best_for(
        "Is customer data encrypted at rest?", "Is customer data encrypted in transit?"
    )
    assert "held back because data state differs" in match.explanation.text()


@pytest.mark.parametrize(
    ("question", "entry_question"),
    [
        ("Is customer data encrypted at rest?", "Is customer data encrypted at rest?"),
        (
            "Do all employees complete awareness training?",
            "Do all staff complete security awareness training?",
        ),
    ],
)
def test_same_scope_fires_no_guard(question: str, entry_question: str) -> None:
    assert best_for(question, entry_question).explanation.guard is None


def test_unscoped_question_does_not_autofill_an_at_rest_entry() -> None:
    match = best_for("Is customer data encrypted?", "Is customer data encrypted at rest?")
    assert match.band != "auto"
    assert match.explanation.guard == "data state differs: unspecified vs 'at rest'"


def test_annual_question_does_not_autofill_a_periodic_entry() -> None:
    match = best_for(
        "Is the continuity plan reviewed at least annually?",
        "Is the continuity plan reviewed periodically?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "frequency differs: 'annually' vs unspecified"


def test_policy_establishment_question_does_not_autofill_a_policy_review_entry() -> None:
    match = best_for(
        "Are application security policies established, documented, approved, communicated, "
        "applied, evaluated, and maintained?",
        "Are application security policies reviewed and updated?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "policy lifecycle differs: 'established' vs 'reviewed'"


def test_not_limited_to_is_not_a_negation() -> None:
    match = best_for(
        "Are staff trained to handle events including but not limited to intrusions?",
        "Are staff trained to handle events including intrusions?",
    )
    assert match.explanation.guard is None


def test_no_single_person_is_not_a_negation() -> None:
    # "so that no single person controls" says how duties are separated, not that they are not.
    match = best_for(
        "Is separation of duties enforced?",
        "Do you separate duties so that no single person controls a critical process end to end?",
    )
    assert not (match.explanation.guard or "").startswith("polarity differs")
    negated = best_for("Is separation of duties enforced?", "Is separation of duties not enforced?")
    assert (negated.explanation.guard or "").startswith("polarity differs")


def test_ambiguous_tie_between_different_answers_is_left_to_a_person() -> None:
    entries = [
        Entry(id="BCP", question="Are the policies reviewed annually?", answer="Yes, BCP."),
        Entry(id="HR", question="Are the policies reviewed annually?", answer="Yes, HR."),
    ]
    entries = [e.with_changes(status="approved") for e in entries]
    best = Matcher(entries, today=TODAY).match("Are the policies reviewed annually?")[0]
    assert best.score == 1.0
    assert best.band == "suggest"
    assert "matches as well and answers differently" in (best.explanation.guard or "")


def test_a_control_id_settles_a_tie_between_identical_wordings() -> None:
    entries = [
        Entry(
            id=entry_id,
            question="Are the policies reviewed annually?",
            answer=f"Yes, {entry_id}.",
            refs={"caiq": f"{entry_id}-01.2"},
            status="approved",
        )
        for entry_id in ("BCR", "HRS")
    ]
    best = Matcher(entries, today=TODAY).match(
        "Are the policies reviewed annually?", control_id="HRS-01.2"
    )[0]
    assert best.entry_id == "HRS"
    assert best.band == "auto"


def test_only_the_best_match_can_be_auto() -> None:
    entries = [
        Entry(id="A", question="Is customer data backed up daily?", answer="Y", status="approved"),
        Entry(
            id="B",
            question="Is customer data backed up daily offsite?",
            answer="N",
            status="approved",
        ),
    ]
    matches = Matcher(entries, today=TODAY).match("Is customer data backed up daily?")
    assert matches[0].entry_id == "A"
    assert all(m.band != "auto" for m in matches[1:])


def test_same_template_about_another_subject_does_not_autofill() -> None:
    entries = [
        Entry(
            id="BACKUP",
            question="Is the confidentiality, integrity, and availability of backup data ensured?",
            answer="Yes",
            status="approved",
        ),
        Entry(
            id="LOGS",
            question="Is the confidentiality, integrity, and availability of audit logs ensured?",
            answer="Yes",
            status="approved",
        ),
        Entry(
            id="OTHER", question="Are visitors escorted on site?", answer="Yes", status="approved"
        ),
    ]
    match = Matcher(entries, today=TODAY).match(
        "Is the confidentiality, integrity and availability of endpoint devices ensured?"
    )[0]
    assert match.entry_id in {"BACKUP", "LOGS"}
    assert match.band != "auto"
    assert (match.explanation.guard or "").startswith("subject differs:")


def test_a_shared_subject_with_extra_detail_fires_no_subject_guard() -> None:
    match = best_for(
        "Are high-risk environments identified and documented?",
        "Are high-risk production environments identified and documented?",
    )
    assert match.explanation.guard is None


def incident_bank(tested: str) -> list[Entry]:
    """A plan's test answered `tested`, beside statements on other subjects."""
    entries = [
        Entry(id="IR-TEST", question="Is the incident response plan tested?", answer=tested),
        Entry(id="IR-OWNER", question="Who owns incident response?", answer="The CISO"),
        Entry(id="BCP", question="Is the business continuity plan reviewed?", answer="Yes"),
        Entry(id="PEN", question="Are penetration tests performed?", answer="Yes"),
    ]
    return [e.with_changes(status="approved") for e in entries]


def test_short_question_does_not_autofill_an_entry_that_adds_a_condition() -> None:
    entries = incident_bank(tested="No")
    match = Matcher(entries, today=TODAY).match("Do you have an incident response plan?")[0]
    assert match.entry_id == "IR-TEST"
    assert match.band != "auto"
    assert match.explanation.guard == "the entry is narrower: it adds 'tested'"


def test_a_person_named_in_answer_does_not_say_a_thing_exists() -> None:
    # "Plan" frames the question, so "Who owns incident response?" shares its whole subject;
    # but "The CISO" written under "Do you have an incident response plan?" answers nothing.
    entries = [e for e in incident_bank(tested="No") if e.id != "IR-TEST"]
    matcher = Matcher(entries, today=TODAY)
    (match, *_) = matcher.match("Do you have an incident response plan?")
    assert match.entry_id == "IR-OWNER" and match.band == "suggest"
    assert match.explanation.guard == "the entry answers 'who', the question whether one exists"
    (asked_who, *_) = matcher.match("Who owns incident response?")
    assert asked_who.entry_id == "IR-OWNER" and asked_who.band == "auto"


def test_a_yes_to_the_narrower_question_answers_the_short_one() -> None:
    # A plan that is tested exists: the statement's Yes answers "do you have one?" too. (Who
    # owns incident response is left out: the tested plan answers another intent than the
    # question's and scores low enough for that runner-up, answered otherwise, to hold its
    # implied Yes back; see the test below.)
    entries = [e for e in incident_bank(tested="Yes") if e.id != "IR-OWNER"]
    match = Matcher(entries, today=TODAY).match("Do you have an incident response plan?")[0]
    assert match.entry_id == "IR-TEST"
    assert match.explanation.guard is None
    # A statement answered otherwise than Yes keeps the guard (see the test above); a question
    # without a subject of its own is still held back: its subject is the row's.
    (subjectless, *_) = Matcher(entries, today=TODAY).match("Is it tested?")
    assert subjectless.band != "auto"


def test_a_narrower_yes_must_lead_a_runner_up_that_answers_otherwise() -> None:
    # Two starter statements each narrow the question their own way; both say Yes, with
    # different details.
    bank = [
        e.with_changes(status="approved")
        for e in load_bank(Path(__file__).resolve().parents[2] / "answer_bank").entries
    ]
    question = "Is there a shared responsibility model?"
    (best, runner_up, *_) = Matcher(bank).match(question)
    assert (best.entry_id, runner_up.entry_id) == ("VEN-SSRM-03", "VEN-SSRM-07")
    assert best.score >= DEFAULT_AUTO and best.score - runner_up.score < 0.05
    assert best.band == "suggest"
    assert best.explanation.guard == "entry VEN-SSRM-07 matches as well and answers differently"
    # Alone, its Yes answers the question.
    alone = [e for e in bank if e.id not in ("VEN-SSRM-07", "VEN-SSRM-01")]
    (only, *_) = Matcher(alone).match(question)
    assert only.entry_id == "VEN-SSRM-03" and only.band == "auto"


def test_an_open_question_answered_in_its_own_words_is_not_narrower() -> None:
    # "Which encryption algorithms do you use, and how are they chosen?" asks more than the
    # question, and its answer names the algorithms: it answers "what do you use?" too.
    bank = [
        e.with_changes(status="approved")
        for e in load_bank(Path(__file__).resolve().parents[2] / "answer_bank").entries
    ]
    question = "What encryption algorithms do you use?"
    (best, *_) = Matcher(bank).match(question)
    assert best.entry_id == "CRY-ALG-01"
    assert best.explanation.guard is None
    assert best.band == "auto"
    # An N/A says nothing of its own: the entry is narrower again.
    bare = [e.with_changes(answer="N/A") if e.id == "CRY-ALG-01" else e for e in bank]
    (held, *_) = Matcher(bare).match(question)
    assert held.entry_id == "CRY-ALG-01"
    assert held.explanation.guard == "the entry is narrower: it adds 'chosen'"


def test_an_open_question_in_its_own_words_is_narrower_when_a_clause_holds_the_subject() -> None:
    # "How long do you keep logs that contain personal data?" answers in its own words, but
    # it is about logs: personal data only says which logs.
    bank = [
        e.with_changes(status="approved")
        for e in load_bank(Path(__file__).resolve().parents[2] / "answer_bank").entries
    ]
    (held, *_) = Matcher(bank).match("How long do you retain personal data?", context="Privacy")
    assert held.entry_id == "RET-LOGS-01" and held.band != "auto"
    assert held.explanation.guard == "the entry is narrower: it adds 'logs'"
    (filled, *_) = Matcher(bank).match("How long are logs containing personal data retained?")
    assert (filled.entry_id, filled.band) == ("RET-LOGS-01", "auto")


def test_a_free_answer_to_a_closed_question_answers_only_its_condition() -> None:
    # "Is the incident response plan tested?" "Annually": that says when, not that a plan exists.
    entries = incident_bank(tested="Annually, with a tabletop exercise")
    match = Matcher(entries, today=TODAY).match("Do you have an incident response plan?")[0]
    assert match.entry_id == "IR-TEST"
    assert match.explanation.guard == "the entry is narrower: it adds 'tested'"


@pytest.mark.parametrize(
    ("question", "entry_question"),
    [
        # The question's negation is about shared accounts, which the statement never names.
        (
            "Does every user have a unique ID, with no shared accounts?",
            "Are users identifiable through a unique identification?",
        ),
        # The statement's is about recovering data, which the question never speaks of.
        (
            "Is data securely wiped from storage media before disposal?",
            "Is data securely disposed of from storage media so information is not recoverable?",
        ),
    ],
)
def test_a_negation_about_what_the_other_text_never_names_is_no_difference_of_polarity(
    question: str, entry_question: str
) -> None:
    assert not (best_for(question, entry_question).explanation.guard or "").startswith(
        "polarity differs"
    )


def test_a_negation_about_what_both_texts_name_still_differs() -> None:
    # Within its reach, past the function words: "not *shared* with any *advertisers*".
    match = best_for(
        "Is customer data not shared with any advertisers?",
        "Is customer data shared with advertisers?",
    )
    assert match.band != "auto"
    assert (match.explanation.guard or "").startswith("polarity differs")
    match = best_for(
        "Does every user have a unique ID, with no shared accounts?",
        "Are shared accounts used by administrators?",
    )
    assert (match.explanation.guard or "").startswith("polarity differs")


def test_a_negation_about_what_the_entry_says_in_its_detail_still_differs() -> None:
    # The password statement names single sign-on only in its detail; the question's "not
    # using SSO" is about it, so the two still differ in polarity.
    entry = Entry(
        id="E",
        question="Do you enforce password complexity and length requirements?",
        answer="Yes",
        detail="Passwords are at least 12 characters; single sign-on is used wherever supported.",
        status="approved",
    )
    question = "For customers not using SSO, are there password complexity or length requirements?"
    match = Matcher([entry], today=TODAY).match(question)[0]
    assert (match.explanation.guard or "").startswith("polarity differs")
    bare = Matcher([replace(entry, detail="")], today=TODAY).match(question)[0]
    assert not (bare.explanation.guard or "").startswith("polarity differs")


@pytest.mark.parametrize(
    ("answer", "held"),
    [
        # A description naming no frequency says nothing of "regularly".
        ("Secure frameworks, encoding and parameterized queries", True),
        # One naming a frequency, or a Yes, answers it.
        ("Weekly authenticated scans with a DAST tool", False),
        ("Yes", False),
    ],
)
def test_a_question_asking_how_often_is_not_answered_by_a_description_naming_no_frequency(
    answer: str, held: bool
) -> None:
    entry = Entry(
        id="WEB",
        question="How do you find common web application vulnerabilities such as injection?",
        answer=answer,
        detail="Checked in review and by automated tests.",
        status="approved",
    )
    (best, *_) = Matcher([entry], today=TODAY).match(
        "Do you regularly scan for common web application vulnerabilities such as injection?"
    )
    guard = "frequency differs: asked vs none in the entry's answer"
    assert (best.explanation.guard == guard) is held
    if held:
        assert best.band != "auto"


def test_a_question_asking_what_is_not_answered_by_how_often() -> None:
    entry = Entry(
        id="SCAN",
        question="How often do you scan for vulnerabilities?",
        answer="Continuously, and at least weekly",
        status="approved",
    )
    matcher = Matcher([entry], today=TODAY)
    (what, *_) = matcher.match("What software or company do you use for vulnerability scans?")
    assert what.band != "auto"
    assert what.explanation.guard == (
        "frequency differs: the question asks 'what', the entry answers its frequency"
    )
    # Asking how often, or how quickly, is not asking for a thing.
    (often, *_) = matcher.match("How often do you run vulnerability scans?")
    assert often.explanation.guard is None
    # Asking how it is done is not asking how often.
    (how, *_) = matcher.match("How do you evidence that vulnerability scans were run?")
    assert how.band != "auto"
    assert how.explanation.guard == (
        "frequency differs: the question asks 'how', the entry answers its frequency"
    )


def test_a_wording_silent_on_a_frequency_takes_it_from_another_wording_of_its_statement() -> None:
    # The question matches the statement's question, which is silent on how often; its
    # alternate says "at least annually". A Yes to one wording is a Yes to all of them.
    statement = Entry(
        id="DR",
        question="Is the disaster recovery plan updated regularly?",
        alternates=("Is the DR plan revised at least annually and after major changes?",),
        answer="Yes",
        status="approved",
    )
    question = "Is the disaster recovery plan updated at least annually?"
    (best,) = Matcher([statement], today=TODAY).match(question, top=1)
    assert (best.band, best.explanation.guard) == ("auto", None)
    # Without that alternate nothing says how often.
    alone = replace(statement, alternates=())
    (held,) = Matcher([alone], today=TODAY).match(question, top=1)
    assert held.explanation.guard == "frequency differs: 'annually' vs unspecified"
    # Nor does an alternate naming another frequency, or a No.
    quarterly = replace(statement, alternates=("Is the DR plan revised quarterly?",))
    (other,) = Matcher([quarterly], today=TODAY).match(question, top=1)
    assert other.band != "auto"
    refused = replace(statement, answer="No")
    (no,) = Matcher([refused], today=TODAY).match(question, top=1)
    assert no.band != "auto"


def test_a_yes_naming_a_frequency_says_how_often_its_wording_leaves_unsaid() -> None:
    statement = Entry(
        id="PEN",
        question="Do you have independent penetration tests performed?",
        answer="Yes, at least annually",
        status="approved",
    )
    question = "Do you perform annual penetration testing?"
    (best,) = Matcher([statement], today=TODAY).match(question, top=1)
    assert (best.band, best.explanation.guard) == ("auto", None)
    # A bare Yes says nothing of how often, another frequency disagrees, and a No asserts none.
    for answer in ("Yes", "Yes, quarterly", "No, not yet annually"):
        (held,) = Matcher([replace(statement, answer=answer)], today=TODAY).match(question, top=1)
        assert held.band != "auto", answer
        assert (held.explanation.guard or "").startswith("frequency differs"), answer


def test_a_yes_that_something_exists_does_not_answer_for_a_population_it_never_names() -> None:
    general = Entry(
        id="RISK",
        question="Do you have a formal risk management program?",
        answer="Yes",
        detail="Risks are identified, scored, owned and treated.",
        status="approved",
    )
    question = "Do you have a vendor risk management program?"
    (held,) = Matcher([general], today=TODAY).match(question, top=1)
    assert held.band != "auto"
    assert held.explanation.guard == (
        "population differs: 'third parties' vs none in all the entry says"
    )
    # Naming the population anywhere, here its detail, answers for it.
    covering = replace(general, detail="The program covers suppliers and subprocessors too.")
    (best,) = Matcher([covering], today=TODAY).match(question, top=1)
    assert (best.band, best.explanation.guard) == ("auto", None)
    # A question not asking whether something exists keeps the inclusive reading.
    training = Entry(
        id="TRAIN",
        question="Is security awareness training completed?",
        answer="Yes",
        status="approved",
    )
    (done,) = Matcher([training], today=TODAY).match(
        "Do employees complete security awareness training?", top=1
    )
    assert done.explanation.guard is None


def test_a_certificate_is_not_answered_by_practices_aligned_with_a_standard() -> None:
    match = best_for(
        "Are you ISO/IEC 42001 certified?",
        "Are your AI practices aligned with ISO/IEC 42001?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "conformity differs: 'certified' vs 'aligned'"
    match = best_for("Are you ISO/IEC 42001 certified?", "Do you hold ISO/IEC 42001 certification?")
    assert match.explanation.guard is None


def test_every_release_is_a_frequency_of_its_own() -> None:
    # A yearly penetration test's Yes said tests follow every major release.
    match = best_for(
        "Are penetration tests performed after every major release?",
        "Are penetration tests performed annually?",
    )
    assert match.band != "auto"
    assert match.explanation.guard == "frequency differs: 'every release' vs 'annually'"
    same = best_for(
        "Is security testing run on each release?", "Is security testing run on every release?"
    )
    assert same.explanation.guard is None
