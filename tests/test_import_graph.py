"""The floors of `app/`: imports point down, never up or sideways, and never in a circle.

Every import counts, including those inside functions, which are how a cycle usually hides.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# Lowest first; a module may import its own floor and the floors below it (README, "Architecture").
FLOORS: dict[str, int] = {
    "app.core": 0,
    "app.config": 1,
    "app.models": 1,
    "app.db": 1,
    "app.security": 1,
    "app.roles": 1,
    "app.isolation": 1,
    "app.migrations": 1,
    "app.services": 2,
    "app.deps": 3,
    "app.downloads": 3,
    "app.form_parts": 3,
    "app.middleware": 3,
    "app.ratelimit": 3,
    "app.refusals": 3,
    "app.api": 4,
    "app.web": 4,
    "app.main": 5,
    "app.cli": 5,
}
# Rooms of one floor that must not lean on each other: the pages and the API share through floor 3.
APART = ("app.api", "app.web")


def module_names(root: Path) -> dict[str, Path]:
    """Name every module under app/ by its dotted import path."""
    names = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if len(parts) > 1:  # the app package itself holds nothing
            names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The app modules one module imports, wherever in it the import statement stands."""

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(
                resolve(alias.name) for alias in node.names if alias.name.startswith("app")
            )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "app" or base.startswith("app."):
                # `from app.services import jobs` imports the module app.services.jobs.
                found.update(resolve(f"{base}.{alias.name}") for alias in node.names)
    return {m for m in found if m and m not in (name, "app")}


def import_graph(root: Path = APP) -> dict[str, set[str]]:
    """Map each module of the app to the app modules it imports."""
    names = module_names(root)
    return {name: imports_of(name, path, set(names)) for name, path in names.items()}


def floor_of(name: str) -> tuple[str, int]:
    """Tell which room of FLOORS a module belongs to and its floor."""
    for room in sorted(FLOORS, key=len, reverse=True):
        if name == room or name.startswith(room + "."):
            return room, FLOORS[room]
    raise LookupError(name)


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    """List every import that points up a floor or across between rooms kept apart."""
    found = []
    for name, targets in sorted(graph.items()):
        room, floor = floor_of(name)
        for target in sorted(targets):
            target_room, target_floor = floor_of(target)
            if target_floor > floor:
                found.append(f"{name} (floor {floor}) imports {target} (floor {target_floor})")
            elif room in APART and target_room in APART and room != target_room:
                found.append(f"{name} imports {target}: {room} and {target_room} share below")
            elif room == "app.config":
                found.append(f"app.config imports {target}: the settings know nothing of the app")
    return found


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """Return one import cycle, or an empty list when there is none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def test_every_module_of_the_app_stands_on_a_floor() -> None:
    unplaced = []
    for name in import_graph():
        try:
            floor_of(name)
        except LookupError:
            unplaced.append(name)
    assert not unplaced, f"place these in FLOORS and the README's architecture section: {unplaced}"


def test_no_import_points_up_a_floor_or_from_the_pages_to_the_api() -> None:
    assert wrong_way(import_graph()) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert cycle_in(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "complaint"),
    [
        ({"app.core.bank": {"app.models"}, "app.models": set()}, "floor 0) imports app.models"),
        ({"app.services.jobs": {"app.deps"}, "app.deps": set()}, "imports app.deps (floor 3)"),
        ({"app.web.bank": {"app.api.bank"}, "app.api.bank": set()}, "share below"),
        ({"app.config": {"app.core.matching"}, "app.core.matching": set()}, "know nothing"),
    ],
)
def test_the_floor_check_names_each_kind_of_wrong_import(
    graph: dict[str, set[str]], complaint: str
) -> None:
    assert complaint in " ".join(wrong_way(graph))


def test_the_cycle_check_sees_a_circle_made_of_imports_inside_functions(tmp_path: Path) -> None:
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    for package in (tmp_path / "app", services):
        (package / "__init__.py").write_text("")
    (services / "jobs.py").write_text("def run():\n    from app.services import forms\n")
    (services / "forms.py").write_text("from app.services.jobs import run\n")
    cycle = cycle_in(import_graph(tmp_path / "app"))
    assert set(cycle) == {"app.services.jobs", "app.services.forms"}
