"""Every upload form field is bounded in depth, size and type: a 4xx naming it, never a 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.config import Settings
from tests.api.test_questionnaires_api import XLSX, small_workbook
from tests.conftest import bearer
from tests.web.test_bank_pages import curator
from tests.web.test_login import page_token

WORKBOOK = small_workbook()
GOOD_MAPPING = {
    "sheet": "Security",
    "header_row": 1,
    "question_column": "B",
    "answer_columns": ["C"],
    "detail_column": "D",
    "id_column": "A",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Answer uploads at once (202): these tests look at the request, not the processing."""
    return settings.model_copy(update={"sync_wait_seconds": 0.0})


def post(client: TestClient, key: str, *, mapping: str | None = None, name: str = "q.xlsx"):  # type: ignore[no-untyped-def]
    data = {"mapping": mapping} if mapping is not None else {}
    return client.post(
        "/api/v1/questionnaires",
        headers=bearer(key),
        data=data,
        files={"file": (name, WORKBOOK, XLSX)},
    )


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_mapping_is_a_422_naming_the_field(
    client: TestClient, make_key, depth: int
) -> None:  # type: ignore[no-untyped-def]
    response = post(client, make_key("responder"), mapping="[" * depth + "]" * depth)
    assert response.status_code == 422, response.text[:300]
    error = response.json()["error"]
    assert error["code"] in ("invalid_mapping", "invalid") and error["message"].startswith(
        "mapping"
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"header_row": "first"}, "mapping[0].header_row"),
        ({"header_row": 0}, "mapping[0].header_row"),
        ({"question_column": "B" * 10_000}, "mapping[0].question_column"),
        ({"answer_columns": []}, "mapping[0].answer_columns"),
        ({"answer_columns": [["C"]]}, "mapping[0].answer_columns[0]"),
        ({"sheet": "S" * 40}, "mapping[0].sheet"),
        ({"sheet": None}, "mapping[0].sheet"),
    ],
)
def test_each_mapping_field_is_checked_and_named(
    client: TestClient, make_key, change: dict[str, object], fragment: str
) -> None:  # type: ignore[no-untyped-def]
    response = post(client, make_key("responder"), mapping=json.dumps([{**GOOD_MAPPING, **change}]))
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["message"].startswith(fragment), response.text[:300]


def test_a_mapping_over_its_size_or_sheet_limit_is_refused(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    huge = post(client, key, mapping=json.dumps([GOOD_MAPPING] * 1_000))
    assert huge.status_code == 422 and "mapping" in huge.json()["error"]["message"]
    many = post(client, key, mapping=json.dumps([GOOD_MAPPING] * 101))
    assert many.status_code == 422 and "at most 100 sheets" in many.text
    fine = post(client, key, mapping=json.dumps(GOOD_MAPPING))
    assert fine.status_code in (201, 202), fine.text[:300]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner, max_size=4)
    ),
    max_leaves=20,
)
MAPPING_TEXT = (
    st.text(max_size=200)
    | JSON_VALUES.map(json.dumps)
    | st.fixed_dictionaries(
        {k: st.one_of(st.just(v), JSON_VALUES) for k, v in GOOD_MAPPING.items()}
    ).map(json.dumps)
    | st.integers(min_value=1, max_value=5_000).map(lambda n: "[" * n + "]" * n)
    | st.integers(min_value=1, max_value=5_000).map(lambda n: '{"a":' * n + "1" + "}" * n)
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mapping=MAPPING_TEXT, name=st.text(max_size=300))
def test_any_upload_form_fields_get_an_answer_never_a_500(
    client: TestClient, make_key, mapping: str, name: str
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    response = post(client, key, mapping=mapping, name=name)
    assert response.status_code in (201, 202, 400, 413, 422), (
        response.status_code,
        response.text[:300],
    )
    if response.status_code >= 400:
        assert response.json()["error"]["message"]
        assert "Traceback" not in response.text


def test_two_file_parts_in_one_upload_are_refused(client: TestClient, make_key, make_user) -> None:  # type: ignore[no-untyped-def]
    two = [("file", ("a.xlsx", WORKBOOK, XLSX)), ("file", ("b.xlsx", WORKBOOK, XLSX))]
    key = make_key("responder")
    api = client.post("/api/v1/questionnaires", headers=bearer(key), files=two)
    assert api.status_code == 422 and "file: sent more than once" in api.text, api.text[:300]
    assert client.get("/api/v1/questionnaires", headers=bearer(key)).json()["items"] == []
    harvest = client.post("/api/v1/bank/harvest", headers=bearer(make_key("curator")), files=two)
    assert harvest.status_code == 422 and "file: sent more than once" in harvest.text
    quote = client.post("/api/v1/quote", headers=bearer(key), files=two)
    assert quote.status_code == 422 and "file: sent more than once" in quote.text, quote.text
    curator(client, make_user)
    token = page_token(client)
    page = client.post("/questionnaires", data={"csrf_token": token}, files=two)
    assert page.status_code == 422 and "sent more than once" in page.text


def test_a_workbook_named_like_a_program_is_kept_and_offered_as_a_workbook(
    client: TestClient, make_key
) -> None:  # type: ignore[no-untyped-def]
    key = make_key("responder")
    response = post(client, key, name="evil.exe")
    assert response.status_code in (201, 202), response.text[:300]
    questionnaire_id = response.json()["id"]
    assert response.json()["filename"] == "evil.xlsx"
    for _ in range(100):
        found = client.get(f"/api/v1/questionnaires/{questionnaire_id}", headers=bearer(key))
        if found.json()["status"] not in ("queued", "running"):
            break
        import time

        time.sleep(0.1)
    download = client.get(
        f"/api/v1/questionnaires/{questionnaire_id}/workbook", headers=bearer(key)
    )
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert "evil-filled-draft.xlsx" in disposition and ".exe" not in disposition


def test_json_fields_are_bounded_and_named(client: TestClient, make_key) -> None:  # type: ignore[no-untyped-def]
    curator_key = bearer(make_key("curator"))
    refs = {f"scheme{i}": "x" for i in range(51)}
    entry = {"id": "X-1", "question": "Q?", "answer": "Yes", "refs": refs}
    many_refs = client.post("/api/v1/bank/entries", json=entry, headers=curator_key)
    assert many_refs.status_code == 422 and "refs" in many_refs.json()["error"]["message"]
    long_value = client.put(
        "/api/v1/bank/profile/company", json={"value": "x" * 40_000}, headers=curator_key
    )
    assert long_value.status_code == 422
    assert long_value.json()["error"]["message"] == "variable company: longer than 32767 characters"
    quote = client.post(
        "/api/v1/quote",
        json={"questions": ["q" * 40_000]},
        headers=bearer(make_key("responder")),
    )
    assert quote.status_code == 422 and "questions.0" in quote.json()["error"]["message"]
    deep = client.post(
        "/api/v1/quote",
        content=b'{"questions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        headers={**bearer(make_key("responder")), "Content-Type": "application/json"},
    )
    assert deep.status_code == 422, deep.text[:300]
