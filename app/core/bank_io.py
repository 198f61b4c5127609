"""Move the answer bank in and out of Vouch: canonical YAML, import plans, CSV and XLSX exports."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from app.core.bank import NON_ENTRY_FILES, PROFILE_FILE, Entry
from app.core.errors import BankError

GENERAL_FILE_STEM = "general"
# One field per line keeps diffs of curated text readable and Jinja tags unbroken.
_NO_WRAP = 1_000_000
_FILE_STEM_UNSAFE = re.compile(r"[^a-z0-9]+")
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = (
    "id",
    "question",
    "alternates",
    "answer",
    "detail",
    "tags",
    "refs",
    "owner",
    "status",
    "reviewed",
    "review_due",
)


class _FlowList(list[str]):
    """A short list (tags) that reads best on one line."""


class _FlowMap(dict[str, str]):
    """A short mapping (refs) that reads best on one line."""


class _CanonicalDumper(yaml.SafeDumper):
    """A safe dumper that indents nested lists, so entries read like the README examples."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_STR_TAG = "tag:yaml.org,2002:str"


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text stays readable as a literal block. Text that YAML would misread when
    # left plain ("Yes" as a boolean, "{{ company }}" as a mapping, "2026-01-01" as a date)
    # gets double quotes, which read better than doubled single quotes in apostrophes.
    if "\n" in value:
        return dumper.represent_scalar(_STR_TAG, value, style="|")
    analysis = dumper.analyze_scalar(value)
    plain_is_safe = (
        not analysis.empty
        and analysis.allow_block_plain
        and dumper.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    )
    return dumper.represent_scalar(_STR_TAG, value, style=None if plain_is_safe else '"')


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _represent_flow_map(dumper: yaml.SafeDumper, value: _FlowMap) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_CanonicalDumper.add_representer(str, _represent_text)
_CanonicalDumper.add_representer(_FlowList, _represent_flow_list)
_CanonicalDumper.add_representer(_FlowMap, _represent_flow_map)


def _to_yaml(value: Any) -> str:
    return yaml.dump(
        value,
        Dumper=_CanonicalDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_NO_WRAP,
    )


def entry_to_mapping(entry: Entry) -> dict[str, Any]:
    """Lay out an entry's fields in the canonical order, leaving out empty optional fields."""
    fields: dict[str, Any] = {"id": entry.id, "question": entry.question}
    if entry.alternates:
        fields["alternates"] = list(entry.alternates)
    fields["answer"] = entry.answer
    if entry.detail:
        fields["detail"] = entry.detail
    if entry.tags:
        fields["tags"] = _FlowList(entry.tags)
    if entry.refs:
        fields["refs"] = _FlowMap(entry.refs)
    if entry.owner:
        fields["owner"] = entry.owner
    fields["status"] = entry.status
    if entry.reviewed is not None:
        fields["reviewed"] = entry.reviewed
    if entry.review_every_days is not None:
        fields["review_every_days"] = entry.review_every_days
    return fields


def file_stem_for(entry: Entry) -> str:
    """Name the file an entry belongs in after its first (domain) tag, safe for any file system."""
    if not entry.tags:
        return GENERAL_FILE_STEM
    # Tags come from uploaded YAML, so never let one steer the path (no '/', '..' or odd bytes).
    stem = _FILE_STEM_UNSAFE.sub("-", entry.tags[0].lower()).strip("-") or GENERAL_FILE_STEM
    if f"{stem}.yaml" in NON_ENTRY_FILES:
        # A tag named like the profile or thesaurus must not overwrite (or hide inside) them.
        return f"{stem}-entries"
    return stem


def render_entries_file(entries: Sequence[Entry], *, stem: str) -> str:
    """Render the canonical text of one bank file: a header line, then entries sorted by id."""
    header = f"# Answer-bank entries for '{stem}'. Format and review rules: answer_bank/README.md\n"
    blocks = [_to_yaml([entry_to_mapping(e)]) for e in sorted(entries, key=lambda e: e.id)]
    return header + "\n" + "\n".join(blocks)


def render_profile(profile: Mapping[str, Any]) -> str:
    """Render the canonical text of `profile.yaml`, keeping the variables in their given order."""
    return _to_yaml({str(k): v for k, v in profile.items()})


def dump_entries(
    entries: Sequence[Entry], directory: Path, *, profile: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write entries as canonical YAML, one file per domain tag, and the profile when given."""
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise BankError(f"entry {entry.id}: duplicate id, cannot write the bank")
        seen.add(entry.id)
    by_stem: dict[str, list[Entry]] = {}
    for entry in entries:
        by_stem.setdefault(file_stem_for(entry), []).append(entry)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem in sorted(by_stem):
        path = directory / f"{stem}.yaml"
        path.write_text(render_entries_file(by_stem[stem], stem=stem), encoding="utf-8")
        written.append(path)
    if profile is not None:
        path = directory / PROFILE_FILE
        path.write_text(render_profile(profile), encoding="utf-8")
        written.append(path)
    return written
