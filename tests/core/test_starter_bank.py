"""The shipped starter bank: it loads, covers every domain, and its wording is Vouch's own."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from app.core.bank import Bank, load_bank, render_detail
from app.core.matching import Matcher
from tests.sharedfiles import raw

BANK_DIR = Path(__file__).resolve().parents[2] / "answer_bank"
CAIQ_V4_JSON = "csa-ccm-caiq-v4/json/CAIQ/primary-dataset.json"
HECVAT_JSON = "hecvat-4.1.4/hecvat-questions.json"
# Above this rapidfuzz ratio a phrasing reads as a lightly edited copy, not Vouch's own words.
NEAR_COPY_SIMILARITY = 85
MINIMUM_CAIQ_SHARE = 0.9
MAXIMUM_ANSWER_LENGTH = 60
MINIMUM_ENTRIES = 150
MINIMUM_AI_ENTRIES = 20
DOMAIN_TAGS = (
    "governance",
    "risk",
    "asset_management",
    "identity",
    "cryptography",
    "logging",
    "vulnerability",
    "secure_development",
    "change_management",
    "network",
    "privacy",
    "retention",
    "continuity",
    "incident_response",
    "vendors",
    "hr_security",
    "physical",
    "compliance",
    "ai_governance",
)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(BANK_DIR)


@pytest.fixture(scope="module")
def caiq_questions() -> dict[str, str]:
    document = json.loads(raw(CAIQ_V4_JSON).read_text(encoding="utf-8"))
    return {q["id"]: q["body"] for q in document["questions"]}


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def test_the_starter_bank_loads_and_has_at_least_150_entries(bank: Bank) -> None:
    assert len(bank.entries) >= MINIMUM_ENTRIES


def test_every_domain_leads_the_tags_of_some_entries(bank: Bank) -> None:
    per_domain = Counter(entry.tags[0] for entry in bank.entries if entry.tags)
    missing = [tag for tag in DOMAIN_TAGS if per_domain[tag] == 0]
    assert missing == []


def test_every_entry_is_filed_under_a_known_domain(bank: Bank) -> None:
    strays = [
        entry.id for entry in bank.entries if not entry.tags or entry.tags[0] not in DOMAIN_TAGS
    ]
    assert strays == []


def test_at_least_twenty_entries_cover_ai_governance(bank: Bank) -> None:
    ai_entries = [
        entry for entry in bank.entries if entry.tags and entry.tags[0] == "ai_governance"
    ]
    assert len(ai_entries) >= MINIMUM_AI_ENTRIES


def test_entry_ids_are_unique(bank: Bank) -> None:
    counts = Counter(entry.id for entry in bank.entries)
    assert [entry_id for entry_id, n in counts.items() if n > 1] == []


def test_every_detail_renders_over_the_shipped_profile(bank: Bank) -> None:
    for entry in bank.entries:
        rendered = render_detail(entry, bank.profile)
        assert "{{" not in rendered and "{%" not in rendered, entry.id


def test_short_answers_are_literal_text_because_only_details_are_templates(bank: Bank) -> None:
    templated = [entry.id for entry in bank.entries if "{{" in entry.answer or "{%" in entry.answer]
    assert templated == []


def test_short_answers_stay_short_enough_for_an_answer_cell(bank: Bank) -> None:
    long_answers = [entry.id for entry in bank.entries if len(entry.answer) > MAXIMUM_ANSWER_LENGTH]
    assert long_answers == []


def test_the_starter_bank_ships_as_draft_until_the_company_approves_it(bank: Bank) -> None:
    assert {entry.status for entry in bank.entries} == {"draft"}


def test_every_caiq_reference_names_a_real_caiq_v4_question(
    bank: Bank, caiq_questions: dict[str, str]
) -> None:
    unknown = [
        (entry.id, entry.refs["caiq"])
        for entry in bank.entries
        if "caiq" in entry.refs and entry.refs["caiq"] not in caiq_questions
    ]
    assert unknown == []


def test_no_question_or_alternate_copies_a_caiq_v4_question(
    bank: Bank, caiq_questions: dict[str, str]
) -> None:
    caiq_texts = {normalised(body) for body in caiq_questions.values()}
    copies = [
        (entry.id, phrasing)
        for entry in bank.entries
        for phrasing in (entry.question, *entry.alternates)
        if normalised(phrasing) in caiq_texts
    ]
    assert copies == []


def test_no_question_or_alternate_closely_paraphrases_a_caiq_v4_question(
    bank: Bank, caiq_questions: dict[str, str]
) -> None:
    caiq_texts = [normalised(body) for body in caiq_questions.values()]
    near_copies = []
    for entry in bank.entries:
        for phrasing in (entry.question, *entry.alternates):
            match = process.extractOne(normalised(phrasing), caiq_texts, scorer=fuzz.ratio)
            if match is not None and match[1] >= NEAR_COPY_SIMILARITY:
                near_copies.append((entry.id, phrasing, match[0]))
    assert near_copies == []


def test_no_question_or_alternate_closely_paraphrases_a_hecvat_question(bank: Bank) -> None:
    document = json.loads(raw(HECVAT_JSON).read_text(encoding="utf-8"))
    hecvat_texts = [normalised(q["question"]) for q in document["questions"]]
    near_copies = []
    for entry in bank.entries:
        for phrasing in (entry.question, *entry.alternates):
            match = process.extractOne(normalised(phrasing), hecvat_texts, scorer=fuzz.ratio)
            if match is not None and match[1] >= NEAR_COPY_SIMILARITY:
                near_copies.append((entry.id, phrasing, match[0]))
    assert near_copies == []


def test_most_caiq_v4_questions_are_answered_by_some_entry(
    bank: Bank, caiq_questions: dict[str, str]
) -> None:
    referenced = {entry.refs["caiq"] for entry in bank.entries if "caiq" in entry.refs}
    assert len(referenced & caiq_questions.keys()) / len(caiq_questions) >= MINIMUM_CAIQ_SHARE


EVERYDAY_LISTS = (
    "everyday_questions.yaml",
    "everyday_questions_heldout.yaml",
    "everyday_questions_heldout2.yaml",
    "everyday_questions_heldout3.yaml",
    "everyday_questions_heldout4.yaml",
    "everyday_questions_heldout5.yaml",
    "everyday_questions_heldout6.yaml",
    "everyday_questions_heldout7.yaml",
    "everyday_questions_heldout8.yaml",
    "everyday_questions_heldout9.yaml",
    "everyday_questions_heldout10.yaml",
    "everyday_questions_heldout11.yaml",
    "everyday_questions_heldout12.yaml",
    "everyday_questions_heldout13.yaml",
    "everyday_questions_heldout14.yaml",
    "everyday_questions_heldout15.yaml",
    "everyday_questions_heldout16.yaml",
    "everyday_questions_heldout17.yaml",
)


@pytest.mark.parametrize("name", EVERYDAY_LISTS)
def test_the_everyday_question_lists_are_vouchs_own_words(
    name: str, caiq_questions: dict[str, str]
) -> None:
    # The benchmark's everyday questions are written for Vouch: no questionnaire's rows copied.
    path = Path(__file__).resolve().parents[2] / "bench" / "data" / name
    asked = [row["q"] for row in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    document = json.loads(raw(HECVAT_JSON).read_text(encoding="utf-8"))
    others = [normalised(q["question"]) for q in document["questions"]]
    others += [normalised(body) for body in caiq_questions.values()]
    near_copies = []
    for question in asked:
        match = process.extractOne(normalised(question), others, scorer=fuzz.ratio)
        if match is not None and match[1] >= NEAR_COPY_SIMILARITY:
            near_copies.append((question, match[0]))
    assert near_copies == []


def test_no_alternate_asks_the_opposite_of_its_statement(bank: Bank) -> None:
    """Each wording of a Yes or No statement takes its answer: none may ask the opposite.

    "Do you use customer data for any purpose other than providing the service?" answered Yes
    (the answer of "Is personal data processed only for the declared purposes?") would say it
    is used for others. Each alternate is matched against the statements' own questions alone,
    and the guards reading "other than", "only", undoing and what is kept from being done must
    find nothing to hold back ("Can administrators modify or delete audit logs?" under a Yes
    that logs are protected from tampering and deletion).
    """
    closed = [e for e in bank.entries if re.match(r"(Yes|No)\b", e.answer)]
    plain = [replace(e, alternates=(), status="approved") for e in bank.entries]
    matcher = Matcher(plain, concepts=False)
    asked = [(a, e) for e in closed for a in e.alternates]
    found = matcher.match_many([(a, None, None) for a, _ in asked], top=10)
    opposite = (
        "the question asks of anything",
        "the question asks whether it can be undone",
        "the question asks what people may do; the entry says what is kept",
    )
    wrong = []
    for (alternate, entry), matches in zip(asked, found, strict=True):
        own = next((m for m in matches if m.entry_id == entry.id), None)
        guard = own.explanation.guard if own is not None else None
        if guard and guard.startswith(opposite):
            wrong.append(f"{entry.id}: {alternate} ({guard})")
    assert not wrong
