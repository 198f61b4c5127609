"""The API's authentication, the bank endpoints and matching."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer


def test_health_check_is_open(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_api_endpoint_needs_a_key(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/entries"),
        ("GET", "/api/v1/entries/IAM-MFA-01"),
        ("GET", "/api/v1/questionnaires"),
        ("GET", "/api/v1/questionnaires/abc"),
        ("GET", "/api/v1/questionnaires/abc/workbook"),
        ("POST", "/api/v1/match"),
        ("POST", "/api/v1/questionnaires"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_or_revoked_key_is_refused(client: TestClient, make_key, database) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/entries", headers=bearer("vch_000000000000_nope")).status_code == 401
    secret = make_key("viewer")
    assert client.get("/api/v1/entries", headers=bearer(secret)).status_code == 200
    from app.services import accounts

    with database.session(write=True) as db_session:
        key = accounts.authenticate_api_key(db_session=db_session, secret=secret)
        assert key is not None and key.id is not None
        accounts.revoke_api_key(db_session=db_session, key_id=key.id, actor="test")
    assert client.get("/api/v1/entries", headers=bearer(secret)).status_code == 401


def test_a_key_in_the_url_is_not_accepted(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    secret = make_key("viewer")
    assert client.get(f"/api/v1/entries?api_key={secret}").status_code == 401
    assert client.get(f"/api/v1/entries?access_token={secret}").status_code == 401


def test_entries_are_listed_searched_and_fetched(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("viewer"))
    listing = client.get("/api/v1/entries", headers=headers).json()
    assert listing["total"] >= 30
    first = listing["items"][0]
    one = client.get(f"/api/v1/entries/{first['id']}", headers=headers).json()
    assert one["id"] == first["id"] and one["version"] >= 1
    assert "{{" not in (one["rendered_detail"] or "")
    searched = client.get("/api/v1/entries", params={"q": "multi-factor"}, headers=headers).json()
    assert searched["total"] >= 1
    assert all(
        "multi-factor" in (e["question"] + e["detail"] + " ".join(e["alternates"])).lower()
        for e in searched["items"]
    )
    missing = client.get("/api/v1/entries/NOPE-1", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_match_returns_the_cli_shape_best_first(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("responder"))
    body = {
        "questions": [
            "Do you enforce multi-factor authentication for remote access?",
            {"question": "Is customer data encrypted at rest?"},
        ],
        "top": 2,
    }
    response = client.post("/api/v1/match", json=body, headers=headers)
    assert response.status_code == 200
    results = response.json()
    assert [r["question"] for r in results] == [
        body["questions"][0],
        "Is customer data encrypted at rest?",
    ]
    for result in results:
        assert 1 <= len(result["matches"]) <= 2
        scores = [m["score"] for m in result["matches"]]
        assert scores == sorted(scores, reverse=True)
        assert all(
            0 <= s <= 1 and m["band"] in ("auto", "suggest", "none")
            for s, m in zip(scores, result["matches"], strict=True)
        )


def test_match_takes_each_rows_context_as_a_hint_to_its_subject(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("responder"))
    question = "Is it reviewed and updated at least annually?"
    body = {
        "questions": [
            {"question": question},
            {"question": question, "context": "Logging and monitoring"},
            {"question": question, "context": "Change management"},
        ],
        "top": 3,
    }
    response = client.post("/api/v1/match", json=body, headers=headers)
    assert response.status_code == 200
    results = response.json()
    tops = [r["matches"][0]["entry_id"] for r in results]
    assert [t.split("-")[0] for t in tops] == ["CHG", "LOG", "CHG"]
    # "it" is whatever the row's heading names: the question is read with it.
    alone = {m["entry_id"]: m["score"] for m in results[0]["matches"]}
    logging = results[1]["matches"][0]
    assert logging["score"] > alone.get(logging["entry_id"], 0.0)
    # Directly, or through the concept the statement is (the starter bank is its own), as the
    # scores of the two paths fall.
    assert any(
        said in logging["explanation"]
        for said in ("read with the row's section or title", "the row's section or title agrees")
    )
    # A question naming its own subject keeps the scores its wording earns; the context orders.
    own = "Is the change management policy reviewed and updated at least annually?"
    body = {
        "questions": [{"question": own}, {"question": own, "context": "Logging and monitoring"}],
        "top": 3,
    }
    results = client.post("/api/v1/match", json=body, headers=headers).json()
    scores = [{m["entry_id"]: m["score"] for m in r["matches"]} for r in results]
    both = scores[0].keys() & scores[1].keys()
    assert results[0]["matches"][0]["entry_id"] in both
    assert all(scores[0][e] == scores[1][e] for e in both)
    assert all("read with" not in m["explanation"] for m in results[1]["matches"])
    too_long = {"questions": [{"question": question, "context": "x" * 1_001}]}
    response = client.post("/api/v1/match", json=too_long, headers=headers)
    assert response.status_code == 422


def test_match_refuses_bad_bodies_with_422(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("responder"))
    for body in [
        {},
        {"questions": []},
        {"questions": ["ok"], "top": 0},
        {"questions": "not a list"},
    ]:
        response = client.post("/api/v1/match", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
    response = client.post(
        "/api/v1/match",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    assert response.status_code == 422


def test_a_viewer_key_may_not_upload(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_key("viewer"))
    response = client.post(
        "/api/v1/questionnaires",
        headers=headers,
        files={"file": ("q.xlsx", b"PK\x03\x04", "application/octet-stream")},
    )
    assert response.status_code == 403


def test_responses_carry_security_headers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert "object-src 'none'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/questionnaires" in schema["paths"]
    assert "/api/v1/match" in schema["paths"]
