"""The sales-ops integration: 202 and polling, signed webhooks with retries, idempotent repeats, the quote."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import col, func, select

from app.config import Settings
from app.db import Database
from app.models import IdempotencyRecord, Job, Questionnaire, QuestionRow, StoredFile
from app.services import liveness, webhooks
from app.services.jobs import Worker
from tests.conftest import bearer
from tests.services.test_idempotency import dead_process_name
from tests.services.test_jobs import small_workbook
from tests.sharedfiles import CAIQ_V4_TEMPLATE, HECVAT, raw

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Test settings that let webhooks reach a receiver on loopback and retry quickly."""
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_retry_base_seconds": 0.2,
            "worker_poll_seconds": 0.05,
        }
    )


@dataclass
class Receiver:
    """A webhook receiver on loopback that answers from a script of statuses and keeps every call."""

    url: str
    statuses: list[int]
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.calls) >= count, f"received {len(self.calls)} of {count} calls"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="", statuses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/vouch"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def upload(client: TestClient, key: str, content: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/questionnaires",
        headers={**bearer(key), **headers},
        files={"file": ("customer.xlsx", content, XLSX)},
    )


def test_a_filled_event_is_signed_and_retried_after_the_receiver_fails_once(
    client: TestClient, make_key, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    receiver.statuses = [500]
    created = client.post(
        "/api/v1/webhooks",
        headers=bearer(key),
        json={"url": receiver.url, "events": ["questionnaire.filled"]},
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    uploaded = upload(client, key, small_workbook())
    assert uploaded.status_code == 201, uploaded.text
    receiver.wait_for(2)
    (first_headers, first_body), (second_headers, second_body) = receiver.calls[:2]
    assert first_body == second_body
    for headers, body in receiver.calls[:2]:
        assert webhooks.verify(secret=secret, header=headers["vouch-signature"], body=body)
        assert headers["vouch-event"] == "questionnaire.filled"
    assert first_headers["vouch-delivery"] == second_headers["vouch-delivery"]
    event = json.loads(second_body)
    assert event["type"] == "questionnaire.filled"
    assert event["data"]["questionnaire"]["id"] == uploaded.json()["id"]
    assert event["data"]["questionnaire"]["summary"]["rows"] == 3
    assert not webhooks.verify(
        secret="whsec_other", header=second_headers["vouch-signature"], body=second_body
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = client.get("/api/v1/webhook-deliveries", headers=bearer(key)).json()
        if log["items"] and log["items"][0]["status"] == "delivered":
            break
        time.sleep(0.05)
    assert log["total"] == 1
    delivery = log["items"][0]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert [a["status_code"] for a in delivery["log"]] == [500, 204]


def test_a_signature_is_refused_when_tampered_stale_or_made_with_another_secret() -> None:
    body = b'{"type":"questionnaire.filled"}'
    now = int(time.time())
    header = webhooks.sign(secret="whsec_a", body=body, timestamp=now)
    assert header.startswith(f"t={now},v1=")
    assert webhooks.verify(secret="whsec_a", header=header, body=body)
    assert not webhooks.verify(secret="whsec_a", header=header, body=body + b" ")
    assert not webhooks.verify(secret="whsec_b", header=header, body=body)
    stale = webhooks.sign(secret="whsec_a", body=body, timestamp=now - 301)
    assert not webhooks.verify(secret="whsec_a", header=stale, body=body)
    assert not webhooks.verify(secret="whsec_a", header="v1=deadbeef", body=body)


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    ("url", "addresses", "allow_private", "fragment"),
    [
        ("ftp://example.com/x", ("93.184.216.34",), True, "http:// or https://"),
        ("https://user:pw@example.com/", ("93.184.216.34",), True, "user name"),
        ("http://metadata.google.internal/", ("93.184.216.34",), True, "metadata"),
        ("http://hooks.example.com/", ("169.254.169.254",), True, "link-local or metadata"),
        ("http://hooks.example.com/", ("fe80::1",), True, "link-local or metadata"),
        ("http://hooks.example.com/", ("::ffff:169.254.1.1",), True, "link-local or metadata"),
        ("http://hooks.example.com/", ("127.0.0.1",), False, "VOUCH_WEBHOOK_ALLOW_PRIVATE"),
        ("http://hooks.example.com/", ("93.184.216.34", "10.0.0.5"), False, "10.0.0.5"),
        ("http://hooks.example.com/", ("::1",), False, "loopback or private"),
        ("http://hooks.example.com/", ("0.0.0.0",), True, "not a host"),
    ],
)
def test_a_webhook_url_outside_the_public_internet_is_refused(
    url: str, addresses: tuple[str, ...], allow_private: bool, fragment: str
) -> None:
    with pytest.raises(webhooks.WebhookRefused, match=fragment):
        webhooks.check_url(url, allow_private=allow_private, resolve=resolver(*addresses))


def test_a_public_url_and_with_the_setting_a_loopback_url_are_accepted() -> None:
    public = webhooks.check_url(
        "https://hooks.example.com/vouch", allow_private=False, resolve=resolver("93.184.216.34")
    )
    assert public == ["93.184.216.34"]
    assert webhooks.check_url(
        "http://localhost:9/x", allow_private=True, resolve=resolver("127.0.0.1")
    )


def test_a_delivery_goes_to_the_checked_address_with_the_original_host_name() -> None:
    assert webhooks.pin("https://hooks.example.com/vouch?x=1", "93.184.216.34") == (
        "https://93.184.216.34/vouch?x=1",
        "hooks.example.com",
        "hooks.example.com",
    )
    assert webhooks.pin("http://hooks.example.com:8080/v", "2606:2800:220:1::1") == (
        "http://[2606:2800:220:1::1]:8080/v",
        "hooks.example.com:8080",
        "hooks.example.com",
    )


def test_the_api_refuses_a_metadata_url_and_shows_the_secret_only_once(
    client: TestClient, make_key, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    key, stranger = make_key("responder"), make_key("responder")
    refused = client.post(
        "/api/v1/webhooks",
        headers=bearer(key),
        json={"url": "http://169.254.169.254/latest/meta-data/"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "webhook_refused"
    unknown = client.post(
        "/api/v1/webhooks", headers=bearer(key), json={"url": receiver.url, "events": ["x.y"]}
    )
    assert unknown.status_code == 422 and "x.y" in unknown.json()["error"]["message"]
    created = client.post("/api/v1/webhooks", headers=bearer(key), json={"url": receiver.url})
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["events"] == list(webhooks.EVENTS)
    listed = client.get("/api/v1/webhooks", headers=bearer(key)).json()
    assert [s["id"] for s in listed] == [created.json()["id"]]
    assert "secret" not in listed[0]
    assert client.get("/api/v1/webhooks", headers=bearer(stranger)).json() == []
    path = f"/api/v1/webhooks/{created.json()['id']}"
    assert client.delete(path, headers=bearer(stranger)).status_code == 404
    assert client.delete(path, headers=bearer(key)).status_code == 204
    assert client.get("/api/v1/webhooks", headers=bearer(key)).json() == []


def test_a_repeated_upload_with_the_same_idempotency_key_replays_the_first_response(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    key, other = make_key("responder"), make_key("responder")
    # One set of bytes: openpyxl stamps each saved workbook with the time.
    workbook = small_workbook()
    first = upload(client, key, workbook, **{"Idempotency-Key": "deal-4711"})
    again = upload(client, key, workbook, **{"Idempotency-Key": "deal-4711"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    listed = client.get("/api/v1/questionnaires", headers=bearer(key)).json()
    assert listed["total"] == 1
    different = upload(
        client,
        key,
        small_workbook(["Do you run background checks?"]),
        **{"Idempotency-Key": "deal-4711"},
    )
    assert different.status_code == 422
    assert different.json()["error"]["code"] == "idempotency_key_reused"
    # The key is scoped to the API key that sent it.
    elsewhere = upload(client, other, workbook, **{"Idempotency-Key": "deal-4711"})
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in elsewhere.headers


def hold_key(database: Database, key: str, *, owner: str, resource_id: str | None) -> None:
    """Leave a key as a request serving it would: in progress, held by `owner`."""
    with database.session(write=True) as db_session:
        db_session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.key) == key)
            .values(status_code=None, body="", owner=owner, token="t", resource_id=resource_id)
        )


def test_a_key_whose_request_died_after_committing_answers_with_what_it_created(
    client: TestClient, make_key, database: Database
) -> None:  # type: ignore[no-untyped-def]
    key, workbook = make_key("responder"), small_workbook()
    first = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    assert first.status_code == 201
    hold_key(database, "k1", owner=dead_process_name(), resource_id=first.json()["id"])
    retried = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == first.json()["id"]
    assert retried.headers["location"] == first.headers["location"]
    assert client.get("/api/v1/questionnaires", headers=bearer(key)).json()["total"] == 1
    again = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_a_key_whose_request_died_before_committing_runs_the_retry(
    client: TestClient, make_key, database: Database
) -> None:  # type: ignore[no-untyped-def]
    key, workbook = make_key("responder"), small_workbook()
    first = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    with database.session(write=True) as db_session:
        db_session.exec(delete(Job))
        db_session.exec(delete(QuestionRow))
        db_session.exec(delete(Questionnaire))
    hold_key(database, "k1", owner=dead_process_name(), resource_id=None)
    retried = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] != first.json()["id"]
    assert client.get("/api/v1/questionnaires", headers=bearer(key)).json()["total"] == 1


def test_a_key_whose_request_is_alive_is_still_in_progress(
    client: TestClient, make_key, database: Database
) -> None:  # type: ignore[no-untyped-def]
    key, workbook = make_key("responder"), small_workbook()
    first = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    hold_key(database, "k1", owner=liveness.process_name(), resource_id=first.json()["id"])
    busy = upload(client, key, workbook, **{"Idempotency-Key": "k1"})
    assert busy.status_code == 409 and busy.headers["retry-after"] == "1"
    assert busy.json()["error"]["code"] == "idempotency_in_progress"


def stored_files(database: Database) -> int:
    with database.session() as db_session:
        return int(db_session.exec(select(func.count()).select_from(StoredFile)).one())


@pytest.mark.parametrize("fixture", [CAIQ_V4_TEMPLATE, HECVAT])
def test_the_quote_equals_what_a_real_fill_then_produces(
    client: TestClient, make_key, database: Database, fixture: str
) -> None:  # type: ignore[no-untyped-def]
    content = raw(fixture).read_bytes()
    key = make_key("responder")
    before = stored_files(database)
    quoted = client.post(
        "/api/v1/quote", headers=bearer(key), files={"file": ("q.xlsx", content, XLSX)}
    )
    assert quoted.status_code == 200, quoted.text
    quote = quoted.json()
    assert stored_files(database) == before, "a quote must not store the file"
    assert quote["rows"] == quote["auto"] + quote["suggest"] + quote["none"] > 0
    seconds = quote["seconds_per_row"]
    assert quote["estimated_review_seconds"] == sum(quote[b] * seconds[b] for b in seconds)
    uploaded = upload(client, key, content)
    assert uploaded.status_code in (201, 202), uploaded.text
    location = uploaded.headers["location"]
    deadline = time.monotonic() + 120
    while (body := client.get(location, headers=bearer(key)).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    summary = body["summary"]
    assert {b: summary[b] for b in ("rows", "auto", "suggest", "none")} == {
        b: quote[b] for b in ("rows", "auto", "suggest", "none")
    }


def test_a_quote_of_questions_bands_each_one(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    questions = [
        "Do you enforce multi-factor authentication for all remote and privileged access?",
        "Is customer data encrypted at rest?",
        "What colour is the office carpet?",
    ]
    quote = client.post("/api/v1/quote", headers=bearer(key), json={"questions": questions}).json()
    assert quote["source"] == "questions" and quote["rows"] == 3
    assert quote["none"] >= 1 and quote["auto"] + quote["suggest"] >= 1
    empty = client.post("/api/v1/quote", headers=bearer(key), json={"questions": []})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid"
    viewer = client.post(
        "/api/v1/quote", headers=bearer(make_key("viewer")), json={"questions": questions}
    )
    assert viewer.status_code == 403


def test_an_upload_not_done_within_the_wait_gets_202_and_a_location_to_poll(
    settings: Settings, database: Database, make_key
) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    slow = settings.model_copy(update={"sync_wait_seconds": 0.0, "worker_threads": 0})
    with TestClient(create_app(slow, database)) as client:
        key = make_key("responder")
        accepted = upload(client, key, small_workbook())
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["status"] == "queued" and body["rows"] == []
        assert body["job"]["status"] == "queued" and body["job"]["progress"] == 0
        location = accepted.headers["location"]
        assert location.endswith(f"/api/v1/questionnaires/{body['id']}")
        assert client.get(location, headers=bearer(key)).json()["status"] == "queued"
        assert Worker(database=database, settings=slow, threads=1).run_until_idle() >= 1
        done = client.get(location, headers=bearer(key)).json()
        assert done["status"] == "needs_review" and len(done["rows"]) == 3
        assert (done["job"]["status"], done["job"]["progress"]) == ("done", 100)


def test_questionnaires_are_paged_filtered_by_status_and_counted(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    ids = [upload(client, key, small_workbook()).json()["id"] for _ in range(3)]
    broken = upload(client, key, b"PK\x03\x04" + b"\0" * 100)
    assert broken.status_code == 422
    page = client.get("/api/v1/questionnaires", params={"limit": 2}, headers=bearer(key)).json()
    assert (page["total"], len(page["items"]), page["limit"]) == (4, 2, 2)
    rest = client.get(
        "/api/v1/questionnaires", params={"limit": 2, "offset": 2}, headers=bearer(key)
    ).json()
    seen = [q["id"] for q in page["items"] + rest["items"]]
    assert len(set(seen)) == 4 and set(ids) <= set(seen)
    ready = client.get(
        "/api/v1/questionnaires", params={"status": "needs_review"}, headers=bearer(key)
    ).json()
    assert ready["total"] == 3 and {q["id"] for q in ready["items"]} == set(ids)
    failed = client.get("/api/v1/questionnaires", params={"status": "failed"}, headers=bearer(key))
    assert failed.json()["total"] == 1
    wrong = client.get("/api/v1/questionnaires", params={"status": "lost"}, headers=bearer(key))
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid"


def test_the_schema_declares_the_202_and_the_error_bodies(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    upload_op = schema["paths"]["/api/v1/questionnaires"]["post"]
    assert {"201", "202", "409", "422"} <= set(upload_op["responses"])
    quote_op = schema["paths"]["/api/v1/quote"]["post"]
    assert {"multipart/form-data", "application/json"} <= set(quote_op["requestBody"]["content"])
    error_ref = quote_op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorBody")
    assert "/api/v1/webhook-deliveries" in schema["paths"]


def test_an_admin_sees_the_delivery_log_and_can_send_a_failed_delivery_again(
    database: Database, make_key, make_user, receiver: Receiver, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    once = settings.model_copy(update={"webhook_max_attempts": 1})
    with TestClient(create_app(once, database)) as client:
        check_admin_page(client, make_key, make_user, receiver)


def check_admin_page(client: TestClient, make_key, make_user, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_login import log_in, page_token

    key = make_key("responder")
    receiver.statuses = [410]
    client.post("/api/v1/webhooks", headers=bearer(key), json={"url": receiver.url})
    upload(client, key, small_workbook())
    receiver.wait_for(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (delivery,) = client.get("/api/v1/webhook-deliveries", headers=bearer(key)).json()["items"]
        if delivery["status"] == "failed":
            break
        time.sleep(0.05)
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    admin, password = make_user("opsadmin", "admin")
    responder, responder_password = make_user("rep", "responder")
    log_in(client, responder, responder_password)
    assert client.get("/admin/webhooks").status_code == 403
    client.cookies.clear()
    log_in(client, admin, password)
    page = client.get("/admin/webhooks")
    assert page.status_code == 200
    assert receiver.url in page.text and "HTTP 410" in page.text
    assert "questionnaire.filled" in page.text
    token = page_token(client, "/admin/webhooks")
    refused = client.post(
        f"/admin/webhooks/deliveries/{delivery['id']}/retry", data={"csrf_token": "wrong"}
    )
    assert refused.status_code == 403
    calls = len(receiver.calls)
    again = client.post(
        f"/admin/webhooks/deliveries/{delivery['id']}/retry",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303
    receiver.wait_for(calls + 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = client.get("/api/v1/webhook-deliveries", headers=bearer(key)).json()["items"][0]
        if status["status"] == "delivered":
            break
        time.sleep(0.05)
    assert (status["status"], status["attempts"]) == ("delivered", 2)


def test_a_read_is_served_even_when_a_worker_writes_while_its_key_is_checked(
    client: TestClient, make_key, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from app.models import AuditEvent
    from app.services import accounts

    key = make_key("viewer")
    original = accounts.authenticate_api_key

    def checked_while_a_worker_writes(*, db_session, secret):  # type: ignore[no-untyped-def]
        found = original(db_session=db_session, secret=secret)
        with database.session(write=True) as worker_session:
            worker_session.add(AuditEvent(actor="worker", action="job.progress"))
        return found

    monkeypatch.setattr(accounts, "authenticate_api_key", checked_while_a_worker_writes)
    response = client.get("/api/v1/questionnaires", headers=bearer(key))
    assert response.status_code == 200, response.text


def test_a_web_upload_not_done_within_the_wait_shows_a_page_that_polls_until_done(
    settings: Settings, database: Database, make_user
) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from tests.web.test_login import log_in, page_token

    slow = settings.model_copy(update={"sync_wait_seconds": 0.0, "worker_threads": 0})
    with TestClient(create_app(slow, database)) as client:
        username, password = make_user("rep", "responder")
        log_in(client, username, password)
        response = client.post(
            "/questionnaires",
            data={"csrf_token": page_token(client, "/")},
            files={"file": ("customer.xlsx", small_workbook(), XLSX)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "data-poll-seconds" in page.text and "queued" in page.text
        assert Worker(database=database, settings=slow, threads=1).run_until_idle() >= 1
        done = client.get(response.headers["location"])
        assert "data-poll-seconds" not in done.text
        assert "needs review" in done.text


def test_a_sign_off_sends_a_signed_questionnaire_signed_event(
    client: TestClient, make_key, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    responder, reviewer = make_key("responder"), make_key("reviewer")
    created = client.post(
        "/api/v1/webhooks",
        headers=bearer(reviewer),
        json={"url": receiver.url, "events": ["questionnaire.signed"]},
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    uploaded = upload(client, responder, small_workbook())
    assert uploaded.status_code == 201, uploaded.text
    questionnaire_id = uploaded.json()["id"]
    rows = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/rows", headers=bearer(reviewer)
    ).json()
    for position in range(len(rows["items"] if isinstance(rows, dict) else rows)):
        decided = client.post(
            f"/api/v1/questionnaires/{questionnaire_id}/rows/{position}",
            headers=bearer(reviewer),
            json={"action": "reject"},
        )
        assert decided.status_code == 200, decided.text
    assert receiver.calls == []
    signed = client.post(
        f"/api/v1/questionnaires/{questionnaire_id}/signoff", headers=bearer(reviewer)
    )
    assert signed.status_code == 200, signed.text
    receiver.wait_for(1)
    headers, body = receiver.calls[0]
    assert headers["vouch-event"] == "questionnaire.signed"
    assert webhooks.verify(secret=secret, header=headers["vouch-signature"], body=body)
    event = json.loads(body)
    assert event["data"]["questionnaire"]["id"] == questionnaire_id
    assert event["data"]["questionnaire"]["status"] == "signed"


def test_the_signing_secret_is_stored_sealed_and_a_changed_key_sends_nothing_unsigned(
    database: Database, settings: Settings, make_key, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    from app.models import WebhookDelivery, WebhookSubscription
    from app.security import open_webhook_secret
    from app.services import accounts

    with database.session(write=True) as db_session:
        key = accounts.authenticate_api_key(db_session=db_session, secret=make_key("responder"))
        assert key is not None
        subscription, secret = webhooks.create_subscription(
            db_session=db_session,
            principal=accounts.principal_for_key(key),
            url=receiver.url,
            events=["questionnaire.filled"],
            settings=settings,
        )
        subscription_id = subscription.id
    with database.session() as db_session:
        stored = db_session.get(WebhookSubscription, subscription_id)
        assert stored is not None
        # A copy of the database does not give away what signs the deliveries.
        assert stored.secret.startswith("v1:") and len(stored.secret) <= 100
        assert secret not in stored.secret and secret[6:] not in stored.secret
        assert open_webhook_secret(stored.secret, secret_key=settings.secret_key) == secret
    with database.session(write=True) as db_session:
        db_session.add(
            WebhookDelivery(
                subscription_id=subscription_id,
                event="questionnaire.filled",
                event_id="e1",
                body='{"type":"questionnaire.filled"}',
            )
        )
    rotated = settings.model_copy(update={"secret_key": "another-secret-key-of-enough-length"})
    assert webhooks.deliver_next(database=database, settings=rotated)
    with database.session() as db_session:
        delivery = db_session.exec(select(WebhookDelivery)).one()
        assert delivery.status == "pending" and delivery.attempts == 1
        assert "VOUCH_SECRET_KEY" in (delivery.last_error or "")
    assert receiver.calls == [], "nothing goes out unsigned"
