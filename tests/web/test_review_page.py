"""The review page: rows with their actions, fragments for the script, sign-off and downloads."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database
from app.models import User
from app.services import accounts
from tests.services.test_review import seed
from tests.web.test_login import log_in, page_token


@pytest.fixture
def reviewing(client: TestClient, database: Database, settings: Settings, make_user):  # type: ignore[no-untyped-def]
    """A logged-in reviewer with one seeded questionnaire of their own."""
    username, password = make_user("vera", "reviewer")
    with database.session() as db_session:
        from sqlmodel import select

        user = db_session.exec(select(User).where(User.username == username)).one()
        principal = accounts.principal_for_user(user)
    questionnaire_id = seed(database, settings, principal)
    log_in(client, username, password)
    return questionnaire_id


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="row-(\d+)"', html)


def test_the_page_shows_every_row_with_progress_and_actions(
    client: TestClient, reviewing: str
) -> None:
    page = client.get(f"/questionnaires/{reviewing}")
    assert page.status_code == 200
    assert len(row_ids(page.text)) == 5
    assert "0 of 5 reviewed" in page.text
    assert 'id="accept-auto"' in page.text and 'id="signoff"' in page.text
    assert re.search(r'id="signoff"[^>]*disabled', page.text), "sign-off waits for every row"
    assert 'name="choose" value="' in page.text, "runners-up are one click away"
    assert "server-timing" in page.headers


def test_a_row_action_answers_the_script_with_the_row_and_the_progress(
    client: TestClient, reviewing: str
) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    first = row_ids(client.get(f"/questionnaires/{reviewing}").text)[0]
    response = client.post(
        f"/questionnaires/{reviewing}/rows/{first}",
        data={"csrf_token": token, "action": "accept"},
        headers={"X-Vouch-Fragment": "1"},
    )
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="row-{first}"')
    assert "review-accepted" in response.text
    assert json.loads(response.headers["x-review-progress"])["decided"] == 1


def test_a_plain_form_post_redirects_back_to_the_row(client: TestClient, reviewing: str) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    page = client.get(f"/questionnaires/{reviewing}").text
    ids = row_ids(page)
    # The last row asks for an incident response plan; its runner-up answers "Yes, at least ...".
    runner_up = re.search(rf'form="act-{ids[4]}" name="choose" value="([^"]+)"', page)
    assert runner_up
    response = client.post(
        f"/questionnaires/{reviewing}/rows/{ids[4]}",
        data={"csrf_token": token, "choose": runner_up.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    after = client.get(f"/questionnaires/{reviewing}", params={"status": "chosen"}).text
    assert row_ids(after) == [ids[4]]
    rejected = client.post(
        f"/questionnaires/{reviewing}/rows/{ids[2]}",
        data={"csrf_token": token, "action": "reject"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"].endswith(f"#row-{ids[2]}")


def test_a_refused_action_returns_its_reason_to_the_script(
    client: TestClient, reviewing: str
) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    first = row_ids(client.get(f"/questionnaires/{reviewing}").text)[0]
    response = client.post(
        f"/questionnaires/{reviewing}/rows/{first}",
        data={"csrf_token": token, "action": "edit", "answer": "Perhaps"},
        headers={"X-Vouch-Fragment": "1"},
    )
    assert response.status_code == 422
    assert "not in this cell's list" in response.text


def test_row_actions_need_the_csrf_token(client: TestClient, reviewing: str) -> None:
    first = row_ids(client.get(f"/questionnaires/{reviewing}").text)[0]
    response = client.post(f"/questionnaires/{reviewing}/rows/{first}", data={"action": "accept"})
    assert response.status_code == 403


def test_filters_narrow_the_rows(client: TestClient, reviewing: str) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    ids = row_ids(client.get(f"/questionnaires/{reviewing}").text)
    client.post(
        f"/questionnaires/{reviewing}/rows/{ids[0]}",
        data={"csrf_token": token, "action": "reject"},
    )
    rejected = client.get(f"/questionnaires/{reviewing}", params={"status": "rejected"})
    assert row_ids(rejected.text) == [ids[0]]
    none_band = client.get(f"/questionnaires/{reviewing}", params={"band": "none"})
    assert len(row_ids(none_band.text)) == 1


def test_the_whole_review_signs_off_and_downloads_from_the_page(
    client: TestClient, reviewing: str
) -> None:
    token = page_token(client, f"/questionnaires/{reviewing}")
    client.post(f"/questionnaires/{reviewing}/accept-auto", data={"csrf_token": token})
    page = client.get(f"/questionnaires/{reviewing}", params={"status": "pending"}).text
    for row_id in row_ids(page):
        client.post(
            f"/questionnaires/{reviewing}/rows/{row_id}",
            data={"csrf_token": token, "action": "reject"},
        )
    signed = client.post(
        f"/questionnaires/{reviewing}/signoff", data={"csrf_token": token}, follow_redirects=False
    )
    assert signed.status_code == 303
    page = client.get(f"/questionnaires/{reviewing}").text
    sha = re.search(r'id="signed-sha256">([0-9a-f]{64})<', page)
    assert sha and 'id="download-signed"' in page and 'id="reopen"' in page
    first = client.get(f"/questionnaires/{reviewing}/signed")
    second = client.get(f"/questionnaires/{reviewing}/signed")
    assert first.content == second.content
    assert first.headers["x-content-sha256"] == sha.group(1)
    log = client.get(f"/questionnaires/{reviewing}/log.csv")
    assert log.status_code == 200 and log.headers["content-type"].startswith("text/csv")
    assert client.get(f"/questionnaires/{reviewing}/log.xlsx").content[:2] == b"PK"


def test_entry_search_finds_approved_entries(client: TestClient, reviewing: str) -> None:
    found = client.get(f"/questionnaires/{reviewing}/entry-search", params={"q": "encrypt"}).json()
    assert found and all({"id", "question", "answer"} <= set(e) for e in found)
    assert client.get(f"/questionnaires/{reviewing}/entry-search", params={"q": ""}).json() == []


def test_a_row_id_beyond_64_bits_is_a_client_error_not_a_crash(client, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_login import admin_password, log_in, page_token

    log_in(client, "admin", admin_password(settings))
    token = page_token(client)
    response = client.post(
        f"/questionnaires/{'0' * 32}/rows/{2**70}",
        data={"csrf_token": token, "action": "accept"},
    )
    assert 400 <= response.status_code < 500


def test_a_rows_section_is_shown_above_its_question(
    client: TestClient, reviewing: str, database: Database
) -> None:
    from sqlmodel import select

    from app.models import QuestionRow

    with database.session(write=True) as db_session:
        first = db_session.exec(
            select(QuestionRow)
            .where(QuestionRow.questionnaire_id == reviewing)
            .order_by(QuestionRow.position)  # type: ignore[arg-type]
        ).first()
        assert first is not None
        first.context = "Business Continuity <Management>"
        db_session.add(first)
    page = client.get(f"/questionnaires/{reviewing}")
    assert '<small class="context">Business Continuity &lt;Management&gt;</small>' in page.text
    assert page.text.count('class="context"') == 1


def test_identity_rows_come_from_the_profile_and_a_missing_fact_links_to_it(
    client: TestClient, settings: Settings
) -> None:
    import io

    import openpyxl

    from tests.web.test_login import admin_password
    from tests.web.test_mapping import upload_page

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Vendor"
    sheet.append(["ID", "Question", "Answer", "Notes"])
    sheet.append(["V-1", "Solution Provider Name", None, None])
    sheet.append(["V-2", "Solution Provider Contact Email", None, None])
    sheet.append(["V-3", "Is customer data encrypted at rest?", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    log_in(client, "admin", admin_password(settings))
    page = client.get(f"/questionnaires/{upload_page(client, buffer.getvalue())}").text
    name_row = page[page.index("Solution Provider Name") :]
    assert "From the profile: company." in name_row and "Example Co" in name_row
    email_row = page[page.index("Solution Provider Contact Email") :]
    assert "Add it to the profile" in email_row
    assert 'class="add-to-profile" href="http://testserver/bank/profile"' in email_row


def test_a_prefilled_answer_is_shown_and_an_unwritten_decision_is_listed_after_sign_off(
    client: TestClient, database: Database, settings: Settings, make_user
) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from tests.services.test_signoff import prefilled_questionnaire

    username, password = make_user("vera", "reviewer")
    with database.session() as db_session:
        user = db_session.exec(select(User).where(User.username == username)).one()
        principal = accounts.principal_for_user(user)
    questionnaire_id = seed(database, settings, principal, prefilled_questionnaire())
    log_in(client, username, password)
    page = client.get(f"/questionnaires/{questionnaire_id}").text
    assert re.search(r"The customer's file already says <strong>Yes</strong>", page)
    assert 'value="keep"' in page
    token = page_token(client, f"/questionnaires/{questionnaire_id}")
    ids = row_ids(page)
    decisions = [
        {"action": "edit", "answer": "No"},
        {"action": "keep"},
        *[{"action": "edit", "answer": "Yes"}] * 3,
    ]
    for row_id, decision in zip(ids, decisions, strict=True):
        done = client.post(
            f"/questionnaires/{questionnaire_id}/rows/{row_id}",
            data={"csrf_token": token, **decision},
            headers={"X-Vouch-Fragment": "1"},
        )
        assert done.status_code == 200, done.text
    signed = client.post(
        f"/questionnaires/{questionnaire_id}/signoff",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get(f"/questionnaires/{questionnaire_id}").text
    listed = re.search(r'<div id="not-written".*?</div>', page, re.S)
    assert listed and "row 6 (edited): not written: " in listed.group(0)


def test_a_decision_on_a_row_someone_decided_meanwhile_shows_what_it_is_now(
    client: TestClient, reviewing: str
) -> None:
    page = client.get(f"/questionnaires/{reviewing}").text
    token = page_token(client, f"/questionnaires/{reviewing}")
    first = row_ids(page)[0]
    seen = re.search(rf'id="act-{first}".*?name="version" value="(\d+)"', page, re.S)
    assert seen, "the row's form sends the version the reviewer saw"
    assert page.count('class="row-version"') == 3, "and so do the edit, flag and search dialogs"
    url = f"/questionnaires/{reviewing}/rows/{first}"
    decided = client.post(
        url, data={"csrf_token": token, "action": "accept", "version": seen.group(1)}
    )
    assert decided.status_code == 200
    late = {"csrf_token": token, "action": "reject", "version": seen.group(1)}
    fragment = client.post(url, data=late, headers={"X-Vouch-Fragment": "1"})
    assert fragment.status_code == 409
    assert "it is now accepted" in fragment.text and "by vera" in fragment.text
    plain = client.post(url, data=late, follow_redirects=False)
    assert plain.status_code == 409 and "it is now accepted" in plain.text
    rejected = client.get(f"/questionnaires/{reviewing}", params={"status": "rejected"}).text
    assert row_ids(rejected) == [], "the stale decision changed nothing"


def page_links(html: str) -> dict[str, str]:
    """Return the pager's previous and next links, unescaped."""
    found = re.findall(r'id="(previous-page|next-page)" href="([^"]+)"', html)
    return {name: href.replace("&amp;", "&") for name, href in found}


@pytest.fixture
def reviewing_many(client: TestClient, database: Database, settings: Settings, make_user):  # type: ignore[no-untyped-def]
    """A logged-in reviewer with a 450-row questionnaire of their own: three pages."""
    from sqlmodel import select

    from tests.services.test_review import QUESTIONS, small_questionnaire

    username, password = make_user("vera", "reviewer")
    with database.session() as db_session:
        user = db_session.exec(select(User).where(User.username == username)).one()
        principal = accounts.principal_for_user(user)
    questions = tuple(f"{QUESTIONS[i % len(QUESTIONS)]} ({i})" for i in range(450))
    questionnaire_id = seed(database, settings, principal, small_questionnaire(questions))
    log_in(client, username, password)
    return questionnaire_id


def test_a_large_questionnaire_is_shown_a_page_at_a_time_and_signed_whole(
    client: TestClient, database: Database, reviewing_many: str
) -> None:
    from sqlmodel import select

    from app.models import QuestionRow
    from app.web.review import PAGE_SIZE

    url = f"/questionnaires/{reviewing_many}"
    first = client.get(url).text
    assert PAGE_SIZE == 200 and len(row_ids(first)) == PAGE_SIZE
    assert "450 of 450 rows · showing 1–200" in first and "0 of 450 reviewed" in first
    assert set(page_links(first)) == {"next-page"}
    second = client.get(page_links(first)["next-page"]).text
    assert len(row_ids(second)) == PAGE_SIZE and not set(row_ids(second)) & set(row_ids(first))
    assert "showing 201–400" in second and set(page_links(second)) == {"previous-page", "next-page"}
    third = client.get(page_links(second)["next-page"]).text
    assert len(row_ids(third)) == 50 and set(page_links(third)) == {"previous-page"}
    back = client.get(page_links(third)["previous-page"]).text
    assert row_ids(back) == row_ids(second)
    seen = row_ids(first) + row_ids(second) + row_ids(third)
    assert len(set(seen)) == 450, "the pages cover every row once"

    narrowed = client.get(url, params={"status": "pending", "sheet": "Security"}).text
    onward = page_links(narrowed)["next-page"]
    assert "status=pending" in onward and "sheet=Security" in onward, "filters are kept"
    assert "showing 201–400" in client.get(onward).text

    # Decide every row, most of them off the pages on screen, then sign off from the first page.
    token = page_token(client, url)
    client.post(f"{url}/accept-auto", data={"csrf_token": token})
    with database.session(write=True) as db_session:
        for row in db_session.exec(
            select(QuestionRow).where(
                QuestionRow.questionnaire_id == reviewing_many,
                QuestionRow.review_status == "pending",
            )
        ):
            row.review_status = "rejected"
            db_session.add(row)
    page = client.get(url).text
    assert "450 of 450 reviewed" in page
    signed = client.post(f"{url}/signoff", data={"csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    log = client.get(f"{url}/log.csv").content.decode("utf-8-sig").splitlines()
    assert len(log) == 1 + 450, "the signed log covers every row, not only a page"


def test_a_50000_row_questionnaire_page_holds_one_page_of_rows(
    client: TestClient, database: Database, reviewing: str
) -> None:
    from sqlalchemy import insert
    from sqlmodel import select

    from app.models import QuestionRow

    with database.session(write=True) as db_session:
        model = db_session.exec(
            select(QuestionRow).where(QuestionRow.questionnaire_id == reviewing)
        ).first()
        assert model is not None
        template = model.model_dump(exclude={"id"})
        db_session.execute(
            insert(QuestionRow),
            [
                {**template, "position": 5 + n, "row": 1_000 + n, "question": f"Question {n}?"}
                for n in range(50_000 - 5)
            ],
        )
    page = client.get(f"/questionnaires/{reviewing}")
    assert page.status_code == 200
    assert len(row_ids(page.text)) == 200
    assert "50000 of 50000 rows · showing 1–200" in page.text
    assert len(page.content) < 1_000_000, "a page of rows, not the questionnaire"
    last = client.get(f"/questionnaires/{reviewing}", params={"after": 49_799}).text
    assert len(row_ids(last)) == 200 and "showing 49801–50000" in last
    assert set(page_links(last)) == {"previous-page"}
