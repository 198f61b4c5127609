"""The curator's pages: search, edit with versions and 409, restore, freshness, conflicts, variables, drafts, harvest."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.web.test_login import log_in, page_token


def curator(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    log_in(client, *make_user("carol", "curator"))


def version_of(client: TestClient, entry_id: str) -> int:
    page = client.get(f"/bank/entries/{entry_id}").text
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match
    return int(match.group(1))


def edit_form(client: TestClient, entry_id: str, **changes: str) -> dict[str, str]:
    page = client.get(f"/bank/entries/{entry_id}").text
    form: dict[str, str] = {"csrf_token": page_token(client, f"/bank/entries/{entry_id}")}
    for name in ("answer", "owner", "reviewed", "review_every_days", "tags"):
        found = re.search(rf'<input name="{name}" value="([^"]*)"', page)
        form[name] = found.group(1).replace("&amp;", "&") if found else ""
    for name in ("question", "alternates", "detail", "refs"):
        found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        form[name] = found.group(1).replace("&#39;", "'").replace("&amp;", "&") if found else ""
    form["version"] = str(version_of(client, entry_id))
    form.update(changes)
    return form


def test_the_bank_page_searches_and_filters(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    page = client.get("/bank", params={"q": "tenant", "tag": "identity"})
    assert page.status_code == 200
    assert "IAM-CUST-01" in page.text and "RET-" not in page.text
    assert client.get("/bank", params={"stale": "1"}).status_code == 200
    assert client.get("/bank", params={"conflicts": "1"}).status_code == 200


def test_editing_saves_a_version_and_a_stale_form_gets_409(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    first = edit_form(client, "IAM-CUST-01", answer="No", reason="support access paused")
    saved = client.post("/bank/entries/IAM-CUST-01/edit", data=first, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert version_of(client, "IAM-CUST-01") == 2
    stale = client.post("/bank/entries/IAM-CUST-01/edit", data={**first, "answer": "Partly"})
    assert stale.status_code == 409
    assert "Current version 2" in stale.text and "not saved" in stale.text
    page = client.get("/bank/entries/IAM-CUST-01").text
    assert "support access paused" in page and "Partly" not in page


def test_preview_renders_the_detail_without_saving(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    form = edit_form(client, "IAM-CUST-01", detail="{{ company }} checks it.", action="preview")
    preview = client.post("/bank/entries/IAM-CUST-01/edit", data=form)
    assert preview.status_code == 200 and "Example Co checks it." in preview.text
    broken = client.post(
        "/bank/entries/IAM-CUST-01/edit", data={**form, "detail": "{{ nobody }}", "action": "save"}
    )
    assert broken.status_code == 422 and "unknown variable" in broken.text
    assert version_of(client, "IAM-CUST-01") == 1


def test_a_version_can_be_restored_and_an_entry_retired(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    client.post(
        "/bank/entries/IAM-CUST-01/edit", data=edit_form(client, "IAM-CUST-01", answer="No")
    )
    token = page_token(client, "/bank/entries/IAM-CUST-01")
    restored = client.post(
        "/bank/entries/IAM-CUST-01/restore",
        data={"csrf_token": token, "version": "2", "restore": "1"},
        follow_redirects=False,
    )
    assert restored.status_code == 303
    page = client.get("/bank/entries/IAM-CUST-01").text
    assert "restored version 1" in page and "<strong>Yes</strong>" in page
    retired = client.post(
        "/bank/entries/IAM-CUST-01/status",
        data={"csrf_token": token, "version": "3", "to": "retired"},
        follow_redirects=False,
    )
    assert retired.status_code == 303
    assert "IAM-CUST-01" not in client.get("/bank", params={"q": "tenant"}).text


def test_a_viewer_reads_but_cannot_post(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    log_in(client, *make_user("vera", "viewer"))
    page = client.get("/bank/entries/IAM-CUST-01")
    assert page.status_code == 200 and "Save as version" not in page.text
    token = page_token(client, "/bank")
    refused = client.post(
        "/bank/entries/IAM-CUST-01/status",
        data={"csrf_token": token, "version": "1", "to": "retired"},
    )
    assert refused.status_code == 403


def test_posts_without_the_csrf_token_are_refused(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    refused = client.post(
        "/bank/profile", data={"name": "company", "value": "Evil", "csrf_token": "wrong"}
    )
    assert refused.status_code == 403


def test_variables_are_edited_and_a_breaking_removal_is_refused(
    client: TestClient, make_user
) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    token = page_token(client, "/bank/profile")
    saved = client.post(
        "/bank/profile",
        data={"csrf_token": token, "name": "data_regions", "value": "- Canada\n- Japan"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "- Japan" in client.get("/bank/profile").text
    refused = client.post(
        "/bank/profile", data={"csrf_token": token, "name": "company", "action": "delete"}
    )
    assert refused.status_code == 422 and "unknown variable" in refused.text


def test_freshness_conflicts_and_drafts_pages_render(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    for path in ("/bank/freshness", "/bank/conflicts", "/bank/drafts", "/bank/harvest"):
        assert client.get(path).status_code == 200, path
    assert "Conflicts: the same question" in client.get("/bank/conflicts").text


def test_the_drafts_page_approves_every_draft_shown(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    token = page_token(client, "/bank/new")
    created = client.post(
        "/bank/new",
        data={
            "csrf_token": token,
            "entry_id": "NEW-01",
            "question": "Do you rotate keys yearly?",
            "answer": "Yes",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    drafts = client.get("/bank/drafts").text
    ids = re.findall(r'name="ids" value="([^"]+)"', drafts)
    assert ids == ["NEW-01"]
    approved = client.post(
        "/bank/drafts/approve", data={"csrf_token": token, "ids": ids}, follow_redirects=False
    )
    assert approved.status_code == 303
    assert "approved after reading" in client.get("/bank/entries/NEW-01").text


def completed_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Question", "Answer", "Notes"])
    sheet.append(["Z-1", "Do you keep a register of every sub-processor?", "Yes", "Listed online."])
    sheet.append(["Z-2", "Can customers approve support access to their tenant?", "Yes", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_harvesting_an_upload_saves_drafts_and_proposes_alternates(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    curator(client, make_user)
    token = page_token(client, "/bank/harvest")
    result = client.post(
        "/bank/harvest",
        data={"csrf_token": token},
        files={"file": ("vendor.xlsx", completed_workbook(), "application/octet-stream")},
    )
    assert result.status_code == 200, result.text
    assert "2 answered rows" in result.text
    assert "IAM-CUST-01" in result.text
    broken = client.post(
        "/bank/harvest",
        data={"csrf_token": token},
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert broken.status_code == 422


def test_the_bank_downloads_as_xlsx(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    response = client.get("/bank/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_the_entry_page_lists_who_received_the_statement_and_flags_later_changes(
    client, settings, make_key, database
) -> None:  # type: ignore[no-untyped-def]
    import io

    import openpyxl
    from sqlmodel import select

    from app.models import BankEntry, QuestionRow
    from tests.conftest import bearer
    from tests.web.test_login import admin_password, log_in

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Question", "Answer"])
    sheet.append(
        ["1", "Is multi-factor authentication enforced for all remote and privileged access?", None]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    key = bearer(make_key("reviewer"))
    created = client.post(
        "/api/v1/questionnaires", headers=key, files={"file": ("acme.xlsx", buffer.getvalue())}
    )
    assert created.status_code == 201, created.text
    with database.session(write=True) as db_session:
        row = db_session.exec(select(QuestionRow)).one()
        assert row.entry_id is not None
        entry_id = row.entry_id
        row.review_status = "accepted"
        db_session.add(row)
        entry = db_session.get(BankEntry, entry_id)
        entry.version += 1
        db_session.add(entry)
    log_in(client, "admin", admin_password(settings))
    page = client.get(f"/bank/entries/{entry_id}").text
    assert 'id="usage"' in page and "acme.xlsx" in page and "(changed since)" in page
