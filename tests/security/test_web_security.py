"""Headers, cookies, session lifetimes, upload caps, template escaping and the XML guard."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.config import Settings
from app.db import Database
from app.models import WebSession, utcnow
from app.security import digest
from tests.conftest import bearer
from tests.hostile.corpus import valid_workbook
from tests.web.test_login import admin_password, log_in

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def assert_security_headers(response: object, *, tls: bool) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    for name, value in EXPECTED_HEADERS.items():
        assert headers[name] == value, name
    if tls:
        assert headers["strict-transport-security"].startswith("max-age=31536000")
    else:
        assert "strict-transport-security" not in headers


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_kind_of_response_carries_the_security_headers(app, scheme: str, make_key) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=f"{scheme}://testserver") as client:
        responses = [
            client.get("/healthz"),
            client.get("/login"),
            client.get("/static/vouch.css"),
            client.get("/no-such-page", headers={"accept": "text/html"}),
            client.get("/api/v1/entries"),
            client.get("/api/v1/entries", headers=bearer(make_key("viewer"))),
            client.get("/openapi.json"),
            client.post(
                "/api/v1/questionnaires",
                content=b"x",
                headers={"content-length": str(200 * 1024 * 1024)},
            ),
        ]
        assert [r.status_code for r in responses] == [200, 200, 200, 404, 401, 200, 200, 413]
        for response in responses:
            assert_security_headers(response, tls=scheme == "https")


def session_cookie_header(response: object) -> str:
    return next(
        h
        for h in response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
        if h.startswith("vouch_session=")
    )


@pytest.fixture
def production_client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The app as deployed: production settings, served over TLS."""
    from app.main import create_app

    production = settings.model_copy(
        update={"environment": "production", "secret_key": "a-long-random-production-secret"}
    )
    with TestClient(create_app(production, database), base_url="https://vouch.example") as client:
        yield client


def test_in_production_the_session_cookie_is_secure_httponly_and_samesite(
    production_client: TestClient, settings: Settings
) -> None:
    from tests.web.test_login import login_token

    token = login_token(production_client)
    response = production_client.post(
        "/login",
        data={"username": "admin", "password": admin_password(settings), "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = session_cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert any(
        "Secure" in h
        for h in production_client.get("/login").headers.get_list("set-cookie")
        if h.startswith("vouch_login_csrf=")
    )


def test_production_refuses_to_start_with_the_default_secret() -> None:
    with pytest.raises(ValueError, match="VOUCH_SECRET_KEY"):
        Settings(environment="production", _env_file=None)  # type: ignore[call-arg]


def test_the_session_cookie_is_a_random_256_bit_id_stored_only_as_a_digest(
    client: TestClient, settings: Settings, database: Database
) -> None:
    log_in(client, "admin", admin_password(settings))
    cookie = client.cookies["vouch_session"]
    assert len(base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))) >= 16
    with database.session() as db_session:
        stored = [s.id_digest for s in db_session.exec(select(WebSession))]
    assert stored == [digest(cookie)] and cookie not in stored


def test_logging_in_again_issues_a_new_id_and_ends_the_old_one(
    client: TestClient, settings: Settings, database: Database
) -> None:
    log_in(client, "admin", admin_password(settings))
    first = client.cookies["vouch_session"]
    log_in(client, "admin", admin_password(settings))
    second = client.cookies["vouch_session"]
    assert first != second
    with database.session() as db_session:
        assert db_session.get(WebSession, digest(first)) is None
        assert db_session.get(WebSession, digest(second)) is not None


@pytest.mark.parametrize("which", ["idle", "absolute"])
def test_a_session_past_its_idle_or_absolute_timeout_is_ended(
    client: TestClient, settings: Settings, database: Database, which: str
) -> None:
    log_in(client, "admin", admin_password(settings))
    assert client.get("/", follow_redirects=False).status_code == 200
    cookie = client.cookies["vouch_session"]
    with database.session(write=True) as db_session:
        web_session = db_session.get(WebSession, digest(cookie))
        assert web_session is not None
        if which == "idle":
            web_session.last_seen_at = utcnow() - timedelta(
                minutes=settings.session_idle_minutes + 1
            )
        else:
            web_session.created_at = utcnow() - timedelta(hours=settings.session_absolute_hours + 1)
            web_session.last_seen_at = utcnow()
        db_session.add(web_session)
    assert client.get("/", follow_redirects=False).status_code == 303
    with database.session() as db_session:
        assert db_session.get(WebSession, digest(cookie)) is None


def chunks(total: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    """Stream a well-formed multipart file part that never ends."""
    opening = b'--b\r\nContent-Disposition: form-data; name="file"; filename="q.xlsx"\r\n\r\n'
    yield opening
    sent = len(opening)
    while sent < total:
        yield b"\0" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_cap_is_refused_with_413_declared_or_chunked(
    client: TestClient, make_key, settings: Settings, declared: bool
) -> None:  # type: ignore[no-untyped-def]
    total = settings.max_upload_bytes + 2 * 1024 * 1024
    headers = {**bearer(make_key("responder")), "content-type": "multipart/form-data; boundary=b"}
    if declared:
        headers["content-length"] = str(total)
    response = client.post("/api/v1/questionnaires", content=chunks(total), headers=headers)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]["message"]


def test_python_multipart_is_at_least_0_0_31() -> None:
    parts = tuple(int(p) for p in re.findall(r"\d+", version("python-multipart"))[:3])
    assert parts >= (0, 0, 31)


def test_the_file_type_comes_from_the_content_not_the_declared_type(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("responder"))
    lying_about_a_workbook = client.post(
        "/api/v1/questionnaires",
        headers=headers,
        files={"file": ("questionnaire.xlsx", valid_workbook(), "text/plain")},
    )
    assert lying_about_a_workbook.status_code in (201, 202)
    lying_about_a_script = client.post(
        "/api/v1/questionnaires",
        headers=headers,
        files={
            "file": (
                "questionnaire.xlsx",
                b"#!/bin/sh\nid\n",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    assert lying_about_a_script.status_code == 422


def test_a_download_is_an_attachment_with_an_encoded_name_and_no_header_injection() -> None:
    from app.downloads import attachment

    response = attachment(b"PK", 'Réponses "ACME"\r\nSet-Cookie: x=1.xlsx')
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''R%C3%A9ponses%20%22ACME%22%0D%0ASet-Cookie" in disposition
    assert "\r" not in disposition and "\n" not in disposition


def test_every_template_is_autoescaped_whatever_its_name() -> None:
    from app.web.templating import environment

    names = [p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.is_file()]
    assert len(names) >= 8
    for name in [*names, "export.txt", "mail.eml"]:
        autoescape = environment.autoescape
        assert autoescape(name) if callable(autoescape) else autoescape is True, name
    rendered = environment.from_string("{{ value }}").render(value="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"


def test_no_template_marks_stored_text_safe() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", text), path
        assert "{% autoescape false" not in text, path


def test_the_app_refuses_to_start_without_defusedxml(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, database: Database
) -> None:
    from app.main import create_app

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(RuntimeError, match="defusedxml"):
        create_app(settings, database)
