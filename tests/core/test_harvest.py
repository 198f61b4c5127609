"""Harvesting completed questionnaires into draft entries, deduplicated against the bank."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.core.bank import Entry, load_bank, render_detail
from app.core.errors import UnreadableWorkbook
from app.core.harvest import canonical_answer, escape_template, harvest_workbook, id_prefix
from app.core.matching import Matcher
from tests.sharedfiles import CAIQ_V4_WHITEPACT, CAIQ_V31_QANDS, raw

BUNDLED_BANK = Path(__file__).resolve().parents[2] / "answer_bank"


def completed_workbook(rows: list[tuple[str, str, str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_each_answered_row_becomes_a_draft_with_its_answer_and_detail() -> None:
    content = completed_workbook(
        [
            ("HR-01", "Do you run background checks on new staff?", "yes", "All hires, {{ x }}."),
            ("HR-02", "Do staff take security awareness training?", "No", ""),
            ("HR-03", "Is there a clean desk policy?", "", ""),
        ]
    )
    result = harvest_workbook(content, source_name="acme.xlsx", bank={}, matcher=None)
    assert result.counts() == {
        "answered_rows": 2,
        "unanswered_rows": 1,
        "drafts": 2,
        "alternates": 0,
        "repeated": 0,
    }
    first, second = result.drafts
    assert (first.id, first.answer, first.status) == ("acme-HR-01", "Yes", "draft")
    assert dict(first.refs) == {"control": "HR-01"}
    assert render_detail(first, {}) == "All hires, {{ x }}."
    assert second.detail == ""


def test_a_question_close_to_a_bank_statement_becomes_an_alternate_not_a_second_entry() -> None:
    bank = {
        "HR-BG-01": Entry(
            id="HR-BG-01",
            question="Do you perform background checks on new employees?",
            answer="Yes",
            status="approved",
        )
    }
    content = completed_workbook(
        [("X-1", "Do you perform background checks on new employees?", "No", "Not yet.")]
    )
    result = harvest_workbook(
        content, source_name="c.xlsx", bank=bank, matcher=Matcher(list(bank.values()))
    )
    assert result.drafts == ()
    (proposal,) = result.alternates
    assert proposal.entry_id == "HR-BG-01" and not proposal.answers_agree
    # What a curator deciding on the proposal later needs: the row's detail and where it is.
    assert (proposal.detail, proposal.control_id, proposal.source) == (
        "Not yet.",
        "X-1",
        "Questions!2",
    )


def test_a_question_asked_twice_in_one_workbook_is_harvested_once() -> None:
    content = completed_workbook(
        [
            ("A-1", "Is data encrypted at rest?", "Yes", ""),
            ("A-2", "Is data encrypted at rest?", "No", ""),
        ]
    )
    result = harvest_workbook(content, source_name="c.xlsx", bank={}, matcher=None)
    assert len(result.drafts) == 1
    assert [(r.source, r.same_answer) for r in result.repeated] == [("Questions!3", False)]


def test_a_workbook_with_no_answers_is_a_clear_error() -> None:
    content = completed_workbook([("A-1", "Is data encrypted at rest?", "", "")])
    with pytest.raises(UnreadableWorkbook, match="no answered questions"):
        harvest_workbook(content, source_name="blank.xlsx", bank={}, matcher=None)


def test_short_answers_are_spelled_the_bank_way_and_ids_are_safe() -> None:
    assert [canonical_answer(a) for a in ("YES", "na", "Not Applicable", "Partly")] == [
        "Yes",
        "N/A",
        "N/A",
        "Partly",
    ]
    assert id_prefix("../My Vendor (2024).xlsx") == "My-Vendor-2024"
    assert escape_template("plain") == "plain"


def harvest_shared(relative: str):  # type: ignore[no-untyped-def]
    bank = load_bank(BUNDLED_BANK)
    path = raw(relative)
    return harvest_workbook(
        path.read_bytes(), source_name=path.name, bank=bank.by_id(), matcher=Matcher(bank.entries)
    )


def test_the_whitepact_caiq_v4_yields_one_draft_or_alternate_per_distinct_question() -> None:
    result = harvest_shared(CAIQ_V4_WHITEPACT)
    assert result.answered_rows == 261
    # One question is asked three times, so 259 distinct questions remain.
    assert len(result.repeated) == 2
    assert len(result.drafts) + len(result.alternates) == 259
    assert len(result.alternates) > 40
    assert all(d.status == "draft" and d.detail for d in result.drafts[:20])
    assert {d.answer for d in result.drafts} <= {"Yes", "No", "N/A"}


def test_the_qands_caiq_v31_choice_columns_yield_309_harvested_questions() -> None:
    result = harvest_shared(CAIQ_V31_QANDS)
    assert result.answered_rows == 309
    assert result.unanswered_rows == 1
    assert len(result.drafts) + len(result.alternates) == 309
    assert len({d.id for d in result.drafts}) == len(result.drafts)
    assert sum(d.answer == "N/A" for d in result.drafts) > 100


def test_a_drafts_tags_keep_its_rows_section_and_control_title() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Control Title", "Question", "Answer"])
    sheet.append(["Human resources", None, None, None])
    sheet.append(["HR-01", "Background Screening", "Do you screen new staff?", "Yes"])
    sheet.append(["HR-02", None, "Do staff take awareness training?", "Yes"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = harvest_workbook(buffer.getvalue(), source_name="acme.xlsx", bank={}, matcher=None)

    assert [d.tags for d in result.drafts] == [
        ("harvested", "Human resources", "Background Screening"),
        ("harvested", "Human resources"),
    ]
