"""A wording offering alternatives: its Yes says one of them, not the one a question asks of."""

from __future__ import annotations

from app.core.bank import Entry
from app.core.either import _offers_choice
from app.core.matching import Matcher
from app.core.normalise import words as tokens
from tests.core.statements import approved

OTHERS = [
    ("GOV-POL-01", "Do you have an information security policy?", "Yes, reviewed yearly."),
    ("HRS-TRAIN-01", "Do staff take security awareness training?", "Yes, on joining and yearly."),
    ("BCP-BACKUP-01", "Are backups encrypted and tested?", "Yes, restored quarterly."),
]


def bank(entry_id: str, question: str, detail: str) -> list[Entry]:
    rows = [(entry_id, question, detail), *OTHERS]
    return [Entry(id=i, question=q, answer="Yes", detail=d, status="approved") for i, q, d in rows]


REPORTING = "Is security risk reported to executives or the board?"
TO_EXECUTIVES = "The security lead reports on risks to the executive team every quarter."


def test_a_yes_to_either_side_does_not_answer_a_question_on_one_side_alone() -> None:
    matcher = Matcher(bank("GOV-BOARD-01", REPORTING, TO_EXECUTIVES))
    best = matcher.match("Does the board receive regular reporting on security risk?")[0]
    assert best.entry_id == "GOV-BOARD-01"
    assert best.band == "suggest"
    assert best.explanation.guard is not None
    assert "'executives or the board'" in best.explanation.guard
    assert "'executives' alone" in best.explanation.guard


def test_a_question_naming_both_sides_is_answered() -> None:
    matcher = Matcher(bank("GOV-BOARD-01", REPORTING, TO_EXECUTIVES))
    best = matcher.match("Is security risk reported to the executives or the board?")[0]
    assert (best.entry_id, best.band) == ("GOV-BOARD-01", "auto")


def test_a_side_the_entry_names_on_its_own_is_answered() -> None:
    to_board = "The security lead reports on risks to the board every quarter."
    matcher = Matcher(bank("GOV-BOARD-01", REPORTING, to_board))
    best = matcher.match("Does the board receive regular reporting on security risk?")[0]
    assert (best.entry_id, best.band) == ("GOV-BOARD-01", "auto")


MASKING = "Do you pseudonymize or anonymize personal data?"
PSEUDONYMS = "Test environments receive pseudonymized copies; identifiers are replaced by tokens."


def test_a_question_whose_alternatives_end_open_is_answered_by_either_side() -> None:
    matcher = Matcher(bank("PRV-PSEUDO-01", MASKING, PSEUDONYMS))
    narrow = matcher.match("Do you anonymize personal data?")[0]
    assert (narrow.entry_id, narrow.band) == ("PRV-PSEUDO-01", "suggest")
    assert narrow.explanation.guard is not None
    assert "'pseudonymize' alone" in narrow.explanation.guard
    open_ended = matcher.match("Do you anonymize, de-identify or otherwise mask personal data?")[0]
    assert open_ended.entry_id == "PRV-PSEUDO-01"
    assert open_ended.explanation.guard is None


def test_a_long_framework_wording_lists_cases_with_or_and_is_not_read() -> None:
    process = (
        "Is a process in place to de-provision or modify the access of movers, leavers or "
        "system identity changes in a timely manner, following the access management policy?"
    )
    matcher = Matcher(bank("IAM-07.1", process, "Access is removed on the leaving date."))
    best = matcher.match(
        "Is a process in place to de-provision the access of leavers in a timely manner?"
    )[0]
    assert (best.entry_id, best.band) == ("IAM-07.1", "auto")
    assert best.explanation.guard is None


def test_a_word_both_sides_may_share_names_neither_alone() -> None:
    # "Unauthorized" qualifies the removal as much as the addition.
    matcher = Matcher(
        bank(
            "AST-CHG-01",
            "Is unauthorized addition or removal of systems prevented?",
            "Infrastructure changes only through reviewed pipelines.",
        )
    )
    best = matcher.match("Are unauthorized changes to systems prevented?")[0]
    assert best.entry_id == "AST-CHG-01"
    assert best.explanation.guard is None


def test_a_side_restated_in_an_acronym_is_named_by_it() -> None:
    matcher = Matcher(
        bank(
            "NET-IDS-01",
            "Do you use intrusion detection or prevention (IDS/IPS)?",
            "Network traffic is inspected by a managed service.",
        )
    )
    best = matcher.match("Do you use an IDS/IPS?")[0]
    assert (best.entry_id, best.band, best.explanation.guard) == ("NET-IDS-01", "auto", None)


def test_a_question_asking_both_sides_is_not_answered_by_a_yes_to_either() -> None:
    matcher = Matcher(bank("GOV-BOARD-01", REPORTING, "Risk is reported every quarter."))
    best = matcher.match("Is security risk reported to the executives and to the board?")[0]
    assert best.entry_id == "GOV-BOARD-01"
    assert best.band == "suggest"
    assert best.explanation.guard == (
        "the entry says 'executives or the board', and its Yes may stand for one; "
        "the question asks both"
    )
    # An entry naming each side on its own says both.
    both = bank("GOV-BOARD-01", REPORTING, "Risk is reported to the executives and to the board.")
    best = Matcher(both).match("Is security risk reported to the executives and to the board?")[0]
    assert (best.entry_id, best.explanation.guard) == ("GOV-BOARD-01", None)


def test_one_thing_named_by_a_word_both_sides_share_is_not_both() -> None:
    ndas = bank(
        "HRS-NDA-01",
        "Do staff sign confidentiality or non-disclosure agreements?",
        "Agreements are signed before access is granted.",
    )
    best = Matcher(ndas).match(
        "Are confidentiality agreements in place with staff and contractors?"
    )[0]
    assert best.entry_id == "HRS-NDA-01"
    assert not (best.explanation.guard or "").endswith("the question asks both")


def test_a_yes_or_no_does_not_say_which_of_two_parties_does_it() -> None:
    bank = [
        approved(
            "RET-CONFIG-01",
            "Can customers set their own retention periods?",
            "No",
            "Automatic retention rules are not configurable.",
        ),
        approved(
            "CRY-REST-01",
            "Is customer data encrypted at rest?",
            "Yes",
            "All customer data is encrypted at rest with AES-256.",
        ),
        approved("PRV-SALE-01", "Do you sell or share customer data with third parties?", "No"),
        approved("GOV-POL-01", "Do you have a security policy?", "Yes"),
    ]
    matcher = Matcher(bank, concepts=False)
    reason = "the question asks which of two it is; a Yes or No does not say"
    for asked, entry_id in (
        ("Does the customer or the vendor determine the retention period?", "RET-CONFIG-01"),
        ("Are backup retention periods set by you or by the customer?", "RET-CONFIG-01"),
        (
            "Does the customer hold the keys for data encrypted at rest, or does the vendor?",
            "CRY-REST-01",
        ),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band, best.explanation.guard) == (
            entry_id,
            "suggest",
            reason,
        ), asked
    # "customer data" names their thing, not a party doing it.
    (sale, *_) = matcher.match("Do you sell or share customer data with advertisers?")
    assert sale.explanation.guard != reason


def test_a_description_naming_no_other_party_does_not_say_which_party_does_it() -> None:
    bank = [
        approved(
            "NET-DDOS-01",
            "How do you protect against network attacks such as DDoS?",
            "DDoS protection, WAF and threat detection",
            "The service sits behind managed DDoS protection; alerts go to the on-call engineer.",
        ),
        approved(
            "BCP-BACKUP-01",
            "How are backups taken?",
            "Daily, by the cloud provider's snapshot service",
            "We keep snapshots for 35 days.",
        ),
        approved("GOV-POL-01", "Do you have a security policy?", "Yes"),
    ]
    matcher = Matcher(bank, concepts=False)
    (ddos, *_) = matcher.match("Who provides DDoS protection - you or your cloud provider?")
    assert (ddos.entry_id, ddos.band, ddos.explanation.guard) == (
        "NET-DDOS-01",
        "suggest",
        "the question asks which of two parties it is; the entry names neither",
    )
    # Naming the other party says which; the same description asked plainly still answers.
    (backups, *_) = matcher.match("Are backups taken by you or by your cloud provider?")
    assert (backups.entry_id, backups.explanation.guard) == ("BCP-BACKUP-01", None)
    (plain, *_) = matcher.match("How do you protect against network attacks such as DDoS?")
    assert (plain.entry_id, plain.band) == ("NET-DDOS-01", "auto")
    # "We", in the vendor's voice, is the vendor: it names no other party.
    (ours, *_) = matcher.match("Are backups taken by you or by the customer?")
    assert (ours.entry_id, ours.explanation.guard) == (
        "BCP-BACKUP-01",
        "the question asks which of two parties it is; the entry names neither",
    )


def test_a_no_to_one_side_of_an_or_does_not_answer_when_the_detail_says_the_other_is_so() -> None:
    bank = [
        approved(
            "VUL-BOUNTY-01",
            "Do you run a bug bounty program?",
            "No",
            "The company runs a vulnerability disclosure policy and pays no bug bounty.",
        ),
        approved(
            "AI-TRAIN-01",
            "Is customer data used to train AI models?",
            "No",
            "The company does not use customer content to train or fine-tune models.",
        ),
        approved(
            "PHY-DC-01",
            "Do you operate your own data centers?",
            "No",
            "The service runs on a cloud provider whose facilities are audited.",
        ),
        approved("GOV-POL-01", "Do you have a security policy?", "Yes"),
    ]
    matcher = Matcher(bank, concepts=False)
    (best, *_) = matcher.match("Do you run a bug bounty or a responsible disclosure programme?")
    assert (best.entry_id, best.band) == ("VUL-BOUNTY-01", "suggest")
    assert best.explanation.guard == (
        "the entry's No is about one side of the question's 'or'; its detail says 'disclosure' is so"
    )
    # The detail saying the other side under a negation, or not at all, leaves the No standing.
    for asked, entry_id in (
        ("Is customer data used to train or fine-tune AI models?", "AI-TRAIN-01"),
        ("Do you operate your own data centers or server rooms?", "PHY-DC-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert best.entry_id == entry_id, asked
        assert "one side of the question's 'or'" not in (best.explanation.guard or ""), asked


OPTIONS = [
    approved("NET-IDS-01", "Do you run intrusion detection?", "Yes", "Alerts go to on-call."),
    approved("VUL-PEN-01", "Is penetration testing performed every year?", "Yes"),
    approved("NET-TENANT-01", "Is the service single-tenant?", "No"),
    approved("LOG-SOC-01", "Do you operate a 24x7 Security Operations Centre?", "Yes"),
    approved(
        "HRS-NDA-01",
        "Do employees and third parties sign confidentiality agreements?",
        "Yes",
        "Every employee and contractor signs one.",
    ),
    approved("VEN-CLOUD-01", "Do you use cloud services?", "Yes"),
    approved("GOV-POL-01", "Do you have a security policy?", "Yes"),
]
WHICH = "the question asks which of two it is; a Yes or No does not say"


def test_a_yes_or_no_does_not_say_which_of_the_options_a_question_offers() -> None:
    matcher = Matcher(OPTIONS, concepts=False)
    for asked, entry_id in (
        ("Is intrusion detection network-based, host-based, or both?", "NET-IDS-01"),
        ("Is penetration testing performed internally or by a third party?", "VUL-PEN-01"),
        ("Is penetration testing performed in-house or outsourced?", "VUL-PEN-01"),
        ("Is the service single-tenant or multi-tenant?", "NET-TENANT-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.explanation.guard) == (entry_id, WHICH), asked
        assert best.band != "auto", asked


def test_options_any_of_which_a_yes_answers_are_not_a_choice() -> None:
    matcher = Matcher(OPTIONS, concepts=False)
    for asked in (
        # Either of them; in a second question, left to it; "both" naming who; any of them.
        "Do you operate a 24x7 Security Operations Centre, either in-house or outsourced?",
        "Do you operate a 24x7 Security Operations Centre? Is it in-house or outsourced?",
        "Do you require confidentiality agreements that reflect the need to protect data, or "
        "both employees and third parties?",
        "Is penetration testing performed every year, regardless of whether it is done "
        "internally or externally?",
    ):
        (best, *_) = matcher.match(asked)
        assert best.explanation.guard != WHICH, asked
    # One noun on both sides, kinds after a preposition, adjectives of a framework's any, and an
    # ending naming what is deployed: none asks which.
    for asked in (
        "Is MFA required for remote access or VPN access?",
        "Is data encrypted in transit over public or private networks?",
        "Is vulnerability scanning performed on internal or external systems?",
        "Do you support on-premises or hybrid deployment?",
    ):
        assert not _offers_choice(list(tokens(asked)), list(tokens(asked)).index("or")), asked
    for asked in (
        "Is the hosting public or private cloud?",
        "Do you operate a SOC, and is it in-house or outsourced?",
        "Is the incident response plan tested via tabletop exercises, or a combination of both?",
        # Inside a thing or outside it is where it is.
        "Is software composition analysis performed in the CI pipeline or outside it?",
        "Is customer data stored in the EU or outside the EU?",
    ):
        assert _offers_choice(list(tokens(asked)), list(tokens(asked)).index("or")), asked
    # Kinds before a noun name any of it: "public or private cloud services".
    (cloud, *_) = matcher.match("Do you use public or private cloud services?")
    assert (cloud.entry_id, cloud.explanation.guard) == ("VEN-CLOUD-01", None)
