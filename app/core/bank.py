"""Answer-bank entries: the YAML file format, validation and detail rendering."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
import yaml.constructor
import yaml.cyaml
import yaml.resolver

from app.core.collector import collector_paused
from app.core.errors import BankError
from app.core.limits import CELL_LIMIT

STATUSES = ("draft", "approved", "retired")
ENTRY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._&-]{0,79}$")
MAX_TEXT = CELL_LIMIT
# The most other wordings one statement keeps, whether a curator typed them or review learned them.
MAX_ALTERNATES = 200
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CANONICAL_ANSWERS = {"yes": "Yes", "no": "No", "n/a": "N/A", "na": "N/A"}
PROFILE_FILE = "profile.yaml"
NON_ENTRY_FILES = frozenset({PROFILE_FILE, "thesaurus.yaml"})
# The fields a curator writes, in the order bank files list them (the id comes first).
CONTENT_FIELDS = (
    "question",
    "alternates",
    "answer",
    "detail",
    "tags",
    "refs",
    "owner",
    "status",
    "reviewed",
    "review_every_days",
)
_FIELDS = frozenset({"id", *CONTENT_FIELDS})


@dataclass(frozen=True)
class Entry:
    """One approved (or draft, or retired) governance statement."""

    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    detail: str = ""
    tags: tuple[str, ...] = ()
    refs: Mapping[str, str] = field(default_factory=dict)
    owner: str | None = None
    status: str = "draft"
    reviewed: date | None = None
    review_every_days: int | None = None
    version: int = 1

    def is_stale(self, *, today: date, default_review_days: int | None = None) -> bool:
        """Tell whether the entry is past its review date."""
        every = self.review_every_days or default_review_days
        if every is None or self.reviewed is None:
            return False
        return self.reviewed + timedelta(days=every) < today

    def review_due(self, *, default_review_days: int | None = None) -> date | None:
        """Return the date by which the entry must be re-reviewed, if it has one."""
        every = self.review_every_days or default_review_days
        if every is None or self.reviewed is None:
            return None
        return self.reviewed + timedelta(days=every)

    def can_autofill(self, *, today: date, default_review_days: int | None = None) -> bool:
        """Tell whether the entry may fill an answer without a person choosing it."""
        return self.status == "approved" and not self.is_stale(
            today=today, default_review_days=default_review_days
        )

    def with_changes(self, **changes: Any) -> Entry:
        """Return a copy of the entry with some fields replaced."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Bank:
    """The entries and the profile variables their details render with."""

    entries: tuple[Entry, ...]
    profile: Mapping[str, Any] = field(default_factory=dict)

    def by_id(self) -> dict[str, Entry]:
        """Index the entries by id."""
        return {entry.id: entry for entry in self.entries}


# What makes Jinja's output differ from its input: a tag, an expression or a comment, and the
# newline handling (CR and CRLF become LF; one trailing newline is dropped).
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|\r|\n\Z")


def same_wording(text: str) -> str:
    """Key a question's wording: two wordings are the same when case and spacing aside agree."""
    return " ".join(text.casefold().split())


def check_text(value: str, *, where: str) -> str:
    """Refuse text that cannot go into a spreadsheet cell: control characters or over 32,767."""
    if _CONTROL_CHARS.search(value):
        raise BankError(f"{where}: contains control characters")
    if len(value) > MAX_TEXT:
        raise BankError(f"{where}: longer than {MAX_TEXT} characters")
    return value


def render_detail(entry: Entry, profile: Mapping[str, Any]) -> str:
    """Render an entry's checked detail over the profile; unknown variables are errors."""
    if not entry.detail:
        return ""
    if not _TEMPLATE_SYNTAX.search(entry.detail):
        # Jinja would hand plain text back unchanged; compiling it costs about 0.4 ms a detail,
        # seconds for a large bank on every start.
        return entry.detail
    # Jinja is imported here, not with the module: matching never renders a detail, and the
    # import costs every start of `vouch match` about 0.1 s.
    from jinja2 import TemplateError, UndefinedError

    from app.core.detail_template import TemplateRefused, render_template

    try:
        return render_template(entry.detail, profile)
    except TemplateRefused as exc:
        raise BankError(f"entry {entry.id}: detail {exc}") from exc
    except UndefinedError as exc:
        raise BankError(
            f"entry {entry.id}: detail uses an unknown variable ({exc.message})"
        ) from exc
    except TemplateError as exc:
        raise BankError(f"entry {entry.id}: detail is not a valid template ({exc})") from exc


def _text(raw: Mapping[str, Any], name: str, where: str, *, required: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            raise BankError(f"{where}: field '{name}' is required")
        return ""
    if isinstance(value, bool) and name == "answer":
        # YAML reads a bare Yes/No as a boolean; keep the word the curator meant.
        value = "Yes" if value else "No"
    if not isinstance(value, str | int | float):
        raise BankError(f"{where}: field '{name}' must be text")
    text = str(value).strip()
    if name == "answer":
        text = CANONICAL_ANSWERS.get(text.lower(), text)
    if required and not text:
        raise BankError(f"{where}: field '{name}' is empty")
    return check_text(text, where=f"{where}: field '{name}'")


def _strings(raw: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise BankError(f"{where}: field '{name}' must be a list of text")
    return tuple(
        check_text(str(v).strip(), where=f"{where}: field '{name}'")
        for v in value
        if str(v).strip()
    )


def parse_entry(raw: Any, *, where: str) -> Entry:
    """Build an entry from one parsed YAML mapping, naming `where` in every error."""
    if not isinstance(raw, Mapping):
        raise BankError(f"{where}: each entry must be a mapping of fields")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ENTRY_ID_PATTERN.match(entry_id):
        raise BankError(
            f"{where}: field 'id' must be letters, digits, '.', '_', '&' or '-' (got {entry_id!r})"
        )
    where = f"{where} (entry {entry_id})"
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise BankError(f"{where}: unknown field '{unknown[0]}'")
    status = raw.get("status", "draft")
    if status not in STATUSES:
        raise BankError(f"{where}: field 'status' must be one of {', '.join(STATUSES)}")
    refs = raw.get("refs") or {}
    if not isinstance(refs, Mapping):
        raise BankError(f"{where}: field 'refs' must be a mapping such as {{caiq: IAM-14.1}}")
    reviewed = raw.get("reviewed")
    if reviewed is not None and not isinstance(reviewed, date):
        try:
            reviewed = date.fromisoformat(str(reviewed))
        except ValueError as exc:
            raise BankError(f"{where}: field 'reviewed' must be a date (YYYY-MM-DD)") from exc
    every = raw.get("review_every_days")
    if every is not None and (not isinstance(every, int) or isinstance(every, bool) or every <= 0):
        raise BankError(f"{where}: field 'review_every_days' must be a positive whole number")
    owner = raw.get("owner")
    return Entry(
        id=entry_id,
        question=_text(raw, "question", where, required=True),
        answer=_text(raw, "answer", where, required=True),
        alternates=_strings(raw, "alternates", where),
        detail=_text(raw, "detail", where),
        tags=_strings(raw, "tags", where),
        refs={str(k): str(v) for k, v in refs.items()},
        owner=str(owner) if owner is not None else None,
        status=status,
        reviewed=reviewed,
        review_every_days=every,
    )


class _Yaml12Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2's core schema, as ruamel.yaml reads it: `yes` and `on` stay text."""


for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    (
        "float",
        r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN)""",
        "-+0123456789.",
    ),
    ("int", r"[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+", "-+0123456789"),
    ("merge", r"<<", "<"),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    (
        "timestamp",
        r"""[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?""",
        "0123456789",
    ),
):
    _Yaml12Resolver.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$", re.X), list(_first)
    )


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Yaml12Constructor(yaml.constructor.SafeConstructor):
    """Safe construction with YAML 1.2 integers, and a repeated key refused as ruamel does."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
            if digits.startswith(prefix):
                return sign * int(digits[2:], base)
        return sign * int(digits, 10)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the general check below refuses it with its line
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Yaml12Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _Yaml12Constructor.construct_yaml_int
)
_CParser: Any = getattr(yaml.cyaml, "CParser", None)

if _CParser is not None:

    class _FastYaml12Loader(_CParser, _Yaml12Constructor, _Yaml12Resolver):  # type: ignore[misc]
        """libyaml's parser (about 15 times ruamel.yaml's pure Python one) on the 1.2 schema."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Yaml12Constructor.__init__(self)
            _Yaml12Resolver.__init__(self)


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Unusual(Exception):
    """The document holds something the plain walk leaves to the full constructor."""


def _plain_tree(loader: Any, node: yaml.Node, seen: set[int]) -> Any:
    """Build a document of plain mappings, lists and scalars straight from its nodes.

    The general constructor spends a third of a 10,000-entry bank's parse on bookkeeping for
    anchors, recursion and merge keys that entry files do not use. Scalars still go through
    the YAML 1.2 constructors; a repeated key, a merge key, a node reached twice (an alias of
    a collection) or an unusual tag raise _Unusual, and the caller constructs the whole
    document the general way, errors included.
    """
    if node.__class__ is yaml.ScalarNode:
        return node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
    if id(node) in seen:
        raise _Unusual
    seen.add(id(node))
    if node.__class__ is yaml.SequenceNode and node.tag == _SEQ_TAG:
        return [_plain_tree(loader, item, seen) for item in node.value]
    if node.__class__ is yaml.MappingNode and node.tag == _MAP_TAG:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode or key_node.tag == _MERGE_TAG:
                raise _Unusual
            key = _plain_tree(loader, key_node, seen)
            if not isinstance(key, Hashable) or key in mapping:
                raise _Unusual
            mapping[key] = _plain_tree(loader, value_node, seen)
        return mapping
    raise _Unusual


def parse_yaml(text: str) -> Any:
    """Parse YAML 1.2 text safely, with libyaml where it is installed."""
    if _CParser is not None:
        loader = _FastYaml12Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _plain_tree(loader, node, set())
            except (_Unusual, RecursionError):
                return loader.construct_document(node)
        finally:
            loader.dispose()
    # Imported here: ruamel.yaml's pure-Python parser is only the fallback, and importing it
    # costs every `vouch match` start that reads its index from the store.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise yaml.MarkedYAMLError(problem=str(exc), problem_mark=mark) from exc


def read_yaml(path: Path) -> Any:
    """Parse a YAML 1.2 file safely (PyYAML's 1.1 schema would turn yes into True)."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise BankError(f"{path.name}: not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise BankError(f"{path.name}: not valid YAML{line}") from exc


def load_profile(directory: Path) -> dict[str, Any]:
    """Read `profile.yaml` from a bank directory (empty when there is none)."""
    path = directory / PROFILE_FILE
    if not path.exists():
        return {}
    raw = read_yaml(path)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise BankError(f"{PROFILE_FILE}: must be a mapping of variable names to values")
    profile = {str(k): v for k, v in raw.items()}
    from app.core.detail_template import check_profile

    try:
        check_profile(profile)
    except BankError as exc:
        raise BankError(f"{PROFILE_FILE}: {exc}") from exc
    return profile


def entry_files(directory: Path) -> list[Path]:
    """List the YAML files of a bank directory that hold entries, in a stable order."""
    return sorted(
        p for p in directory.rglob("*.yaml") if p.is_file() and p.name not in NON_ENTRY_FILES
    )


def parse_entries(raw: Any, *, source: str) -> list[Entry]:
    """Parse the list of entries held by one bank file."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BankError(f"{source}: must hold a list of entries")
    return [parse_entry(item, where=f"{source}, item {i + 1}") for i, item in enumerate(raw)]


def validate(entries: Iterable[tuple[str, Entry]], profile: Mapping[str, Any] | None) -> None:
    """Check ids are unique and every detail renders over the profile (when one is given)."""
    seen: dict[str, str] = {}
    for source, entry in entries:
        if entry.id in seen:
            raise BankError(
                f"{source} (entry {entry.id}): duplicate id, already defined in {seen[entry.id]}"
            )
        seen[entry.id] = source
        if profile is None:
            continue
        try:
            render_detail(entry, profile)
        except BankError as exc:
            raise BankError(f"{source}: {exc}") from exc


def load_bank(directory: Path, *, check_details: bool = True) -> Bank:
    """Load and validate every entry file and the profile of a bank directory.

    Without `check_details`, ids are still checked but details are not rendered (matching
    never renders them, and rendering costs about 0.4 ms for each one with a variable).
    """
    if not directory.is_dir():
        raise BankError(f"{directory}: not a directory")
    profile = load_profile(directory)
    sourced: list[tuple[str, Entry]] = []
    with collector_paused():
        for path in entry_files(directory):
            source = str(path.relative_to(directory))
            sourced.extend((source, e) for e in parse_entries(read_yaml(path), source=source))
    validate(sourced, profile if check_details else None)
    return Bank(entries=tuple(e for _, e in sourced), profile=profile)
