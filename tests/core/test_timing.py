"""When a question asks of: ever, any, what happened, a plan, or a time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.bank import load_bank
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.timing import asks_whether_ever, event_unsaid, time_beside_another
from tests.core.statements import approved, held_back

BANK = [
    approved("BCP-DR-01", "Do you have a disaster recovery plan?"),
    approved("GOV-POL-01", "Do you have an information security policy?"),
    approved(
        "PRV-LAPTOP-01",
        "Is customer data stored on employee laptops?",
        "No",
        "Customer data stays in production; laptops hold none.",
    ),
]


def test_a_yes_to_having_a_plan_does_not_say_it_was_ever_invoked() -> None:
    assert (
        held_back(
            Matcher(BANK, concepts=False),
            "Has the disaster recovery plan ever been invoked?",
            "BCP-DR-01",
        )
        == "the question asks whether it ever happens; the entry does not say 'invoked'"
    )


def test_a_statement_saying_what_an_ever_question_asks_answers_it() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Is customer data ever stored on employee laptops?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("PRV-LAPTOP-01", "auto", None)


def test_only_a_question_saying_ever_is_read() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    said = set(normalise("Do you have a disaster recovery plan?").terms)
    plan = normalise("Has the disaster recovery plan been invoked?")
    assert asks_whether_ever(plan, lambda: said) is None
    ever = normalise("Has the disaster recovery plan ever been invoked?")
    assert asks_whether_ever(ever, lambda: said) is not None


NOTIFICATION = [
    approved(
        "INC-NOTIFY-02",
        "How soon will you notify us of a breach affecting our data?",
        "Within 72 hours of confirmation",
        "Affected customers are notified within 72 hours, including breaches at a subprocessor.",
    ),
    approved(
        "INC-HISTORY-01",
        "Have you had a security breach involving customer data in the past three years?",
        "No",
        "There has been no breach of customer data.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_whether_a_breach_happened_is_not_answered_by_how_soon_it_is_notified() -> None:
    asked = "Have any of your subprocessors reported a breach affecting your customers' data?"
    assert held_back(Matcher(NOTIFICATION[::2], concepts=False), asked, "INC-NOTIFY-02") == (
        "the question asks whether it happened ('reported'); the entry says nothing of when"
    )
    # A statement speaking of the past answers it.
    found = Matcher(NOTIFICATION, concepts=False).match(
        "Have you experienced a breach of customer data?", top=3
    )
    history = next(m for m in found if m.entry_id == "INC-HISTORY-01")
    assert "happened" not in (history.explanation.guard or "")


def test_whether_another_event_happened_is_not_answered_by_a_breach_denied() -> None:
    matcher = Matcher(NOTIFICATION[1:], concepts=False)
    assert held_back(
        matcher,
        "Has your organisation been involved in a merger, acquisition or change of ownership in "
        "the past three years?",
        "INC-HISTORY-01",
    ) == (
        "the question asks whether it happened ('merger acquisition or change of ownership'); "
        "the entry never names it"
    )
    # What befalls a thing of the row's own is the event: a certification lapsing.
    assert held_back(
        matcher,
        "Have any certifications lapsed or been suspended in the past three years?",
        "INC-HISTORY-01",
    ) == (
        "the question asks whether it happened ('certifications lapsed'); the entry never names it"
    )
    lapse = approved(
        "CMP-LAPSE-01",
        "Has your ISO 27001 certificate ever lapsed?",
        "No",
        "The certificate has been held without a break since it was first issued.",
    )
    (best, *_) = Matcher([lapse], concepts=False).match(
        "Have any certifications lapsed in the past three years?"
    )
    assert "happened" not in (best.explanation.guard or "")
    for befallen in ("lapsed", "been suspended", "expired", "been withdrawn"):
        verb = befallen.split()[-1]
        assert held_back(
            matcher,
            f"Have any of your certifications {befallen} in the past three years?",
            "INC-HISTORY-01",
        ) == (
            f"the question asks whether it happened ('certifications {verb}'); "
            "the entry never names it"
        ), befallen
    normalise = Normaliser(shipped_thesaurus()).normalise
    revoked = normalise("Have any certifications been revoked in the past three years?")
    assert event_unsaid(revoked, set, lambda text: normalise(text).terms) == (
        "the question asks whether it happened ('certifications revoked'); the entry never names it"
    )
    # Put to an object, it is an event like any other: the licence is what happened.
    assert held_back(
        matcher,
        "Has any regulator suspended your license to operate in the past three years?",
        "INC-HISTORY-01",
    ) == ("the question asks whether it happened ('license'); the entry never names it")
    # What befalls a thing is no event a statement must date: a state it may answer.
    sessions = approved(
        "IAM-SESS-01",
        "Do user sessions expire after a period of inactivity?",
        "Yes, after 30 minutes",
    )
    (best, *_) = Matcher([sessions], concepts=False).match(
        "Have user sessions expired after inactivity?"
    )
    assert "happened" not in (best.explanation.guard or "")
    # The event named, by one of its words: answered.
    for asked in (
        "Has the organisation experienced a data breach in the last three years?",
        "Have you had any breaches or security incidents in the past three years?",
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == ("INC-HISTORY-01", "auto"), asked


def test_a_perfect_asking_of_a_state_is_no_event() -> None:
    # "detection" is no "detected"; "implemented" asks whether it is there now.
    ids = [
        approved(
            "NET-IDS-01",
            "Do you use intrusion detection or prevention (IDS/IPS)?",
            detail="Managed threat detection analyses network flows in production.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    (best, *_) = Matcher(ids, concepts=False).match(
        "Have you implemented an intrusion detection system?"
    )
    assert best.entry_id == "NET-IDS-01"
    assert "happened" not in (best.explanation.guard or "")


ACCOUNTS = [
    approved("IAM-PRIV-02", "Is privileged access granted only for a limited time?"),
    approved("GOV-POL-01", "Do you have an information security policy?"),
    approved("AI-TRAIN-01", "Is customer data used to train AI models?", "No"),
]


def test_whether_there_are_any_is_answered_only_by_a_statement_saying_what() -> None:
    matcher = Matcher(ACCOUNTS, concepts=False)
    assert held_back(matcher, "Any shared admin accounts?", "IAM-PRIV-02") == (
        "the question asks whether there are any; the entry does not say 'shared'"
    )
    # "Any circumstances in which …" asks what "ever" does: of the rest of its words.
    (best, *_) = matcher.match(
        "Are there any circumstances in which customer data is used to train AI models?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("AI-TRAIN-01", "auto", None)


def test_any_is_read_only_where_the_question_opens_with_it() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    said = set(normalise("Is privileged access granted only for a limited time?").terms)
    for asking in (
        "Any shared admin accounts?",
        "Do you have any shared admin accounts?",
        "Do any admins use shared accounts?",
        "Are any admin accounts shared?",
    ):
        assert asks_whether_ever(normalise(asking), lambda: said) is not None, asking
    assert asks_whether_ever(normalise("Are shared admin accounts used?"), lambda: said) is None


PLANS = [
    approved("VUL-BOUNTY-01", "Do you run a bug bounty program?", "No"),
    approved("VUL-PEN-01", "Do you have independent penetration tests performed?", "Yes, annually"),
    approved("BCP-DR-03", "When did you last exercise your disaster recovery plan?", "In March"),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_plan_is_not_answered_by_what_is_done_now() -> None:
    matcher = Matcher(PLANS, concepts=False)
    for asked, marker in (
        ("Do you plan to launch a bug bounty program?", "plan to"),
        ("Is a bug bounty program on your roadmap?", "roadmap"),
    ):
        assert held_back(matcher, asked, "VUL-BOUNTY-01") == (
            f"the question asks of a plan ('{marker}'); the entry says what is done now"
        )
    (best, *_) = matcher.match("Do you run a bug bounty program?")
    assert (best.entry_id, best.band) == ("VUL-BOUNTY-01", "auto")


def test_when_is_not_answered_by_whether() -> None:
    matcher = Matcher(PLANS, concepts=False)
    assert (
        held_back(
            matcher, "When was your last independent penetration test performed?", "VUL-PEN-01"
        )
        == "the question asks when; the entry answers whether"
    )
    # A statement asking when answers it; "when" setting a condition asks nothing of time.
    (best, *_) = matcher.match("When did you last exercise the disaster recovery plan?")
    assert (best.entry_id, best.explanation.guard) == ("BCP-DR-03", None)
    (best, *_) = matcher.match(
        "When a new hire starts, do you have independent penetration tests performed?"
    )
    assert best.explanation.guard != "the question asks when; the entry answers whether"


def test_when_it_last_happened_is_not_answered_by_how_often() -> None:
    reviewed = [
        approved(
            "NET-REVIEW-01",
            "How often are firewall rules reviewed?",
            "At least annually",
            detail="The firewall rule set is reviewed at least once a year.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(reviewed, concepts=False)
    for asked in (
        "When were your firewall rules last reviewed?",
        "When were your firewall rules reviewed?",
        "When did you review your firewall rules?",
    ):
        assert held_back(matcher, asked, "NET-REVIEW-01") == (
            "the question asks when it last happened; the entry answers how often"
        ), asked
    # Asked when it is done, how often answers.
    (best, *_) = matcher.match("When are your firewall rules reviewed?")
    assert best.entry_id == "NET-REVIEW-01"
    assert best.explanation.guard is None


def test_ever_is_how_a_question_asks_not_what_it_asks_of() -> None:
    starter = load_bank(Path(__file__).resolve().parents[2] / "answer_bank").entries
    matcher = Matcher([replace(e, status="approved") for e in starter])
    (best, *_) = matcher.match(
        "Is customer data ever used to train or fine-tune models?", context="AI"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("AI-TRAIN-01", "auto", None)


TIMES = [
    approved(
        "HRS-BGC-01",
        "Do you perform background checks on new hires?",
        "Yes",
        "New employees are screened before they start.",
    ),
    approved(
        "INC-TEST-01",
        "Is the incident response plan tested?",
        "Yes, at least annually",
        "The plan is exercised every year and after significant organizational changes.",
    ),
    approved(
        "BCP-DR-02",
        "Is the disaster recovery plan updated at least annually, and when significant changes "
        "occur?",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_two_times_asked_together_are_answered_only_by_a_statement_saying_both() -> None:
    matcher = Matcher(TIMES, concepts=False)
    assert held_back(
        matcher, "Are background checks performed at hire and periodically thereafter?", "HRS-BGC-01"
    ) == ("the question asks of two times ('hire' and 'periodically'); the entry never says "
          "'periodically'")  # fmt: skip
    assert held_back(
        matcher, "Is the incident response plan tested annually and upon customer request?", "INC-TEST-01"
    ) == ("the question asks of two times ('annually' and 'request'); the entry never says "
          "'request'")  # fmt: skip
    for asked, entry_id in (
        # Both said; a framework's "when significant changes occur" is written, if boilerplate;
        # any schedule says "periodically".
        ("Is the incident response plan tested annually and after major changes?", "INC-TEST-01"),
        (
            "Is the incident response plan tested periodically and after major changes?",
            "INC-TEST-01",
        ),
        ("Is the DR plan updated annually and after significant changes?", "BCP-DR-02"),
        # One time, or either of two, asks no more than the statement says.
        ("Are background checks performed prior to hire?", "HRS-BGC-01"),
        ("Is the incident response plan tested annually or upon customer request?", "INC-TEST-01"),
        ("Is the incident response plan tested annually and/or upon request?", "INC-TEST-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == (entry_id, "auto"), asked
    # "Changes" asked as the thing done is no time: no "after", "upon" … before it.
    assert (
        time_beside_another(
            Normaliser(shipped_thesaurus()).normalise("Are changes approved and tested annually?"),
            TIMES[0],
        )
        is None
    )


def test_a_length_of_time_is_no_schedule() -> None:
    normaliser = Normaliser(shipped_thesaurus())
    yearly = approved(
        "BCP-TEST-01",
        "Is the business continuity plan tested?",
        "Yes",
        "The plan is tested annually and after significant changes.",
    )
    for asked in (
        # "12 months" is a year's length, said by "annually" as the frequency facet reads it;
        # "for 1 year" is how long logs are kept, not when they are reviewed.
        "Is the BCP tested every 12 months and after major changes?",
        "Are logs retained for 1 year and reviewed daily?",
    ):
        assert time_beside_another(normaliser.normalise(asked), yearly) is None, asked
    on_request = approved("RET-DEL-01", "Is data deleted on request?", "Yes", "On request.")
    within = normaliser.normalise("Is data deleted within 30 days and upon request?")
    assert time_beside_another(within, on_request) is None
    # Said by any schedule: the frequency facet reads which.
    monthly = approved("BCP-TEST-01", "Is the plan tested?", "Yes", "Tested every 12 months.")
    asked = normaliser.normalise("Is the plan tested annually and after major changes?")
    assert time_beside_another(asked, monthly) == (
        "the question asks of two times ('annually' and 'changes'); the entry never says 'changes'"
    )
