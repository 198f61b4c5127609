"""Object guards: a statement about one object never fills for a question about another."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.core.bank import Entry
from app.core.errors import BankError
from app.core.matching import Matcher
from app.core.normalise import Normaliser, parse_thesaurus, shipped_thesaurus
from app.core.objects import ObjectRule
from tests.core.statements import approved as statement
from tests.core.statements import held_back
from tests.core.test_entry_says import starter_bank


def approved(entry_id: str, question: str) -> Entry:
    return Entry(
        id=entry_id,
        question=question,
        answer="Yes",
        detail=f"Statement {entry_id}.",
        status="approved",
    )


# Each case: the bank's statement, a question in the same frame about the other object, and the
# two objects the reason names.
CASES = [
    (
        "Is a security by design principle applied to the development of systems?",
        "Is a privacy by design principle applied to the development of systems?",
        ("privacy", "security"),
    ),
    (
        "Are the asset management policies reviewed and updated at least annually?",
        "Are the asset management baselines reviewed and updated at least annually?",
        ("baseline", "policies"),
    ),
    (
        "Are the asset management policies reviewed and updated at least annually?",
        "Are the asset management inventories reviewed and updated at least annually?",
        ("inventory", "policies"),
    ),
    (
        "Is customer data classified according to its sensitivity?",
        "Is employee data classified according to its sensitivity?",
        ("employee data", "customer data"),
    ),
    (
        # The thesaurus folds "security awareness training" to "awareness training": the
        # entry's words as written still name security.
        "Is a security awareness training program established for all employees?",
        "Do you have a privacy awareness training program?",
        ("privacy", "security"),
    ),
    (
        "Is the incident plan reviewed and approved by management?",
        "Is the test plan reviewed and approved by management?",
        ("test plan", "incident plan"),
    ),
    (
        # Learned from review, "do you have a documented incident response plan?" filled an
        # incident management policy question (bench/bench_match_learning.py).
        "Do you have a documented incident response plan?",
        "Do you have a documented incident response policy?",
        ("policy", "plan"),
    ),
    (
        # HECVAT: remote access to the vendor's own systems says nothing of its customers'.
        "How do employees access internal systems remotely?",
        "Can your employees access customer systems remotely?",
        ("customer systems", "internal systems"),
    ),
    (
        # The starter bank's endpoint statement filled this through its laptop alternate: the
        # shared "installed", said by no other wording, weighed as the rarest word.
        "Is antivirus installed on all company laptops?",
        "Is antivirus installed on all servers?",
        ("server", "laptop"),
    ),
    (
        # The same frame, keys rotated, about another kind of key.
        "Are encryption keys rotated?",
        "Are API keys scoped and rotated?",
        ("api keys", "encryption keys"),
    ),
    (
        # A vendor hosted in the cloud runs offices, not data centres: the office statement
        # filled a question on visitors to the data centre.
        "Is physical access to your offices controlled by badges?",
        "Is physical access to the data centre controlled by badges?",
        ("data center", "office"),
    ),
    (
        # Approval by management says nothing of the board's.
        "Are the information security policies approved by management?",
        "Are the information security policies approved by the board?",
        ("board", "management"),
    ),
    (
        # A vendor holding no cardholder data encrypts its customers' data.
        "Is customer data encrypted at rest?",
        "Is cardholder data encrypted at rest?",
        ("cardholder data", "customer data"),
    ),
    (
        # Reviewing who may log in says nothing of who may enter a building.
        "How often are user access rights reviewed?",
        "Are physical access rights reviewed regularly?",
        ("physical access", "user access"),
    ),
    (
        "Is the disaster recovery plan tested at least annually?",
        "Is the incident response plan tested at least annually?",
        ("incident response", "disaster recovery"),
    ),
    (
        # A Yes to independent testing would say an internal team tests.
        "Do you have independent penetration tests performed?",
        "Is the penetration test performed by an internal team?",
        ("internal", "independent"),
    ),
    (
        # An AI bill of materials lists models and datasets, which an SBOM does not.
        "Can you provide a software bill of materials?",
        "Can you provide an AI bill of materials?",
        ("ai bill of materials", "software bill of materials"),
    ),
]


@pytest.mark.parametrize(("stated", "asked", "objects"), CASES)
def test_the_same_frame_about_another_object_is_held_back_with_the_reason(
    stated: str, asked: str, objects: tuple[str, str]
) -> None:
    bank = [approved("STATED", stated), approved("OTHER", "Are visitors escorted on site?")]
    (best, *_) = Matcher(bank, concepts=False).match(asked)
    assert best.entry_id == "STATED"
    assert best.band != "auto"
    assert f"object differs: '{objects[0]}' vs '{objects[1]}'" in best.explanation.text()


@pytest.mark.parametrize(("stated", "asked", "objects"), CASES)
def test_the_same_object_still_fills(stated: str, asked: str, objects: tuple[str, str]) -> None:
    bank = [approved("STATED", stated), approved("OTHER", "Are visitors escorted on site?")]
    (best, *_) = Matcher(bank, concepts=False).match(stated)
    assert (best.entry_id, best.band, best.explanation.guard) == ("STATED", "auto", None)


def test_a_question_naming_both_objects_is_not_held_back_by_the_pair() -> None:
    thesaurus = shipped_thesaurus()
    rule = ObjectRule.of(thesaurus, Normaliser(thesaurus))
    terms = Normaliser(thesaurus).normalise
    both = terms("Are privacy and security requirements reviewed?").terms
    assert rule.conflict(both, terms("Are security requirements reviewed?").terms) is None
    assert (
        rule.conflict(
            terms("Are privacy requirements reviewed?").terms,
            terms("Are security requirements reviewed?").terms,
        )
        == "object differs: 'privacy' vs 'security'"
    )


def test_the_shipped_pairs_include_those_learned_from_framework_questionnaires() -> None:
    pairs = set(shipped_thesaurus().objects)
    assert {("privacy", "security"), ("baseline", "policies"), ("inventory", "policies")} <= pairs


def test_an_object_pair_must_name_two_different_objects() -> None:
    with pytest.raises(BankError, match="line 2: an object pair names two different objects"):
        parse_thesaurus("objects:\n  - [privacy]\n", path=Path("thesaurus.yaml"))
    with pytest.raises(BankError, match="'objects' must be a list of pairs"):
        parse_thesaurus("objects: privacy\n", path=Path("thesaurus.yaml"))


def test_a_statement_worded_for_ai_does_not_fill_a_question_that_never_names_it() -> None:
    # The prompt-injection statement's alternate "How are inputs to the AI validated?" scores
    # highest; the question is about the whole application.
    matches = Matcher(starter_bank()).match(
        "Is input validation performed?", context="Application Security", top=3
    )
    scoped = next(m for m in matches if m.entry_id == "AI-INJECT-01")
    assert scoped.band != "auto"
    assert scoped.explanation.guard == (
        "the entry is about artificial intelligence, the question is not"
    )
    assert not (matches[0].entry_id == "AI-INJECT-01" and matches[0].band == "auto")


@pytest.mark.parametrize(
    ("context", "question"),
    [
        (None, "How are inputs to AI features validated?"),
        ("AI Security", "How are inputs validated?"),  # the heading names the scope
    ],
)
def test_a_question_or_its_heading_naming_ai_is_answered_by_a_statement_worded_for_it(
    context: str | None, question: str
) -> None:
    (best, *_) = Matcher(starter_bank()).match(question, context=context)
    assert (best.entry_id, best.band) == ("AI-INJECT-01", "auto")


def test_without_scopes_in_the_thesaurus_no_statement_is_confined() -> None:
    thesaurus = parse_thesaurus("synonyms:\n  - [ai, artificial intelligence]\n", path=Path("t"))
    rule = ObjectRule.of(thesaurus, Normaliser(thesaurus))
    assert rule.beyond_scope(["input", "validat"], [], ["input", "ai", "validat"]) is None
    scoped = parse_thesaurus(
        "synonyms:\n  - [ai, artificial intelligence]\nscopes: [artificial intelligence]\n",
        path=Path("t"),
    )
    rule = ObjectRule.of(scoped, Normaliser(scoped))
    assert rule.beyond_scope(["input", "validat"], [], ["input", "ai", "validat"]) == (
        "the entry is about artificial intelligence, the question is not"
    )
    assert rule.beyond_scope(["input", "validat"], ["ai"], ["input", "ai", "validat"]) is None
    assert rule.beyond_scope(["ai", "input"], [], ["input", "ai", "validat"]) is None
    with pytest.raises(BankError, match="'scopes' must"):
        parse_thesaurus("scopes: {ai: x}\n", path=Path("thesaurus.yaml"))


def test_a_question_naming_both_objects_is_not_answered_by_a_yes_naming_one() -> None:
    laptops = Entry(
        id="AST-EDR-01",
        question="Do endpoints run endpoint detection and response software?",
        answer="Yes",
        detail="Every company laptop runs the EDR agent.",
        status="approved",
    )
    both = replace(laptops, detail="Every company laptop and server runs the EDR agent.")
    asked = "Is EDR software installed on all company laptops and servers?"
    other = approved("OTHER", "Are visitors escorted on site?")
    (best, *_) = Matcher([laptops, other], concepts=False).match(asked)
    assert (best.entry_id, best.band) == ("AST-EDR-01", "suggest")
    assert best.explanation.guard is not None
    # Endpoints and laptops alike are not servers (EDR spelt out names endpoints).
    assert "and 'server', the entry says only" in best.explanation.guard
    # Held back as narrower, not as about something else: no evidence for the next entry.
    assert not best.explanation.elsewhere
    (best, *_) = Matcher([both, other], concepts=False).match(asked)
    assert (best.entry_id, best.band, best.explanation.guard) == ("AST-EDR-01", "auto", None)


def test_a_side_of_several_words_is_named_by_its_words_together() -> None:
    thesaurus = shipped_thesaurus()
    normaliser = Normaliser(thesaurus)
    rule = ObjectRule.of(thesaurus, normaliser)
    said = normaliser.normalise("Do you have a disaster recovery plan?").terms
    both = normaliser.normalise(
        "Do you have an incident response plan and a disaster recovery plan?"
    )
    assert rule.one_of_both(both.terms, lambda: said) == (
        "the question asks of 'disaster recovery' and 'incident response', "
        "the entry says only 'disaster recovery'"
    )
    strewn = normaliser.normalise(
        "Is recovery from an incident response exercise a disaster for the plan?"
    )
    assert rule.one_of_both(strewn.terms, lambda: said) is None


def test_a_pair_of_frame_words_named_together_is_how_a_framework_asks() -> None:
    thesaurus = shipped_thesaurus()
    normaliser = Normaliser(thesaurus)
    rule = ObjectRule.of(thesaurus, normaliser)
    asked = normaliser.normalise("Are assessments performed according to plans and policies?")
    said = normaliser.normalise("Are assessments performed according to plans?").terms
    frame = frozenset(normaliser.normalise("plan policy").terms)
    assert rule.one_of_both(asked.terms, lambda: said) is not None
    assert rule.one_of_both(asked.terms, lambda: said, frame) is None


@pytest.mark.parametrize(
    ("stated", "detail", "question", "asked"),
    [
        (
            "Is customer data encrypted at rest?",
            "Databases and backups are encrypted with AES-256.",
            "Is customer data encrypted at rest using AES-128?",
            "'AES-128', the entry says 'AES-256'",
        ),
        (
            # The office statement names its place in its detail only.
            "Are visitors signed in and escorted?",
            "Visitors to the office sign in at reception and are escorted.",
            "Are visitors to the data centre signed in and escorted?",
            "'data center', the entry says 'office'",
        ),
    ],
)
def test_an_object_named_only_in_the_detail_still_differs(
    stated: str, detail: str, question: str, asked: str
) -> None:
    entry = Entry(id="STATED", question=stated, answer="Yes", detail=detail, status="approved")
    bank = [entry, approved("OTHER", "Is there a clear desk policy?")]
    (best, *_) = Matcher(bank, concepts=False).match(question)
    assert best.entry_id == "STATED"
    assert best.band != "auto"
    assert best.explanation.guard == f"the question names {asked}"
    # The question the statement answers still fills.
    (best, *_) = Matcher(bank, concepts=False).match(stated)
    assert (best.entry_id, best.band, best.explanation.guard) == ("STATED", "auto", None)


def test_disabling_is_not_requiring() -> None:
    bank = [
        approved("IAM-MFA-02", "Can customers require multi-factor authentication for users?"),
        approved("OTHER", "Is there a clear desk policy?"),
    ]
    (best, *_) = Matcher(bank, concepts=False).match(
        "Can customers disable multi-factor authentication for their users?"
    )
    assert best.band != "auto"
    assert best.explanation.guard == "object differs: 'disable' vs 'require'"


def test_what_is_allowed_is_not_what_is_blocked() -> None:
    bank = [
        approved("AST-MEDIA-01", "Is the use of USB storage blocked on company devices?"),
        approved("AST-BYOD-01", "Are personal devices prohibited from holding company data?"),
        approved("OTHER", "Is there a clear desk policy?"),
    ]
    matcher = Matcher(bank, concepts=False)
    for asked, entry_id, reason in (
        ("Do you permit USB storage devices?", "AST-MEDIA-01", "'permit' vs 'block'"),
        (
            "Are USB storage devices allowed on company devices?",
            "AST-MEDIA-01",
            "'allow' vs 'block'",
        ),
        (
            "Are personal devices allowed to hold company data?",
            "AST-BYOD-01",
            "'allow' vs 'prohibit'",
        ),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) != (entry_id, "auto"), asked
        assert best.explanation.guard == f"object differs: {reason}", asked
    (blocked, *_) = matcher.match("Is USB storage blocked on company devices?")
    assert (blocked.entry_id, blocked.band) == ("AST-MEDIA-01", "auto")


def test_a_question_confined_to_ai_is_not_answered_by_a_statement_never_saying_it() -> None:
    bank = [
        statement(
            "RSK-REG-01",
            "Do you maintain a risk register?",
            detail="Risks are tracked in a register with an owner and a rating.",
        ),
        statement(
            "PRV-DPIA-01",
            "Do you carry out data protection impact assessments?",
            detail="An assessment is completed before high-risk processing, such as new AI features.",
        ),
    ]
    matcher = Matcher(bank, concepts=False)
    assert held_back(matcher, "Are AI risks included in your risk register?", "RSK-REG-01") == (
        "the question is about artificial intelligence; the entry never speaks of it"
    )
    # A statement saying AI anywhere may answer; without AI, the register answers.
    (dpia, *_) = matcher.match("Do you carry out data protection impact assessments for AI?")
    assert dpia.entry_id == "PRV-DPIA-01" and dpia.explanation.guard is None
    (register, *_) = matcher.match("Do you maintain a risk register?")
    assert register.entry_id == "RSK-REG-01" and register.explanation.guard is None
