"""Logging in and out of the pages, with CSRF and origin checks."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.config import Settings


def admin_password(settings: Settings) -> str:
    return (settings.data_dir / "initial-admin-password").read_text().strip()


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str) -> None:
    token = login_token(client)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def page_token(client: TestClient, path: str = "/") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_the_first_start_creates_an_admin_whose_password_file_is_private(
    client: TestClient, settings: Settings
) -> None:
    path = settings.data_dir / "initial-admin-password"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(admin_password(settings)) >= 16


def test_pages_send_anonymous_visitors_to_the_login_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login")


def test_logging_in_sets_an_httponly_samesite_session_cookie(
    client: TestClient, settings: Settings
) -> None:
    token = login_token(client)
    response = client.post(
        "/login",
        data={"username": "admin", "password": admin_password(settings), "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("vouch_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").status_code == 200


def test_login_without_the_form_token_is_refused(client: TestClient, settings: Settings) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "admin", "password": admin_password(settings), "csrf_token": "forged"},
    )
    assert response.status_code == 403


def test_a_wrong_password_is_refused_and_audited(client: TestClient, database) -> None:  # type: ignore[no-untyped-def]
    token = login_token(client)
    response = client.post(
        "/login", data={"username": "admin", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    from sqlmodel import select

    from app.models import AuditEvent

    with database.session() as db_session:
        assert [
            e.action
            for e in db_session.exec(select(AuditEvent).where(AuditEvent.action == "login.fail"))
        ] == ["login.fail"]


def test_logins_are_rate_limited(client: TestClient, settings: Settings) -> None:
    statuses = []
    for _ in range(settings.login_attempts_per_minute + 2):
        token = login_token(client)
        statuses.append(
            client.post(
                "/login", data={"username": "admin", "password": "nope", "csrf_token": token}
            ).status_code
        )
    assert statuses[0] == 401
    assert statuses[-1] == 429


def test_logout_ends_the_session_on_the_server(client: TestClient, settings: Settings) -> None:
    log_in(client, "admin", admin_password(settings))
    stolen = client.cookies.get("vouch_session")
    token = page_token(client)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    client.cookies.set("vouch_session", stolen or "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_cross_site_form_post_is_refused(client: TestClient, settings: Settings) -> None:
    log_in(client, "admin", admin_password(settings))
    token = page_token(client)
    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    response = client.post("/logout", data={"csrf_token": "wrong"})
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200


def test_another_users_questionnaire_is_not_found(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    name, password = make_user("carol", "responder")
    log_in(client, name, password)
    assert client.get("/questionnaires/0123456789abcdef0123456789abcdef").status_code == 404


def test_the_home_page_says_when_nothing_is_approved_yet(
    client: TestClient, settings: Settings, database
) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "admin", admin_password(settings))
    assert 'id="no-approved"' not in client.get("/").text
    from sqlmodel import select

    from app.models import BankEntry

    with database.session(write=True) as db_session:
        for entry in db_session.exec(select(BankEntry)):
            entry.status = "draft"
            db_session.add(entry)
    page = client.get("/").text
    assert 'id="no-approved"' in page and "/bank/drafts" in page


def test_a_login_whose_commit_fails_is_an_error_not_a_redirect_into_the_app(
    client: TestClient, settings: Settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The session commits before the response goes out: a browser that follows the redirect
    finds its login stored, and a commit that fails cannot have already said "logged in"."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    token = login_token(client)

    def failing_commit(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", failing_commit)
    # As a server would: the error becomes the response instead of being re-raised into the test.
    browser = TestClient(client.app, base_url="http://testserver", raise_server_exceptions=False)
    browser.cookies = client.cookies
    response = browser.post(
        "/login",
        data={"username": "admin", "password": admin_password(settings), "csrf_token": token},
        follow_redirects=False,
    )
    monkeypatch.undo()
    assert response.status_code >= 500
    assert "vouch_session" not in response.headers.get("set-cookie", "")
