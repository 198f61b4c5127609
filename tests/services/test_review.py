"""Review and sign-off: every row decided by a person, one signed workbook, and what the bank learns."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session, select

from app.config import Settings
from app.db import Database
from app.models import AuditEvent, BankEntry, BankEntryVersion, Questionnaire, QuestionRow, SignOff
from app.services import accounts, jobs, questionnaires, review
from app.services import bank as bank_service
from app.services.accounts import Principal

QUESTIONS = (
    "Do you enforce multi-factor authentication for remote access?",
    "Is customer data encrypted at rest?",
    "Do you test your AI features for safety, accuracy and security before release?",
    "Zorbly quaxing flimble snargs?",
    "Do you have a documented incident response plan?",
)


def small_questionnaire(questions: tuple[str, ...] = QUESTIONS, *, listed: bool = True) -> bytes:
    """Build a one-sheet questionnaire with a Yes/No/NA dropdown (unless not `listed`) and notes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Security"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    for number, question in enumerate(questions, 1):
        sheet.append([f"Q-{number}", question, None, None])
    if listed:
        dropdown = DataValidation(type="list", formula1='"Yes,No,NA"')
        sheet.add_data_validation(dropdown)
        dropdown.add(f"C2:C{len(questions) + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Desk:
    """A database with the approved bank, an uploader, a reviewer and one uploaded questionnaire."""

    database: Database
    settings: Settings
    uploader: Principal
    reviewer: Principal
    questionnaire_id: str

    def session(self) -> Session:
        return self.database.session(write=True)  # type: ignore[return-value]

    def run(self, work: Callable[[Session, Questionnaire], object]) -> object:
        """Run work on the questionnaire in one committed transaction."""
        with self.database.session(write=True) as db_session:
            questionnaire = db_session.get(Questionnaire, self.questionnaire_id)
            assert questionnaire is not None
            return work(db_session, questionnaire)

    def rows(self) -> list[QuestionRow]:
        with self.database.session() as db_session:
            return review.rows(db_session=db_session, questionnaire_id=self.questionnaire_id)

    def act(
        self, position: int, action: str, principal: Principal | None = None, **fields: str
    ) -> QuestionRow:
        def work(db_session: Session, questionnaire: Questionnaire) -> QuestionRow:
            row = review.row_at(
                db_session=db_session, questionnaire=questionnaire, position=position
            )
            return review.act(
                db_session=db_session,
                principal=principal or self.reviewer,
                questionnaire=questionnaire,
                row=row,
                action=action,
                **fields,
            )

        result = self.run(work)
        assert isinstance(result, QuestionRow)
        return result


def _principal(db_session: Session, name: str, role: str) -> Principal:
    user = accounts.create_user(
        db_session=db_session,
        username=name,
        password=f"{name}-password-123",
        role=role,
        actor="test",
    )
    return accounts.principal_for_user(user)


def seed(
    database: Database, settings: Settings, owner: Principal, content: bytes | None = None
) -> str:
    """Upload one questionnaire (the small one by default), process it as a worker does, return its id."""
    with database.session(write=True) as db_session:
        questionnaire, _ = questionnaires.accept(
            db_session=db_session,
            principal=owner,
            filename="acme.xlsx",
            content=content or small_questionnaire(),
            settings=settings,
        )
    # An app under test may run workers of its own: take the job if none has, else wait for it.
    deadline = time.monotonic() + 60
    while True:
        claimed = jobs.claim(database=database, settings=settings, owner="test")
        if claimed is not None:
            jobs.run(database=database, claim=claimed, settings=settings)
        with database.session() as db_session:
            status = db_session.get(Questionnaire, questionnaire.id).status  # type: ignore[union-attr]
        if status not in ("queued", "running"):
            assert status == "needs_review", status
            return questionnaire.id
        assert time.monotonic() < deadline, "the questionnaire was not processed within a minute"
        time.sleep(0.05)


@pytest.fixture
def desk(bootstrapped: Database, settings: Settings) -> Iterator[Desk]:
    database = bootstrapped
    bank_service.matchers.clear()
    with database.session(write=True) as db_session:
        uploader = _principal(db_session, "rita", "responder")
        reviewer = _principal(db_session, "vera", "reviewer")
    questionnaire_id = seed(database, settings, uploader)
    yield Desk(database, settings, uploader, reviewer, questionnaire_id)
    bank_service.matchers.clear()


def decide_everything(desk: Desk) -> None:
    """Accept what has an answer and reject the rest."""
    for row in desk.rows():
        desk.act(row.position, "accept" if row.answer else "reject")


def test_a_fresh_questionnaire_has_every_row_pending(desk: Desk) -> None:
    rows = desk.rows()
    assert [r.review_status for r in rows] == ["pending"] * len(QUESTIONS)
    done = review.progress_of(rows)
    assert (done.total, done.decided, done.pending, done.complete) == (5, 0, 5, False)


def test_accepting_a_row_records_who_and_when(desk: Desk) -> None:
    row = desk.act(0, "accept")
    assert row.review_status == "accepted"
    assert row.reviewed_by == desk.reviewer.ref and row.reviewed_at is not None
    assert review.progress_of(desk.rows()).decided == 1


def test_a_row_without_a_proposal_cannot_be_accepted(desk: Desk) -> None:
    carpets = next(r for r in desk.rows() if "flimble" in r.question)
    assert carpets.answer == ""
    with pytest.raises(review.ReviewInvalid, match="no proposed answer"):
        desk.act(carpets.position, "accept")


def test_choosing_another_entry_takes_its_answer_detail_and_version(desk: Desk) -> None:
    # The incident response plan's row; the reviewer picks the statement that the plan is
    # tested, which answers "Yes, at least annually".
    runner_up = "INC-TEST-01"
    assert desk.rows()[4].entry_id != runner_up
    chosen = desk.act(4, "choose", entry_id=runner_up)
    with desk.database.session() as db_session:
        entry = bank_service.get_entry(db_session=db_session, entry_id=runner_up)
        assert entry is not None
        assert chosen.entry_id == runner_up and chosen.review_status == "chosen"
        # The Yes/No/NA list holds "Yes, at least annually" as its "Yes".
        assert entry.answer.startswith("Yes,") and chosen.answer == "Yes"
        assert chosen.entry_version is not None and chosen.entry_version <= entry.version


def test_choosing_an_unknown_or_draft_entry_is_refused(desk: Desk) -> None:
    with pytest.raises(review.ReviewInvalid, match="no entry"):
        desk.act(0, "choose", entry_id="NOPE-1")
    with desk.database.session(write=True) as db_session:
        db_session.add(BankEntry(id="X-DRAFT-1", question="q?", answer="Yes", status="draft"))
    with pytest.raises(review.ReviewInvalid, match="only approved"):
        desk.act(0, "choose", entry_id="X-DRAFT-1")


def test_a_confirmed_match_teaches_the_entry_the_new_wording_once(desk: Desk) -> None:
    row = desk.rows()[0]
    assert row.entry_id
    with desk.database.session() as db_session:
        before = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id)
        assert before is not None and row.question not in before.alternates
        version, revision = before.version, bank_service.revision(db_session=db_session)
    desk.act(0, "accept")
    desk.act(0, "accept")
    with desk.database.session() as db_session:
        after = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id)
        assert after is not None
        assert after.alternates.count(row.question) == 1
        assert after.version == version + 1
        versions = bank_service.history(db_session=db_session, entry_id=row.entry_id)
        assert versions[0].reason == (
            f"alternate learned from questionnaire {desk.questionnaire_id} row {row.row}"
        )
        assert versions[0].snapshot["alternates"][-1] == row.question
        assert bank_service.revision(db_session=db_session) == revision + 1
        assert db_session.exec(
            select(AuditEvent).where(AuditEvent.action == "bank.alternate_learned")
        ).first()


def test_a_wording_the_entry_already_knows_is_not_learned_again(desk: Desk) -> None:
    row = desk.rows()[1]
    assert row.question == "Is customer data encrypted at rest?"
    with desk.database.session() as db_session:
        before = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id or "")
        assert before is not None and before.question == row.question
        version = before.version
    desk.act(1, "accept")
    with desk.database.session() as db_session:
        after = bank_service.get_entry(db_session=db_session, entry_id=row.entry_id or "")
        assert after is not None and (after.version, after.alternates) == (
            version,
            before.alternates,
        )


def test_editing_makes_a_draft_entry_and_leaves_the_approved_one_alone(desk: Desk) -> None:
    row = desk.rows()[0]
    base_id = row.entry_id
    assert base_id
    with desk.database.session() as db_session:
        base = bank_service.get_entry(db_session=db_session, entry_id=base_id)
        assert base is not None
        base_answer, base_version = base.answer, base.version
    edited = desk.act(0, "edit", answer="no", detail="Only for administrators.")
    assert edited.answer == "No", "the answer takes the dropdown's own spelling"
    assert edited.review_status == "edited" and edited.entry_id != base_id
    with desk.database.session() as db_session:
        draft = bank_service.get_entry(db_session=db_session, entry_id=edited.entry_id or "")
        assert draft is not None and draft.status == "draft"
        assert (draft.question, draft.answer, draft.detail) == (
            row.question,
            "No",
            "Only for administrators.",
        )
        base = bank_service.get_entry(db_session=db_session, entry_id=base_id)
        assert base is not None and (base.answer, base.version) == (base_answer, base_version)
    again = desk.act(0, "edit", answer="Yes", detail="For everyone.")
    assert again.entry_id == edited.entry_id and again.entry_version == 2


def test_an_edit_outside_the_dropdown_or_empty_is_refused(desk: Desk) -> None:
    with pytest.raises(review.ReviewInvalid, match="not in this cell's list"):
        desk.act(0, "edit", answer="Maybe", detail="")
    with pytest.raises(review.ReviewInvalid, match="needs a short answer"):
        desk.act(0, "edit", answer="  ", detail="something")
    assert desk.rows()[0].review_status == "pending"


def test_flagging_needs_a_comment_and_an_existing_assignee(desk: Desk) -> None:
    with pytest.raises(review.ReviewInvalid, match="say what"):
        desk.act(2, "flag", comment=" ")
    with pytest.raises(review.ReviewInvalid, match="no active user"):
        desk.act(2, "flag", comment="check with the AI team", assignee="nobody")
    row = desk.act(2, "flag", comment="check with the AI team", assignee="Rita")
    assert (row.review_status, row.review_comment, row.assignee) == (
        "flagged",
        "check with the AI team",
        "rita",
    )
    done = review.progress_of(desk.rows())
    assert (done.flagged, done.decided, done.complete) == (1, 0, False)


def test_an_unknown_action_is_refused(desk: Desk) -> None:
    with pytest.raises(review.ReviewInvalid, match="unknown action"):
        desk.act(0, "approve")


def test_a_viewer_may_not_review(desk: Desk) -> None:
    with desk.database.session(write=True) as db_session:
        viewer = _principal(db_session, "vic", "viewer")
    with pytest.raises(review.ReviewForbidden):
        desk.act(0, "accept", principal=viewer)


def test_accept_auto_accepts_only_undecided_auto_rows(desk: Desk) -> None:
    desk.act(0, "reject")
    accepted = desk.run(
        lambda s, q: review.accept_auto(db_session=s, principal=desk.reviewer, questionnaire=q)
    )
    rows = desk.rows()
    expected = [r for r in rows[1:] if r.band == "auto"]
    assert accepted == len(expected)
    assert rows[0].review_status == "rejected"
    assert all(r.review_status == "accepted" for r in expected)
    assert all(r.review_status == "pending" for r in rows if r.band != "auto" and r.position)


def test_an_answer_outside_the_cells_list_is_not_accepted_alone_or_in_bulk(desk: Desk) -> None:
    with desk.database.session(write=True) as db_session:
        row = db_session.exec(
            select(QuestionRow).where(
                QuestionRow.questionnaire_id == desk.questionnaire_id, QuestionRow.position == 1
            )
        ).one()
        row.answer, row.band = "Through tracked tickets", "auto"
        db_session.add(row)
    with pytest.raises(review.ReviewInvalid, match="not in this cell's list"):
        desk.act(1, "accept")
    desk.run(
        lambda s, q: review.accept_auto(db_session=s, principal=desk.reviewer, questionnaire=q)
    )
    assert desk.rows()[1].review_status == "pending"


def test_accepting_writes_the_answer_in_the_lists_own_spelling(desk: Desk) -> None:
    with desk.database.session(write=True) as db_session:
        row = db_session.exec(
            select(QuestionRow).where(
                QuestionRow.questionnaire_id == desk.questionnaire_id, QuestionRow.position == 0
            )
        ).one()
        row.answer = "yes"
        db_session.add(row)
    assert desk.act(0, "accept").answer == "Yes"


def signoff(desk: Desk, principal: Principal | None = None) -> object:
    return desk.run(
        lambda s, q: review.signoff(
            db_session=s,
            principal=principal or desk.reviewer,
            questionnaire=q,
            settings=desk.settings,
        )
    )


def signed_bytes(desk: Desk) -> tuple[bytes, str, str]:
    result = desk.run(
        lambda s, q: review.signed_workbook(db_session=s, principal=desk.reviewer, questionnaire=q)
    )
    assert isinstance(result, tuple)
    return result


def test_an_incomplete_questionnaire_cannot_be_signed(desk: Desk) -> None:
    desk.act(0, "accept")
    desk.act(3, "flag", comment="who knows carpets?")
    with pytest.raises(review.ReviewConflict, match="still need a decision"):
        signoff(desk)


def test_only_a_reviewer_may_sign_off(desk: Desk) -> None:
    decide_everything(desk)
    with pytest.raises(review.ReviewForbidden):
        signoff(desk, desk.uploader)


def test_four_eyes_refuses_the_uploader_as_signer(desk: Desk, database: Database) -> None:
    with database.session(write=True) as db_session:
        admin = _principal(db_session, "ada", "admin")
        questionnaire = db_session.get(Questionnaire, desk.questionnaire_id)
        assert questionnaire is not None
        questionnaire.owner = admin.ref
        db_session.add(questionnaire)
    decide_everything(desk)
    desk.settings = desk.settings.model_copy(update={"four_eyes": True})
    with pytest.raises(review.ReviewForbidden, match="four-eyes"):
        signoff(desk, admin)
    signoff(desk, desk.reviewer)


def test_signing_off_writes_decided_answers_once_and_every_download_is_identical(
    desk: Desk,
) -> None:
    rows = desk.rows()
    desk.act(0, "edit", answer="No", detail="Only for administrators.")
    desk.act(1, "reject")
    for row in rows[2:]:
        desk.act(row.position, "accept" if row.answer else "reject")
    record = signoff(desk)
    assert isinstance(record, SignOff)
    first, name, sha = signed_bytes(desk)
    second, _, _ = signed_bytes(desk)
    assert first == second
    assert hashlib.sha256(first).hexdigest() == sha == record.sha256
    assert name == "acme-signed-r1.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(first))["Security"]
    assert (sheet["C2"].value, sheet["D2"].value) == ("No", "Only for administrators.")
    assert sheet["C3"].value is None and sheet["D3"].value is None, "a rejected row stays blank"
    for row in rows[2:]:
        expected = row.answer if row.answer else None
        assert sheet[row.answer_cell].value == expected
    with desk.database.session() as db_session:
        questionnaire = db_session.get(Questionnaire, desk.questionnaire_id)
        assert questionnaire is not None and questionnaire.status == "signed"


def test_a_signed_questionnaire_is_frozen_until_reopened_as_a_new_revision(desk: Desk) -> None:
    decide_everything(desk)
    signoff(desk)
    first, _, first_sha = signed_bytes(desk)
    with pytest.raises(review.ReviewConflict, match="signed off"):
        desk.act(0, "reject")
    with pytest.raises(review.ReviewConflict):
        signoff(desk)
    revision = desk.run(
        lambda s, q: review.reopen(db_session=s, principal=desk.reviewer, questionnaire=q)
    )
    assert revision == 2
    with pytest.raises(review.ReviewConflict, match="not signed off"):
        signed_bytes(desk)
    desk.act(0, "reject")
    signoff(desk)
    second, name, second_sha = signed_bytes(desk)
    assert name.endswith("-signed-r2.xlsx") and second_sha != first_sha
    with desk.database.session() as db_session:
        history = review.signoffs(db_session=db_session, questionnaire_id=desk.questionnaire_id)
        assert [(h.revision, h.sha256) for h in history] == [(2, second_sha), (1, first_sha)]
        assert history[1].reopened_by == desk.reviewer.ref


def test_the_signed_download_refuses_bytes_that_no_longer_match_the_hash(desk: Desk) -> None:
    from app.models import StoredBlob

    decide_everything(desk)
    record = signoff(desk)
    assert isinstance(record, SignOff)
    with desk.database.session(write=True) as db_session:
        blob = db_session.get(StoredBlob, record.file_id)
        assert blob is not None
        blob.content = bytes(blob.content) + b"tampered"
        db_session.add(blob)
    with pytest.raises(review.ReviewConflict, match="no longer matches"):
        signed_bytes(desk)


def test_the_review_log_says_who_answered_what_from_which_entry_version(desk: Desk) -> None:
    desk.act(0, "accept")
    desk.act(1, "reject")
    desk.act(3, "flag", comment='=HYPERLINK("http://evil")')
    entries = desk.run(lambda s, q: review.review_log(db_session=s, questionnaire=q))
    assert isinstance(entries, list)
    first = entries[0]
    assert first["decision"] == "accepted" and first["reviewed_by"] == "vera"
    assert first["entry_id"] and first["entry_version"] and first["answer"] in ("Yes", "No", "NA")
    assert entries[1]["answer"] == "" and entries[1]["decision"] == "rejected"
    table = list(csv.reader(io.StringIO(review.log_csv(entries).decode("utf-8-sig"))))
    assert table[0][:6] == ["Row", "Sheet", "Question ID", "Question", "Decision", "Answer given"]
    assert table[4][11] == '\'=HYPERLINK("http://evil")', "a formula stays text"
    workbook = openpyxl.load_workbook(io.BytesIO(review.log_xlsx(entries)))
    sheet = workbook["Review log"]
    assert sheet["L5"].value == '\'=HYPERLINK("http://evil")'
    assert sheet["A2"].value == str(desk.rows()[0].row)


def test_the_signed_log_is_a_snapshot_taken_at_sign_off(desk: Desk) -> None:
    decide_everything(desk)
    signoff(desk)
    with desk.database.session(write=True) as db_session:
        row = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == desk.questionnaire_id)
        ).first()
        assert row is not None
        row.answer = "tampered later"
        db_session.add(row)
    entries = desk.run(lambda s, q: review.review_log(db_session=s, questionnaire=q))
    assert isinstance(entries, list)
    assert "tampered later" not in {e["answer"] for e in entries}


def test_curators_can_see_which_questionnaires_used_an_entry_and_its_version(desk: Desk) -> None:
    accepted = desk.act(0, "accept")
    with desk.database.session() as db_session:
        usage = review.entry_usage(db_session=db_session, entry_id=accepted.entry_id or "")
        assert [(q.id, r.position, r.entry_version) for q, r in usage] == [
            (desk.questionnaire_id, 0, accepted.entry_version)
        ]
        versions = db_session.exec(select(BankEntryVersion)).all()
        assert versions


def test_accepting_a_qualified_answer_writes_the_lists_word_and_keeps_the_qualifier(
    desk: Desk,
) -> None:
    with desk.database.session(write=True) as db_session:
        row = db_session.exec(
            select(QuestionRow).where(
                QuestionRow.questionnaire_id == desk.questionnaire_id, QuestionRow.position == 0
            )
        ).one()
        row.answer, row.detail = "Yes, at least annually", "Reviewed by the CISO."
        db_session.add(row)
    accepted = desk.act(0, "accept")
    assert (accepted.answer, accepted.detail) == (
        "Yes",
        "Yes, at least annually. Reviewed by the CISO.",
    )


def test_an_open_question_takes_a_bare_yes_or_nos_detail_as_its_answer(
    bootstrapped: Database, settings: Settings
) -> None:
    # "Who is your data center provider?" answered "No" reads as a refusal; the statement's
    # detail names the provider. Proposed and chosen alike, the detail is the answer.
    bank_service.matchers.clear()
    with bootstrapped.session(write=True) as db_session:
        uploader = _principal(db_session, "rita", "responder")
        reviewer = _principal(db_session, "vera", "reviewer")
    content = small_questionnaire(
        ("Who is your data center provider?", "Do you operate your own data centers?"),
        listed=False,
    )
    desk = Desk(
        bootstrapped,
        settings,
        uploader,
        reviewer,
        seed(bootstrapped, settings, uploader, content),
    )
    with bootstrapped.session() as db_session:
        entry = bank_service.get_entry(db_session=db_session, entry_id="PHY-DC-01")
        assert entry is not None and entry.answer == "No"
    open_row, closed_row = desk.rows()
    assert closed_row.entry_id == "PHY-DC-01" and closed_row.answer == "No"
    assert open_row.entry_id == "PHY-DC-01" and open_row.answer == closed_row.detail
    assert "runs on Amazon Web Services" in open_row.answer and open_row.detail == ""
    # A reviewer picking the statement by hand gets the same answer.
    desk.act(open_row.position, "reject")
    chosen = desk.act(open_row.position, "choose", entry_id="PHY-DC-01")
    assert (chosen.answer, chosen.detail) == (open_row.answer, "")
    bank_service.matchers.clear()
