"""Detail templates: variable substitution with a few filters, checked by walking the parse tree.

A detail is a Jinja2 template over the profile, but only a small part of the language is
allowed: text, `{{ variable }}`, literal values and the filters in `FILTERS`, chained. Loops,
conditions, arithmetic, calls, attribute access and the rest are refused when the detail is
saved, so rendering costs at most a few passes over the profile and its output is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.runtime import Undefined
from jinja2.sandbox import SandboxedEnvironment

from app.core.errors import BankError
from app.core.limits import CELL_LIMIT

MAX_ARGUMENT = 100
MAX_LIST_ITEMS = 200
MAX_VARIABLE_NAME = 64
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Names Jinja gives a meaning of its own; a profile variable may not take them.
RESERVED_NAMES = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})


class TemplateRefused(BankError):
    """A detail uses a construct outside the allowed subset, or cannot render within the limits."""


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _printed(value: Any) -> str:
    # str() of a StrictUndefined raises, which is how a missing variable is reported.
    return str(value)


def _bounded(text: str) -> str:
    if len(text) > CELL_LIMIT:
        raise TemplateRefused(
            f"renders to more than {CELL_LIMIT} characters, more than a cell holds"
        )
    return text


def _join(value: Any, separator: str = "") -> str:
    items = [_printed(item) for item in _items(value)]
    # Measured before joining, so a long list with a long separator is never built.
    size = sum(map(len, items)) + len(_printed(separator)) * max(len(items) - 1, 0)
    if size > CELL_LIMIT:
        raise TemplateRefused(
            f"renders to more than {CELL_LIMIT} characters, more than a cell holds"
        )
    return _printed(separator).join(items)


def _default(value: Any, fallback: Any = "") -> Any:
    if isinstance(value, Undefined) or value is None or value == "" or value == []:
        return fallback
    return value


def _first(value: Any) -> Any:
    items = _items(value)
    return items[0] if items else ""


def _last(value: Any) -> Any:
    items = _items(value)
    return items[-1] if items else ""


def _text_filter(change: Callable[[str], str]) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        return _bounded(change(_printed(value)))

    return apply


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:].lower()


# What each allowed filter does, as answer_bank/README.md documents it.
FILTERS: dict[str, Callable[..., Any]] = {
    "join": _join,
    "default": _default,
    "first": _first,
    "last": _last,
    "length": lambda value: len(value) if isinstance(value, str) else len(_items(value)),
    "upper": _text_filter(str.upper),
    "lower": _text_filter(str.lower),
    "capitalize": _text_filter(_capitalize),
    "title": _text_filter(str.title),
    "trim": _text_filter(str.strip),
}
_ALLOWED_LIST = ", ".join(sorted(FILTERS))

_CONSTRUCTS: dict[type[nodes.Node], str] = {
    nodes.Name: "a variable",
    nodes.For: "a loop ({% for %})",
    nodes.If: "a condition ({% if %})",
    nodes.CondExpr: "a conditional expression (… if … else …)",
    nodes.Assign: "an assignment ({% set %})",
    nodes.AssignBlock: "an assignment ({% set %})",
    nodes.Macro: "a macro ({% macro %})",
    nodes.CallBlock: "a call block ({% call %})",
    nodes.FilterBlock: "a filter block ({% filter %})",
    nodes.With: "a with block ({% with %})",
    nodes.Block: "a block ({% block %})",
    nodes.Extends: "template inheritance ({% extends %})",
    nodes.Include: "an include ({% include %})",
    nodes.Import: "an import ({% import %})",
    nodes.FromImport: "an import ({% from … import %})",
    nodes.ScopedEvalContextModifier: "an autoescape block ({% autoescape %})",
    nodes.Call: "a function call",
    nodes.Mul: "multiplication (*)",
    nodes.Pow: "a power (**)",
    nodes.Add: "addition (+)",
    nodes.Sub: "subtraction (-)",
    nodes.Div: "division (/)",
    nodes.FloorDiv: "division (//)",
    nodes.Mod: "the % operator",
    nodes.Neg: "a minus sign",
    nodes.Pos: "a plus sign",
    nodes.Concat: "string joining (~)",
    nodes.Compare: "a comparison",
    nodes.And: "a logical operator (and)",
    nodes.Or: "a logical operator (or)",
    nodes.Not: "a logical operator (not)",
    nodes.Test: "a test (is …)",
    nodes.Getattr: "attribute access (x.name)",
    nodes.Getitem: "indexing (x[…])",
    nodes.Slice: "slicing (x[a:b])",
    nodes.List: "a list literal",
    nodes.Tuple: "a tuple literal",
    nodes.Dict: "a dict literal",
}


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        return f"a call to {node.node.name}()"
    for kind, name in _CONSTRUCTS.items():
        if isinstance(node, kind):
            return name
    return f"the construct {type(node).__name__}"


def _refuse(node: nodes.Node) -> TemplateRefused:
    return TemplateRefused(
        f"uses {_describe(node)}, which a detail may not; a detail holds text, "
        f"{{{{ variable }}}} and the filters {_ALLOWED_LIST}"
    )


def _check_filter(node: nodes.Filter) -> Iterator[nodes.Node]:
    if node.name not in FILTERS:
        raise TemplateRefused(
            f"uses the filter '{node.name}', which a detail may not; "
            f"the filters allowed are {_ALLOWED_LIST}"
        )
    if node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None:
        raise TemplateRefused(f"passes named or unpacked arguments to the filter '{node.name}'")
    if len(node.args) > 2:
        raise TemplateRefused(f"passes more than two arguments to the filter '{node.name}'")
    for argument in node.args:
        if not isinstance(argument, nodes.Const):
            raise TemplateRefused(
                f"passes {_describe(argument)} to the filter '{node.name}'; "
                "its arguments must be plain text or numbers"
            )
    if node.node is not None:
        yield node.node
    yield from node.args


def _children(node: nodes.Node) -> Iterator[nodes.Node]:
    """Yield the nodes under an allowed node, or refuse the node."""
    if isinstance(node, nodes.Template | nodes.Output):
        yield from node.iter_child_nodes()
    elif isinstance(node, nodes.TemplateData):
        return
    elif isinstance(node, nodes.Name):
        if node.ctx != "load" or node.name in RESERVED_NAMES:
            raise TemplateRefused(f"uses the name '{node.name}', which Jinja reserves")
    elif isinstance(node, nodes.Const):
        if not isinstance(node.value, str | int | float | bool) and node.value is not None:
            raise _refuse(node)
        if isinstance(node.value, str) and len(node.value) > MAX_ARGUMENT:
            raise TemplateRefused(f"holds a quoted value longer than {MAX_ARGUMENT} characters")
    elif isinstance(node, nodes.Filter):
        yield from _check_filter(node)
    else:
        raise _refuse(node)


_environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
# Nothing but the profile and the filters above is in reach of a detail.
_environment.globals.clear()
_environment.filters = dict(FILTERS)
_environment.tests = {}


def check_template(source: str) -> None:
    """Refuse a detail that is not valid, or uses anything beyond variables and allowed filters."""
    _compiled(source)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    if len(source) > CELL_LIMIT:
        raise TemplateRefused(f"is longer than {CELL_LIMIT} characters")
    try:
        tree = _environment.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(
            f"is not a valid template ({exc.message}, line {exc.lineno})"
        ) from exc
    except (ValueError, OverflowError) as exc:
        # Jinja reads a number with int(), which refuses one of more than 4,300 digits.
        raise TemplateRefused("holds a number too long to read") from exc
    except RecursionError as exc:
        # Jinja's parser recurses once per nested bracket.
        raise TemplateRefused("nests brackets too deeply") from exc
    except TemplateError as exc:
        raise TemplateRefused(f"is not a valid template ({exc})") from exc
    pending: list[nodes.Node] = [tree]
    while pending:
        pending.extend(_children(pending.pop()))
    return _environment.from_string(tree)


def check_variable(name: str, value: Any) -> None:
    """Refuse a profile variable a detail could not print into a cell: its name, type or size."""
    if not name or len(name) > MAX_VARIABLE_NAME or not name.isidentifier():
        raise BankError(
            f"variable name {name[:80]!r} must be letters, digits and '_', starting with a letter"
        )
    if name in RESERVED_NAMES:
        raise BankError(f"variable name '{name}' is reserved; choose another")
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_LIST_ITEMS:
        raise BankError(f"variable {name}: a list holds at most {MAX_LIST_ITEMS} values")
    size = 0
    for item in items:
        if item is not None and not isinstance(item, str | int | float | bool):
            raise BankError(f"variable {name}: each value must be text, a number or a list of them")
        text = str(item)
        if _CONTROL_CHARS.search(text):
            raise BankError(f"variable {name}: contains control characters")
        size += len(text)
    if size > CELL_LIMIT:
        raise BankError(f"variable {name}: longer than {CELL_LIMIT} characters")


def check_profile(profile: Mapping[str, Any]) -> None:
    """Refuse a profile holding a variable that `check_variable` refuses."""
    for name, value in profile.items():
        check_variable(name, value)


def render_template(source: str, profile: Mapping[str, Any]) -> str:
    """Render a checked detail over a checked profile, stopping once it outgrows a cell."""
    template = _compiled(source)
    check_profile(profile)
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(**profile):
            size += len(piece)
            if size > CELL_LIMIT:
                raise TemplateRefused(
                    f"renders to more than {CELL_LIMIT} characters, more than a cell holds"
                )
            pieces.append(piece)
    except (TypeError, ValueError, OverflowError, LookupError, RecursionError) as exc:
        raise TemplateRefused(f"cannot be rendered ({type(exc).__name__}: {exc})") from exc
    text = "".join(pieces)
    if _CONTROL_CHARS.search(text):
        raise TemplateRefused("renders control characters, which a cell cannot hold")
    return text


def escape_template(text: str) -> str:
    """Make text render literally: it is given as written, never run as a template."""
    if not any(mark in text for mark in ("{{", "{%", "{#")):
        return text
    # No raw block may hold '{%' (in any spacing it could close the block early), so the text is
    # cut at each one and the mark itself is printed as a quoted value.
    return "{{ '{%' }}".join(f"{{% raw %}}{part}{{% endraw %}}" for part in text.split("{%"))
