"""Sign-off of a pre-filled workbook: what is signed is exactly what the reviewer decided."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation

from app.config import Settings
from app.db import Database
from app.models import Questionnaire, SignOff
from app.services import bank as bank_service
from app.services import bank_transfer, review
from tests.services.test_review import QUESTIONS, Desk, _principal, seed, signed_bytes, signoff


def prefilled_questionnaire() -> bytes:
    """The small questionnaire as a customer sends it back a year later: some answers already in."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    for number, question in enumerate(QUESTIONS, 1):
        sheet.append([f"Q-{number}", question, None, None])
    sheet["C2"] = "Yes"  # last year's answer; the reviewer will change it to No
    sheet["D2"] = "Last year's note."
    sheet["C3"] = "No"  # last year's answer; the reviewer will keep it
    # A protected sheet where the last answer cell stays locked: nothing may be written there.
    sheet.protection.sheet = True
    for row in range(2, len(QUESTIONS) + 1):
        for column in "CD":
            sheet[f"{column}{row}"].protection = Protection(locked=False)
    dropdown = DataValidation(type="list", formula1='"Yes,No,NA"')
    sheet.add_data_validation(dropdown)
    dropdown.add(f"C2:C{len(QUESTIONS) + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def prefilled(database: Database, settings: Settings) -> Iterator[Desk]:
    bank_service.matchers.clear()
    with database.session(write=True) as db_session:
        bank_transfer.import_directory(
            db_session=db_session, directory=settings.bank_dir, actor="test"
        )
        uploader = _principal(db_session, "rita", "responder")
        reviewer = _principal(db_session, "vera", "reviewer")
    questionnaire_id = seed(database, settings, uploader, prefilled_questionnaire())
    yield Desk(database, settings, uploader, reviewer, questionnaire_id)
    bank_service.matchers.clear()


def cell_value(sheet: Any, ref: str | None) -> str | None:
    if ref is None:
        return None
    value = sheet[ref].value
    return None if value is None else str(value)


def assert_signed_file_agrees_with_log(desk: Desk, entries: list[dict[str, Any]]) -> None:
    """Open the signed file and check every row against what the sealed log says of it."""
    content, _, _ = signed_bytes(desk)
    signed = openpyxl.load_workbook(io.BytesIO(content))["Security"]
    original = openpyxl.load_workbook(io.BytesIO(prefilled_questionnaire()))["Security"]
    cells = {(r.sheet, r.row): r for r in desk.rows()}
    assert len(entries) == len(cells)
    for entry in entries:
        row = cells[(entry["sheet"], entry["row"])]
        now, before = cell_value(signed, row.answer_cell), cell_value(original, row.answer_cell)
        where = f"row {entry['row']}: {entry}"
        if entry["written"]:
            assert entry["decision"] in review.WRITES_ANSWER, where
            assert now == entry["answer"], where
            assert cell_value(signed, row.detail_cell) == (entry["detail"] or None), where
        elif entry["decision"] == "kept":
            assert now == before == entry["answer"] == entry["customer_answer"], where
            assert entry["write_note"] == review.KEPT_NOTE, where
        else:
            assert now == before, where
            assert cell_value(signed, row.detail_cell) == cell_value(original, row.detail_cell)
            if entry["decision"] == "rejected":
                assert now is None and entry["answer"] == "", where
            else:
                assert entry["write_note"].startswith("not written: "), where


def test_a_prefilled_answer_is_shown_before_sign_off(prefilled: Desk) -> None:
    rows = prefilled.rows()
    assert [review.prefilled(r) for r in rows] == ["Yes", "No", None, None, None]
    log = prefilled.run(lambda s, q: review.review_log(db_session=s, questionnaire=q))
    assert isinstance(log, list)
    assert log[0]["customer_answer"] == "Yes"


def test_rejecting_a_prefilled_row_is_refused_and_bulk_accept_leaves_it_alone(
    prefilled: Desk,
) -> None:
    with pytest.raises(review.ReviewInvalid, match="already says 'Yes'"):
        prefilled.act(0, "reject")
    prefilled.run(
        lambda s, q: review.accept_auto(db_session=s, principal=prefilled.reviewer, questionnaire=q)
    )
    assert [r.review_status for r in prefilled.rows()][:2] == ["pending", "pending"]
    with pytest.raises(review.ReviewInvalid, match="no answer in this row to keep"):
        prefilled.act(3, "keep")


def test_the_signed_file_holds_every_decision_the_sealed_log_records(prefilled: Desk) -> None:
    rows = prefilled.rows()
    prefilled.act(0, "edit", answer="No", detail="Only for administrators.")
    prefilled.act(1, "keep")
    for row in rows[2:]:
        prefilled.act(row.position, "reject" if row.position == 3 else "edit", answer="Yes")

    record = signoff(prefilled)

    assert isinstance(record, SignOff)
    log = record.review_log
    assert_signed_file_agrees_with_log(prefilled, log)
    by_row = {e["row"]: e for e in log}
    assert (by_row[2]["decision"], by_row[2]["answer"], by_row[2]["written"]) == (
        "edited",
        "No",
        True,
    ), "the reviewer's No replaces last year's Yes"
    assert (by_row[3]["decision"], by_row[3]["answer"]) == ("kept", "No")
    assert by_row[6]["written"] is False
    assert (
        by_row[6]["write_note"].startswith("not written: ") and "locked" in by_row[6]["write_note"]
    )
    assert [(n["row"], n["decision"]) for n in review.not_written(log)] == [(6, "edited")]
    assert {row.row: row.write_note for row in prefilled.rows()}[6] == by_row[6]["write_note"]


def test_a_decision_changed_during_the_fill_signs_nothing(prefilled: Desk) -> None:
    prefilled.act(0, "keep")
    prefilled.act(1, "keep")
    for row in prefilled.rows()[2:]:
        prefilled.act(row.position, "edit", answer="Yes")

    def plan(s: Any, q: Any) -> review.SignoffPlan:
        return review.plan_signoff(
            db_session=s, principal=prefilled.reviewer, questionnaire=q, settings=prefilled.settings
        )

    planned = prefilled.run(plan)
    assert isinstance(planned, review.SignoffPlan)
    result = review.fill_signoff(plan=planned, settings=prefilled.settings)
    prefilled.act(4, "edit", answer="No")
    with pytest.raises(review.ReviewConflict, match="changed while"):
        prefilled.run(
            lambda s, q: review.complete_signoff(
                db_session=s,
                principal=prefilled.reviewer,
                questionnaire=q,
                plan=planned,
                result=result,
                settings=prefilled.settings,
            )
        )
    with prefilled.database.session() as db_session:
        questionnaire = db_session.get(Questionnaire, prefilled.questionnaire_id)
        assert questionnaire is not None and questionnaire.status == "needs_review"
        assert review.signoffs(db_session=db_session, questionnaire_id=questionnaire.id) == []
