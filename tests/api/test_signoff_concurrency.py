"""A sign-off's long fill holds no lock: uploads and decisions go on meanwhile, none is lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.config import Settings
from app.db import Database
from app.models import Questionnaire, QuestionRow
from app.services import accounts, review
from tests.conftest import bearer
from tests.services.test_review import seed, small_questionnaire
from tests.sharedfiles import HECVAT, raw

# Generous: the fill of a large workbook on a busy machine; the test fails, not hangs, past it.
OVERLAP_SECONDS = 90


def _decide_every_row(database: Database, questionnaire_id: str, reviewer: str) -> int:
    """Decide a large questionnaire the quick way, as a long review would have left it."""
    with database.session(write=True) as db_session:
        rows = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == questionnaire_id)
        ).all()
        for row in rows:
            if review.prefilled(row):
                row.review_status = "kept"
            elif review.answer_fits(row):
                row.review_status = "accepted"
            else:
                row.review_status = "rejected"
            row.reviewed_by = reviewer
            db_session.add(row)
        return len(rows)


def test_a_slow_sign_off_neither_blocks_nor_loses_concurrent_uploads_and_decisions(
    client: TestClient, database: Database, settings: Settings, make_key, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    content = raw(HECVAT).read_bytes()
    reviewer_secret = make_key("reviewer", "signer")
    responder_secret = make_key("responder", "uploader")
    with database.session() as db_session:
        key = accounts.authenticate_api_key(db_session=db_session, secret=reviewer_secret)
        assert key is not None
        signer = accounts.principal_for_key(key)
    big = seed(database, settings, signer, content)
    total = _decide_every_row(database, big, signer.ref)
    assert total > 200, "a large workbook makes a long fill"
    other = seed(database, settings, signer, small_questionnaire())

    filling, others_done = threading.Event(), threading.Event()
    overlapped: list[bool] = []
    real_fill = review.fill_signoff

    def slow_fill(**kwargs: Any) -> Any:
        filling.set()
        result = real_fill(**kwargs)
        # Hold the fill open until the other clients are through; with a lock held they never are.
        overlapped.append(others_done.wait(OVERLAP_SECONDS))
        return result

    monkeypatch.setattr(review, "fill_signoff", slow_fill)
    reviewer, responder = bearer(reviewer_secret), bearer(responder_secret)
    responses: list[Any] = []

    def sign() -> Any:
        return client.post(f"/api/v1/questionnaires/{big}/signoff", headers=reviewer)

    def others() -> list[Any]:
        assert filling.wait(OVERLAP_SECONDS), "the sign-off never reached its fill"
        done = []
        try:
            for name in ("first.xlsx", "second.xlsx"):
                done.append(
                    client.post(
                        "/api/v1/questionnaires",
                        files={"file": (name, small_questionnaire(), "application/octet-stream")},
                        headers=responder,
                    )
                )
            for position in range(5):
                done.append(
                    client.post(
                        f"/api/v1/questionnaires/{other}/rows/{position}",
                        json={"action": "flag", "comment": f"expert look {position}"},
                        headers=reviewer,
                    )
                )
        finally:
            others_done.set()
        return done

    with ThreadPoolExecutor(max_workers=2) as pool:
        signing = pool.submit(sign)
        rest = pool.submit(others)
        responses = [signing.result(), *rest.result()]

    problems = [
        (r.request.url.path, r.status_code, r.text[:200])
        for r in responses
        if r.status_code >= 500 or "database is locked" in r.text
    ]
    assert problems == []
    assert responses[0].status_code == 200, responses[0].text
    assert overlapped == [True], "uploads and decisions waited for the sign-off's fill"
    assert [r.status_code for r in responses[1:3]] in (
        [201, 201],
        [201, 202],
        [202, 201],
        [202, 202],
    )
    assert all(r.status_code == 200 for r in responses[3:])
    with database.session() as db_session:
        flagged = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == other)
        ).all()
        assert sorted(r.review_comment or "" for r in flagged) == [
            f"expert look {n}" for n in range(5)
        ], "no decision was lost"
        signed = db_session.get(Questionnaire, big)
        assert signed is not None and signed.status == "signed"
        uploads = db_session.exec(
            select(Questionnaire).where(Questionnaire.filename.in_(["first.xlsx", "second.xlsx"]))  # type: ignore[attr-defined]
        ).all()
        assert len(uploads) == 2
    log = client.get(f"/api/v1/questionnaires/{big}/log", headers=reviewer).json()["items"]
    assert len(log) == total and all("written" in entry for entry in log)


@pytest.fixture(autouse=True)
def _short_sync_wait(settings: Settings) -> None:
    # The uploads need not wait for their fill to prove anything here.
    settings.sync_wait_seconds = 0.5
