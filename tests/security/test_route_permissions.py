"""Every route that changes state declares its checks on the route, where no handler can forget them.

A permission is a dependency (`CanWriteBank`, `UserCanWriteBank`, ...), and every unsafe page route
carries a CSRF dependency; a handler body that called the check itself could leave it out unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from app.deps import UNSAFE_METHODS, ApiPrincipal, CanWriteBank, Permission, Writes, every_route
from app.web.auth import (
    CsrfProtected,
    CurrentWebUser,
    UserCanWriteBank,
    csrf_protected,
    login_csrf_protected,
)

# Unsafe routes open to anyone signed in (or about to be), by route name, each with its reason.
# Keep this short: a route belongs here only if no role may be refused it.
NO_PERMISSION_NEEDED = {
    "login_submit": "the visitor has no role until the login succeeds",
    "logout": "anyone may end their own session",
    "password_submit": "anyone signed in may change their own password",
}
CSRF_CHECKS: tuple[Callable[..., Any], ...] = (csrf_protected, login_csrf_protected)


def unsafe_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Yield every route of the app that changes state, looking inside included routers."""
    for route in every_route(app.routes):
        if isinstance(route, APIRoute) and route.methods & UNSAFE_METHODS:
            yield route


def dependencies_of(route: APIRoute) -> list[Any]:
    """Return every callable the route depends on, however deep, router dependencies included."""
    found: list[Any] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        found.append(dependant.call)
        pending.extend(dependant.dependencies)
    return found


def permissions_of(route: APIRoute) -> set[str]:
    """Return the permissions a route declares as dependencies."""
    return {call.permission for call in dependencies_of(route) if isinstance(call, Permission)}


def routes_without_permission(app: FastAPI) -> list[str]:
    """Name the unsafe routes that declare no permission and are not exempt."""
    return sorted(
        f"{sorted(route.methods & UNSAFE_METHODS)} {route.path} ({route.name})"
        for route in unsafe_routes(app)
        if not permissions_of(route) and route.name not in NO_PERMISSION_NEEDED
    )


def pages_without_csrf(app: FastAPI) -> list[str]:
    """Name the unsafe page routes (outside /api/) that carry no CSRF dependency."""
    return sorted(
        f"{sorted(route.methods & UNSAFE_METHODS)} {route.path} ({route.name})"
        for route in unsafe_routes(app)
        if not route.path.startswith("/api/")
        and not any(call in CSRF_CHECKS for call in dependencies_of(route))
    )


def test_every_unsafe_route_declares_its_permission(app: FastAPI) -> None:
    assert routes_without_permission(app) == []


def test_the_exemptions_are_few_and_each_names_a_route_without_a_permission(
    app: FastAPI,
) -> None:
    assert len(NO_PERMISSION_NEEDED) <= 3
    routes = {route.name: route for route in unsafe_routes(app)}
    for name in NO_PERMISSION_NEEDED:
        assert name in routes, f"stale exemption: no unsafe route is named {name}"
        assert not permissions_of(routes[name]), f"{name} has a permission; drop its exemption"


def test_every_unsafe_page_route_carries_the_csrf_dependency(app: FastAPI) -> None:
    assert pages_without_csrf(app) == []
    login = next(route for route in unsafe_routes(app) if route.name == "login_submit")
    # The login form has no session yet: its token is the double-submit cookie's, not a session's.
    assert login_csrf_protected in dependencies_of(login)
    assert csrf_protected not in dependencies_of(login)


def test_the_permissions_are_the_ones_the_routes_need(app: FastAPI) -> None:
    by_name = {route.name: permissions_of(route) for route in unsafe_routes(app)}
    assert by_name["bank_create"] == {"bank:write"}
    assert by_name["create_entry"] == {"bank:write"}
    assert by_name["upload"] == {"questionnaire:write"}
    assert by_name["review_signoff"] == {"questionnaire:signoff"}
    assert by_name["sign_off"] == {"questionnaire:signoff"}
    assert by_name["admin_user_create"] == {"admin"}


def test_the_walk_finds_a_route_that_forgot_its_checks() -> None:
    """The checks above would catch a route added without its dependencies."""
    api = APIRouter(prefix="/api/v1")
    pages = APIRouter(dependencies=[CsrfProtected])
    bare = APIRouter()

    @api.post("/guarded", dependencies=[Writes])
    def guarded(principal: CanWriteBank) -> None: ...

    @api.post("/forgotten", dependencies=[Writes])
    def forgotten(principal: ApiPrincipal) -> None: ...

    @pages.post("/page", dependencies=[Writes])
    def page(user: UserCanWriteBank) -> None: ...

    @bare.post("/bare-page", dependencies=[Writes])
    def bare_page(user: CurrentWebUser) -> None: ...

    app = FastAPI()
    for router in (api, pages, bare):
        app.include_router(router)
    assert routes_without_permission(app) == [
        "['POST'] /api/v1/forgotten (forgotten)",
        "['POST'] /bare-page (bare_page)",
    ]
    assert pages_without_csrf(app) == ["['POST'] /bare-page (bare_page)"]
