"""A statement answers a question only with the kind of answer the question asks for."""

from __future__ import annotations

from dataclasses import replace

from app.core.answer_kind import quantity_unsaid
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back
from tests.core.test_entry_says import starter_bank

CHOICES = [
    approved(
        "VUL-DISC-01",
        "Do you have a way for outside researchers to report vulnerabilities?",
        detail="A published vulnerability disclosure policy invites reports.",
    ),
    approved(
        "INC-NOTIFY-02",
        "How soon will you notify us of a breach affecting our data?",
        "Within 72 hours of confirmation",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_does_not_say_which_of_two_a_question_offers() -> None:
    assert (
        held_back(
            Matcher(CHOICES, concepts=False),
            "Do you have a way for researchers to report vulnerabilities, or only a public policy?",
            "VUL-DISC-01",
        )
        == "the question asks which of two it is; a Yes or No does not say"
    )


def test_an_answer_in_its_own_words_may_say_which() -> None:
    (best, *_) = Matcher(CHOICES, concepts=False).match(
        "How soon will you notify us of a breach, or only once it is confirmed?"
    )
    assert best.entry_id == "INC-NOTIFY-02"
    assert best.explanation.guard != (
        "the question asks which of two it is; a Yes or No does not say"
    )


PURPOSES = [
    approved(
        "PRV-PURPOSE-01",
        "Is personal data processed only for the purposes declared to the customer?",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_to_only_does_not_answer_a_question_about_anything_else() -> None:
    assert (
        held_back(
            Matcher(PURPOSES, concepts=False),
            "Will our personal data be processed for purposes other than those declared?",
            "PRV-PURPOSE-01",
        )
        == "the question asks of anything other than it; the entry says 'only'"
    )
    (best, *_) = Matcher(PURPOSES, concepts=False).match(
        "Is personal data processed only for the declared purposes?"
    )
    assert best.explanation.guard is None


PLACES = [
    approved(
        "PRV-LOC-01",
        "Where is customer data stored and processed?",
        "United States and European Union",
        "Customer data, including backups, stays in the region chosen at sign-up.",
    ),
    approved(
        "IAM-REV-01",
        "How often are user access rights reviewed?",
        "Quarterly",
        "System owners recertify access quarterly.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_place_named_does_not_answer_a_closed_question_it_leaves_out() -> None:
    matcher = Matcher(PLACES, concepts=False)
    assert (
        held_back(matcher, "Is customer data stored on employee laptops?", "PRV-LOC-01")
        == "the entry answers 'where' and does not say 'laptops'"
    )
    (best, *_) = matcher.match("Where is customer data stored?")
    assert (best.entry_id, best.explanation.guard) == ("PRV-LOC-01", None)


def test_a_how_answer_is_not_read_so() -> None:
    (best, *_) = Matcher(PLACES, concepts=False).match("Are user access rights reviewed regularly?")
    assert best.entry_id == "IAM-REV-01"
    assert not (best.explanation.guard or "").startswith("the entry answers")


SESSIONS = [
    approved(
        "IAM-SESS-01",
        "Do user sessions time out after inactivity?",
        detail="Idle sessions end after a period the tenant administrator sets.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_number_of_minutes_the_statement_never_says_is_not_answered_yes() -> None:
    asked = "Do user sessions time out after 15 minutes of inactivity?"
    assert (
        held_back(Matcher(SESSIONS, concepts=False), asked, "IAM-SESS-01")
        == "the question asks for 15 minutes; the entry never says 15"
    )
    fifteen = [
        approved(
            "IAM-SESS-01",
            "Do user sessions time out after inactivity?",
            detail="Idle sessions end after 15 minutes.",
        ),
        SESSIONS[1],
    ]
    (best, *_) = Matcher(fifteen, concepts=False).match(asked)
    assert best.explanation.guard is None


def test_a_number_folded_into_a_phrase_is_not_read() -> None:
    monitored = [
        approved("LOG-SOC-01", "Are security alerts monitored around the clock?"),
        SESSIONS[1],
    ]
    (best, *_) = Matcher(monitored, concepts=False).match(
        "Are security alerts monitored 24 hours a day?"
    )
    assert (best.entry_id, best.explanation.guard) == ("LOG-SOC-01", None)


TRAINING = [
    approved(
        "HRS-TRAIN-01",
        "Do all employees complete security awareness training?",
        "Yes, at hire and annually",
        "Everyone completes training when they join and every year after.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_share_asked_for_is_not_answered_without_a_number() -> None:
    asked = "What percentage of employees completed security awareness training last year?"
    (best, *_) = Matcher(TRAINING, concepts=False).match(asked)
    assert best.entry_id == "HRS-TRAIN-01"
    assert best.band != "auto"
    assert (
        best.explanation.guard == "the question asks 'what percentage'; the entry gives no number"
    )
    counted = [
        approved(
            "HRS-TRAIN-01",
            "Do all employees complete security awareness training?",
            "Yes, at hire and annually",
            "98% of employees completed it in the last twelve months.",
        ),
        TRAINING[1],
    ]
    (best, *_) = Matcher(counted, concepts=False).match(asked)
    assert best.explanation.guard is None


def test_a_statement_counting_itself_answers_how_many() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    asked = normalise("How many employees work in security?")
    team = approved("GOV-TEAM-01", "Do you have a dedicated security team?", detail="A team.")
    assert quantity_unsaid(asked, team) == "the question asks 'how many'; the entry gives no number"
    assert (
        quantity_unsaid(asked, replace(team, detail="Six engineers, led by the CISO.")) is not None
    )
    assert quantity_unsaid(asked, replace(team, detail="A team of 6 engineers.")) is None
    # A number in a name counts nothing.
    named = replace(team, detail="Engineers are trained on the OWASP Top 10 and ISO 27001.")
    assert quantity_unsaid(asked, named) is not None
    # A number after another capitalised word still counts: "RTO 8 hours", "Within 72 hours".
    assert quantity_unsaid(asked, replace(team, detail="RTO 8 hours. Within 72 hours.")) is None
    counting = approved("GOV-TEAM-02", "How many people work in security?", "A team of six")
    assert quantity_unsaid(asked, counting) is None
    assert quantity_unsaid(normalise("Is there a security team?"), team) is None


GOVERNANCE = [
    approved(
        "AI-POL-01",
        "Do you have an AI governance policy?",
        detail="The AI policy sets approved model providers, allowed data and required reviews.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_who_is_not_answered_by_a_statement_naming_no_one() -> None:
    asked = "Who is responsible for AI governance in your organisation?"
    assert (
        held_back(Matcher(GOVERNANCE, concepts=False), asked, "AI-POL-01")
        == "the question asks who; the entry names no one"
    )
    named = [
        approved(
            "AI-POL-01",
            "Do you have an AI governance policy?",
            detail="The AI governance committee, chaired by the CTO, owns the AI policy.",
        ),
        GOVERNANCE[1],
    ]
    (best, *_) = Matcher(named, concepts=False).match(asked)
    assert best.explanation.guard is None


AGREEMENTS = [
    approved("PRV-DPA-01", "Will you sign a data processing agreement?"),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_does_not_say_what_is_used_instead_of_what() -> None:
    asked = "Will you sign our data processing agreement instead of your standard one?"
    assert held_back(Matcher(AGREEMENTS, concepts=False), asked, "PRV-DPA-01") == (
        "the question asks what is used instead of what; the entry does not say"
    )
    (best, *_) = Matcher(AGREEMENTS, concepts=False).match(
        "Will you sign a data processing agreement with us?"
    )
    assert (best.band, best.explanation.guard) == ("auto", None)


def test_a_count_asked_only_on_the_other_answer_is_not_asked() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    privileged = approved(
        "IAM-PRIV-02", "Is privileged access granted only for a limited time?", detail="JIT."
    )
    if_not = normalise("Is admin access granted just in time? If not, how many staff hold it?")
    assert quantity_unsaid(if_not, privileged) is None
    assert quantity_unsaid(if_not, replace(privileged, answer="No")) is not None
    if_so = normalise("Do you use contractors? If so, how many?")
    assert quantity_unsaid(if_so, replace(privileged, answer="No")) is None
    assert quantity_unsaid(if_so, privileged) is not None


RETENTION = [
    approved("LOG-RET-01", "How long are security logs retained?", "365 days", "Kept a year."),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_span_named_does_not_answer_whether_it_can_be_set() -> None:
    assert (
        held_back(
            Matcher(RETENTION, concepts=False),
            "Do you configure how long audit logs are retained in our tenant?",
            "LOG-RET-01",
        )
        == "the entry answers 'how long' and does not say 'configure'"
    )
    # Asked as what customers can do, it is what the vendor does that does not answer.
    assert held_back(
        Matcher(RETENTION, concepts=False),
        "Can we configure how long audit logs are retained in our tenant?",
        "LOG-RET-01",
    ) == ("the question asks what customers can do; the entry says what you do")
    # A second question asking for the span is answered by it.
    (best, *_) = Matcher(RETENTION, concepts=False).match(
        "Do you keep security logs, and how long are they retained?"
    )
    assert best.explanation.guard is None


def test_a_terse_row_naming_a_value_is_not_answered_by_how_often_it_is_reviewed() -> None:
    # "Password requirements" asks what they are; "Yes" from the yearly review says not.
    reviewed = approved(
        "IAM-PWD-02",
        "Are password requirements revisited and updated every year?",
        detail="The password standard is reviewed at least annually.",
    )
    matcher = Matcher([reviewed], concepts=False)
    for question in ("Password requirements", "pw requirements?"):
        (best, *_) = matcher.match(question)
        assert best.entry_id == "IAM-PWD-02" and best.band != "auto", question
        assert "frequency differs" in (best.explanation.guard or ""), question
    # Asked whether, the Yes answers by implication, as before.
    (closed, *_) = matcher.match("Are password requirements documented?")
    assert "frequency differs" not in (closed.explanation.guard or "")


def test_a_sum_the_statement_never_names_is_not_answered_yes() -> None:
    insured = [
        approved(
            "RSK-INSURE-01",
            "Do you carry cyber liability insurance?",
            detail="Coverage details are shared on request.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(insured, concepts=False)
    for asked, named in (
        ("Do you carry cyber liability insurance with limits of at least USD 10 million?", "10"),
        ("Is your cyber insurance cover at least EUR 5 per record?", "5"),
        ("Do you carry cyber insurance coverage of at least $50M?", "50"),
    ):
        (best, *_) = matcher.match(asked)
        assert best.entry_id == "RSK-INSURE-01"
        assert best.band != "auto", asked
        assert f"the entry never says {named}" in (best.explanation.guard or ""), asked
    (plain, *_) = matcher.match("Do you carry cyber liability insurance?")
    assert plain.explanation.guard is None


def test_a_level_the_statement_never_names_is_not_answered() -> None:
    keys = [
        approved(
            "CRY-KEYGEN-01",
            "Are keys protected by hardware security modules?",
            detail="Keys are held in hardware security modules that are FIPS 140 validated.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(keys, concepts=False)
    (best, *_) = matcher.match(
        "Are keys protected by hardware security modules validated to Level 3?"
    )
    assert best.entry_id == "CRY-KEYGEN-01" and best.band != "auto"
    assert best.explanation.guard == "the question asks for level 3; the entry never says 3"
    (plain, *_) = matcher.match("Are keys protected by hardware security modules?")
    assert plain.explanation.guard is None


def test_a_question_with_no_words_is_matched_without_error() -> None:
    # Punctuation alone leaves no words: each guard reading word pairs meets an empty row.
    matcher = Matcher(GOVERNANCE, concepts=False)
    for asked in (":", "{", "?!", "$"):
        assert isinstance(matcher.match(asked), list)


def test_who_is_not_answered_by_the_word_own() -> None:
    bank = [
        approved(
            "BCP-BACKUP-04",
            "Where are backups stored relative to production?",
            "A separate account and zone, in the data's own region",
        ),
        approved(
            "PHY-DC-01",
            "Do you operate your own data centers?",
            "No",
            "The product runs on a hosting provider whose facilities are audited.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(bank, concepts=False)
    (best, *_) = matcher.match("Who has access to backup data?")
    assert best.entry_id == "BCP-BACKUP-04"
    assert best.explanation.guard == "the question asks who; the entry names no one"
    # A statement naming a party of the kind asked for answers it.
    (best, *_) = matcher.match("Who is your data center provider?")
    assert (best.entry_id, best.explanation.guard) == ("PHY-DC-01", None)


MFA = [
    approved(
        "IAM-MFA-01",
        "Is multi-factor authentication required for remote and privileged access?",
        detail="MFA is enforced for all workforce access.",
    ),
    approved(
        "PRV-PURPOSE-01",
        "Is personal data processed only for the purposes declared to the customer?",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_question_ending_on_only_is_answered_only_by_a_statement_saying_it() -> None:
    matcher = Matcher(MFA, concepts=False)
    assert (
        held_back(
            matcher,
            "Is multi-factor authentication required for privileged access only?",
            "IAM-MFA-01",
        )
        == "the question asks whether it is so only there; the entry never says 'only'"
    )
    (best, *_) = matcher.match("Is personal data processed for the declared purposes only?")
    assert (best.entry_id, best.explanation.guard) == ("PRV-PURPOSE-01", None)


def test_a_free_answer_never_saying_a_closed_question_s_subject_is_no_rival() -> None:
    # The certifications held ("Which … do you hold?") never say "authenticate": no rival to
    # the statement on certificates between services, 0.03 ahead. A terse row naming a value
    # asks for one, which "how long" gives: the logs statement leaving "change" unsaid still
    # stands beside the customers' own retention periods, and neither fills.
    matcher = Matcher(starter_bank())
    (best, *_) = matcher.match(
        "Do you use certificates to authenticate services to each other?",
        context="Identity and Access Management",
    )
    assert (best.entry_id, best.band) == ("IAM-CERT-01", "auto")
    found = matcher.match("Change records retained (period)", context="Change Management", top=2)
    assert {m.entry_id for m in found} == {"LOG-RET-01", "RET-CONFIG-01"}
    assert all(m.band != "auto" for m in found)


def test_who_is_not_answered_by_a_statement_saying_only_that_something_says_who() -> None:
    bank = [
        approved(
            "BCP-DR-01",
            "Do you have a disaster recovery plan?",
            detail="The plan describes how the service is restored and who leads recovery.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    asked = "Who declares a disaster and authorizes invocation of the disaster recovery plan?"
    reason = "the question asks who; the entry names no one"
    assert held_back(Matcher(bank, concepts=False), asked, "BCP-DR-01") == reason
    will = [replace(bank[0], detail="The plan says who will lead recovery."), bank[1]]
    assert held_back(Matcher(will, concepts=False), asked, "BCP-DR-01") == reason
    named = [replace(bank[0], detail="The incident lead declares a disaster."), bank[1]]
    (best, *_) = Matcher(named, concepts=False).match(asked)
    assert (best.entry_id, best.explanation.guard) == ("BCP-DR-01", None)
