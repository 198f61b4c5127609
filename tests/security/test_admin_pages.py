"""Admin pages: accounts and roles, API keys shown once, the audit log and its CSV export."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from sqlmodel import select

from app.config import Settings
from app.models import ApiKey, AuditEvent
from tests.conftest import bearer
from tests.web.test_login import admin_password, log_in, login_token, page_token


def as_admin(client: TestClient, settings: Settings) -> str:
    """Log in as the first admin and return a CSRF token."""
    log_in(client, "admin", admin_password(settings))
    return page_token(client, "/admin/users")


def shown_secret(page: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', page)
    assert match, "the page shows the new secret"
    return match.group(1)


def test_admin_pages_are_refused_to_every_other_role(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    for role in ("viewer", "responder", "reviewer", "curator"):
        name, password = make_user(f"not-admin-{role}", role)
        client.cookies.clear()
        log_in(client, name, password)
        token = page_token(client)
        for path in ("/admin/users", "/admin/keys", "/admin/audit", "/admin/audit.csv"):
            assert client.get(path).status_code == 403, (role, path)
        response = client.post(
            "/admin/keys", data={"name": "mine", "role": "admin", "csrf_token": token}
        )
        assert response.status_code == 403, role
        response = client.post(
            "/admin/users", data={"username": "evil", "role": "admin", "csrf_token": token}
        )
        assert response.status_code == 403, role


def test_an_admin_creates_an_account_whose_password_is_shown_once(
    client: TestClient, settings: Settings
) -> None:
    token = as_admin(client, settings)
    created = client.post(
        "/admin/users", data={"username": "Dana", "role": "reviewer", "csrf_token": token}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    password = shown_secret(created.text)
    assert password not in client.get("/admin/users").text
    other = TestClient(client.app, base_url="http://testserver")
    log_in(other, "dana", password)
    assert "dana · reviewer" in other.get("/").text


def test_disabling_an_account_ends_its_session_at_once(
    client: TestClient, settings: Settings, make_user, database
) -> None:  # type: ignore[no-untyped-def]
    name, password = make_user("erin", "responder")
    erin = TestClient(client.app, base_url="http://testserver")
    log_in(erin, name, password)
    assert erin.get("/", follow_redirects=False).status_code == 200
    token = as_admin(client, settings)
    user_id = _user_id(database, name)
    response = client.post(
        f"/admin/users/{user_id}/active",
        data={"active": "false", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert erin.get("/", follow_redirects=False).status_code == 303
    erin_token = login_token(erin)
    refused = erin.post(
        "/login", data={"username": name, "password": password, "csrf_token": erin_token}
    )
    assert refused.status_code == 401
    client.post(f"/admin/users/{user_id}/active", data={"active": "true", "csrf_token": token})
    log_in(erin, name, password)


def test_a_role_change_applies_from_the_next_request(
    client: TestClient, settings: Settings, make_user, database
) -> None:  # type: ignore[no-untyped-def]
    name, password = make_user("frank", "responder")
    frank = TestClient(client.app, base_url="http://testserver")
    log_in(frank, name, password)
    assert 'id="upload-form"' in frank.get("/").text
    token = as_admin(client, settings)
    client.post(
        f"/admin/users/{_user_id(database, name)}/role",
        data={"role": "viewer", "csrf_token": token},
    )
    assert 'id="upload-form"' not in frank.get("/").text
    with database.session() as db_session:
        event = db_session.exec(select(AuditEvent).where(AuditEvent.action == "user.role")).one()
        assert event.details == {"before": "responder", "after": "viewer"}


def test_the_last_active_admin_cannot_be_disabled_or_demoted(
    client: TestClient, settings: Settings, database
) -> None:  # type: ignore[no-untyped-def]
    token = as_admin(client, settings)
    admin_id = _user_id(database, "admin")
    response = client.post(
        f"/admin/users/{admin_id}/active", data={"active": "false", "csrf_token": token}
    )
    assert response.status_code == 422 and "last active admin" in response.text
    response = client.post(
        f"/admin/users/{admin_id}/role", data={"role": "viewer", "csrf_token": token}
    )
    assert response.status_code == 422
    assert client.get("/admin/users").status_code == 200


def test_an_api_key_is_shown_once_stored_as_a_digest_used_and_revoked(
    client: TestClient, settings: Settings, database
) -> None:  # type: ignore[no-untyped-def]
    token = as_admin(client, settings)
    created = client.post(
        "/admin/keys", data={"name": "sales ops", "role": "viewer", "csrf_token": token}
    )
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = shown_secret(created.text)
    listing = client.get("/admin/keys").text
    assert secret not in listing and "never" in listing
    with database.session() as db_session:
        key = db_session.exec(select(ApiKey).where(ApiKey.name == "sales ops")).one()
        assert secret not in (key.digest, key.prefix) and len(key.digest) == 64
        key_id = key.id
    assert client.get("/api/v1/entries", headers=bearer(secret)).status_code == 200
    with database.session() as db_session:
        assert db_session.get(ApiKey, key_id).last_used_at is not None  # type: ignore[union-attr]
    assert "never" not in client.get("/admin/keys").text
    revoked = client.post(
        f"/admin/keys/{key_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert client.get("/api/v1/entries", headers=bearer(secret)).status_code == 401
    assert "revoked" in client.get("/admin/keys").text
    with database.session() as db_session:
        changes = db_session.exec(
            select(AuditEvent).where(AuditEvent.target == f"key:{key_id}")
        ).all()
        assert [e.action for e in changes] == ["apikey.create", "apikey.revoke"]
        assert all(e.actor.startswith("user:") for e in changes)


def test_downloads_and_uploads_are_in_the_audit_log(client: TestClient, make_key, database) -> None:  # type: ignore[no-untyped-def]
    from tests.hostile.corpus import valid_workbook

    headers = bearer(make_key("responder"))
    uploaded = client.post(
        "/api/v1/questionnaires", headers=headers, files={"file": ("q.xlsx", valid_workbook())}
    )
    assert uploaded.status_code == 201, uploaded.text
    questionnaire_id = uploaded.json()["id"]
    download = client.get(f"/api/v1/questionnaires/{questionnaire_id}/workbook", headers=headers)
    assert download.status_code == 200
    with database.session() as db_session:
        actions = [
            e.action
            for e in db_session.exec(
                select(AuditEvent).where(AuditEvent.target == f"questionnaire:{questionnaire_id}")
            )
        ]
    assert "questionnaire.upload" in actions and "questionnaire.download" in actions


def test_an_api_key_over_its_rate_limit_gets_429_and_the_audit_log_says_so(
    client: TestClient, make_key, database
) -> None:  # type: ignore[no-untyped-def]
    client.app.state.api_limiter.limit = 3  # type: ignore[attr-defined]
    headers = bearer(make_key("viewer"))
    statuses = [client.get("/healthz").status_code] + [
        client.get("/api/v1/entries", params={"limit": 1}, headers=headers).status_code
        for _ in range(6)
    ]
    assert statuses[1:4] == [200, 200, 200]
    assert statuses[4:] == [429, 429, 429]
    with database.session() as db_session:
        events = db_session.exec(
            select(AuditEvent).where(AuditEvent.action == "apikey.throttled")
        ).all()
        assert len(events) == 1 and events[0].actor.startswith("key:")
    # An unsafe request holds the write lock when it is throttled; logging must not wait on it.
    writer = bearer(make_key("responder"))
    statuses = [
        client.post("/api/v1/match", json={"questions": ["MFA?"]}, headers=writer).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_the_audit_log_is_shown_to_admins_and_exported_as_formula_safe_csv(
    client: TestClient, settings: Settings
) -> None:
    hostile_name = '=HYPERLINK("http://evil.example","x")'
    login_page = login_token(client)
    client.post(
        "/login", data={"username": hostile_name, "password": "wrong", "csrf_token": login_page}
    )
    as_admin(client, settings)
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "login.fail" in page.text and "login" in page.text
    assert "=HYPERLINK(&#34;" in page.text
    filtered = client.get("/admin/audit", params={"action": "login.fail"}).text
    assert "user.create" not in filtered
    export = client.get("/admin/audit.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    actions = [row["action"] for row in rows]
    assert {"user.create", "login.fail", "login"} <= set(actions)
    failed = next(row for row in rows if row["action"] == "login.fail")
    assert failed["target"] == "'" + hostile_name
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_a_user_changes_their_own_password_and_their_other_sessions_end(
    client: TestClient, make_user
) -> None:  # type: ignore[no-untyped-def]
    name, password = make_user("gina", "viewer")
    elsewhere = TestClient(client.app, base_url="http://testserver")
    log_in(elsewhere, name, password)
    log_in(client, name, password)
    token = page_token(client, "/account/password")
    wrong = client.post(
        "/account/password",
        data={
            "current": "not-it",
            "new": "a-much-better-pw-1",
            "confirm": "a-much-better-pw-1",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text
    done = client.post(
        "/account/password",
        data={
            "current": password,
            "new": "a-much-better-pw-1",
            "confirm": "a-much-better-pw-1",
            "csrf_token": token,
        },
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert client.get("/", follow_redirects=False).status_code == 200
    assert elsewhere.get("/", follow_redirects=False).status_code == 303
    fresh = TestClient(client.app, base_url="http://testserver")
    log_in(fresh, name, "a-much-better-pw-1")


def _user_id(database, username: str) -> int:  # type: ignore[no-untyped-def]
    from app.models import User

    with database.session() as db_session:
        user = db_session.exec(select(User).where(User.username == username)).one()
        assert user.id is not None
        return user.id
