"""Every unsafe page route refuses a missing or wrong CSRF token and a cross-site origin."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, UploadFile
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis.strategies import from_regex

from app.config import Settings
from tests.hostile.corpus import valid_workbook
from tests.web.test_login import admin_password, log_in, login_token, page_token

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Ended last: it ends the session the other checks run in.
LAST = ("/logout",)


def all_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Yield every API route, looking inside included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers whole
            yield from all_routes(route.original_router.routes)


def unsafe_page_routes(app: FastAPI) -> list[APIRoute]:
    """Return every route outside the API that changes state."""
    routes = [
        route
        for route in all_routes(app.routes)
        if not route.path.startswith("/api/") and route.methods & UNSAFE
    ]
    return sorted(routes, key=lambda route: (route.path in LAST, route.path))


def _fields(dependant: Any, kind: str) -> Iterator[Any]:
    yield from getattr(dependant, kind)
    for sub in dependant.dependencies:
        yield from _fields(sub, kind)


def _is_file(annotation: Any) -> bool:
    if annotation is UploadFile:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
        typing.Union,
        list,
    ):
        return any(_is_file(arg) for arg in typing.get_args(annotation))
    return False


def _sample(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    """Return a form value a field of this type and its constraints accepts."""
    args = typing.get_args(annotation)
    if annotation is bool or bool in args:
        return "true"
    if annotation in (int, float) or int in args or float in args:
        return "1"
    for constraint in metadata:
        pattern = getattr(constraint, "pattern", None)
        if pattern:
            return str(from_regex(pattern, fullmatch=True).example())
        if getattr(constraint, "min_length", None):
            return "x" * int(constraint.min_length)
    return "x"


def well_formed_request(route: APIRoute, token: str | None) -> dict[str, Any]:
    """Build a request that passes validation, so only the CSRF check can refuse it."""
    path = route.path
    for param in _fields(route.dependant, "path_params"):
        sample = _sample(param.field_info.annotation, param.field_info.metadata)
        path = path.replace("{" + param.alias + "}", sample)
    data: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for param in _fields(route.dependant, "body_params"):
        if param.alias == "csrf_token":
            continue
        if _is_file(param.field_info.annotation):
            files[param.alias] = ("questionnaire.xlsx", valid_workbook())
        else:
            data[param.alias] = _sample(param.field_info.annotation, param.field_info.metadata)
    if token is not None:
        data["csrf_token"] = token
    method = sorted(route.methods & UNSAFE)[0]
    return {"method": method, "url": path, "data": data, "files": files or None}


def refused_as_csrf(response: Any) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == "csrf"


def test_the_enumeration_finds_the_forms_vouch_has(app: FastAPI) -> None:
    paths = {route.path for route in unsafe_page_routes(app)}
    assert {"/login", "/logout", "/questionnaires", "/admin/users", "/admin/keys"} <= paths


def test_every_unsafe_page_route_refuses_missing_wrong_and_cross_site_requests(
    client: TestClient, settings: Settings
) -> None:
    password = admin_password(settings)
    client.app.state.login_limiter.limit = 10_000  # type: ignore[attr-defined] - one login per route
    checked = []
    for route in unsafe_page_routes(client.app):  # type: ignore[arg-type]
        if route.path == "/login":
            continue
        client.cookies.clear()
        log_in(client, "admin", password)
        token = page_token(client)
        attempts = {
            "missing token": (well_formed_request(route, None), {}),
            "wrong token": (well_formed_request(route, "forged-" + token[7:]), {}),
            "another origin": (
                well_formed_request(route, token),
                {"Origin": "https://evil.example"},
            ),
            "opaque origin": (well_formed_request(route, token), {"Origin": "null"}),
            "cross-site fetch": (
                well_formed_request(route, token),
                {"Sec-Fetch-Site": "cross-site"},
            ),
        }
        for name, (request, headers) in attempts.items():
            response = client.request(**request, headers=headers, follow_redirects=False)
            assert refused_as_csrf(response), (route.path, name, response.status_code)
        # The control: the same request, same-origin and with the token, is not refused as CSRF.
        control = client.request(
            **well_formed_request(route, token),
            headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert control.status_code != 403, (route.path, control.text[:300])
        checked.append(route.path)
    assert "/logout" in checked and len(checked) >= 5


def test_the_login_form_refuses_missing_wrong_and_cross_site_requests(
    client: TestClient, settings: Settings
) -> None:
    form = {"username": "admin", "password": admin_password(settings)}
    token = login_token(client)
    for data, headers in (
        (form, {}),
        ({**form, "csrf_token": "forged"}, {}),
        ({**form, "csrf_token": token}, {"Origin": "https://evil.example"}),
        ({**form, "csrf_token": token}, {"Sec-Fetch-Site": "cross-site"}),
    ):
        response = client.post("/login", data=data, headers=headers, follow_redirects=False)
        assert refused_as_csrf(response), (data.keys(), headers)
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_api_ignores_a_session_cookie(
    client: TestClient, settings: Settings, method: str
) -> None:
    log_in(client, "admin", admin_password(settings))
    assert client.cookies.get("vouch_session")
    response = client.request(method, "/api/v1/questionnaires")
    assert response.status_code in (401, 405)
    assert client.get("/api/v1/entries").status_code == 401
