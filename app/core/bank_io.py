"""Move the answer bank in and out of Vouch: canonical YAML, import plans, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from ruamel.yaml.nodes import ScalarNode as Yaml12ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from app.core.bank import (
    CONTENT_FIELDS,
    NON_ENTRY_FILES,
    PROFILE_FILE,
    Entry,
    check_text,
    render_detail,
)
from app.core.errors import BankError
from app.core.formulas import neutralise_formula

GENERAL_FILE_STEM = "general"
# One field per line keeps diffs of curated text readable and Jinja tags unbroken.
_NO_WRAP = 1_000_000
_FILE_STEM_UNSAFE = re.compile(r"[^a-z0-9]+")
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
# The bank is read as YAML 1.2 and written by PyYAML (YAML 1.1), so text stays plain only
# when both versions read it back as text: 1.1 turns "Yes" into a boolean, 1.2 turns "1e3"
# into a float and "0o17" into an integer.
_YAML12_RESOLVER = VersionedResolver(version=(1, 2))
# PyYAML breaks literal blocks at these too, but YAML 1.2 does not read them as line breaks
# (and "\r" would fold away), so text holding one is written double-quoted with escapes.
_BREAKS_OUTSIDE_YAML12 = ("\r", "\x85", "\u2028", "\u2029")


def _reads_back_as_text(dumper: yaml.SafeDumper, value: str) -> bool:
    implicit = (True, False)
    yaml11_tag: str = dumper.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
    yaml12_tag: str = _YAML12_RESOLVER.resolve(Yaml12ScalarNode, value, implicit)
    return yaml11_tag == _STR_TAG and yaml12_tag == _STR_TAG


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text stays readable as a literal block. Text that YAML would misread when
    # left plain ("Yes" as a boolean, "{{ company }}" as a mapping, "2026-01-01" as a date)
    # gets double quotes, which read better than doubled single quotes in apostrophes.
    if "\n" in value and not any(ch in value for ch in _BREAKS_OUTSIDE_YAML12):
        return dumper.represent_scalar(_STR_TAG, value, style="|")
    analysis = dumper.analyze_scalar(value)
    plain_is_safe = (
        not analysis.empty and analysis.allow_block_plain and _reads_back_as_text(dumper, value)
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


@dataclass(frozen=True)
class EntryChange:
    """An incoming entry that differs from the current one with the same id."""

    current: Entry
    incoming: Entry
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ImportPlan:
    """What importing a set of entries would do; the service layer decides how to apply it.

    `conflicting` holds changes that need a curator: the YAML format carries no base version,
    so a change made "in both places" cannot be detected. Instead an incoming entry conflicts
    when the current entry is approved and the incoming answer differs from it, because that
    would silently change what Vouch writes into customers' questionnaires. Every other
    difference is in `changed`. Entries of the current bank that the import does not mention
    are listed in `not_in_import` and are never deleted by an import.
    """

    added: tuple[Entry, ...]
    changed: tuple[EntryChange, ...]
    unchanged: tuple[Entry, ...]
    conflicting: tuple[EntryChange, ...]
    not_in_import: tuple[str, ...] = ()

    @property
    def has_effect(self) -> bool:
        """Tell whether applying the plan would change the bank at all."""
        return bool(self.added or self.changed or self.conflicting)


def changed_fields(current: Entry, incoming: Entry) -> tuple[str, ...]:
    """Name the curated fields in which two versions of an entry differ (version is bookkeeping)."""
    differing = []
    for name in CONTENT_FIELDS:
        before, after = getattr(current, name), getattr(incoming, name)
        if name == "refs":
            before, after = dict(before), dict(after)
        if before != after:
            differing.append(name)
    return tuple(differing)


def diff_banks(current: Mapping[str, Entry], incoming: Sequence[Entry]) -> ImportPlan:
    """Plan importing entries into the current bank; duplicate incoming ids are refused."""
    seen: set[str] = set()
    added: list[Entry] = []
    changed: list[EntryChange] = []
    unchanged: list[Entry] = []
    conflicting: list[EntryChange] = []
    for entry in sorted(incoming, key=lambda e: e.id):
        if entry.id in seen:
            raise BankError(f"entry {entry.id}: appears more than once in the import")
        seen.add(entry.id)
        existing = current.get(entry.id)
        if existing is None:
            added.append(entry)
            continue
        fields = changed_fields(existing, entry)
        if not fields:
            unchanged.append(entry)
        elif existing.status == "approved" and "answer" in fields:
            conflicting.append(EntryChange(current=existing, incoming=entry, fields=fields))
        else:
            changed.append(EntryChange(current=existing, incoming=entry, fields=fields))
    return ImportPlan(
        added=tuple(added),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        conflicting=tuple(conflicting),
        not_in_import=tuple(sorted(set(current) - seen)),
    )


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def export_rows(
    entries: Sequence[Entry], profile: Mapping[str, Any], *, default_review_days: int | None = None
) -> list[list[str]]:
    """Lay out entries as spreadsheet-safe text rows, header first, details rendered."""
    rows = [list(EXPORT_COLUMNS)]
    for entry in sorted(entries, key=lambda e: e.id):
        values = {
            "id": entry.id,
            "question": entry.question,
            "alternates": "\n".join(entry.alternates),
            "answer": entry.answer,
            "detail": render_detail(entry, profile),
            "tags": ", ".join(entry.tags),
            "refs": "; ".join(f"{scheme}: {ref}" for scheme, ref in sorted(entry.refs.items())),
            "owner": entry.owner or "",
            "status": entry.status,
            "reviewed": _iso(entry.reviewed),
            "review_due": _iso(entry.review_due(default_review_days=default_review_days)),
        }
        rows.append(
            [
                check_text(neutralise_formula(values[column]), where=f"entry {entry.id}: {column}")
                for column in EXPORT_COLUMNS
            ]
        )
    return rows


def export_csv(
    entries: Sequence[Entry], profile: Mapping[str, Any], *, default_review_days: int | None = None
) -> bytes:
    """Export entries as CSV for people outside Vouch (UTF-8 with a BOM so Excel reads accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(export_rows(entries, profile, default_review_days=default_review_days))
    return buffer.getvalue().encode("utf-8-sig")


_XLSX_WIDTHS = {"A": 18, "B": 60, "C": 50, "D": 14, "E": 80, "F": 28, "G": 30, "H": 26}


def export_xlsx(
    entries: Sequence[Entry], profile: Mapping[str, Any], *, default_review_days: int | None = None
) -> bytes:
    """Export entries as an XLSX workbook for people outside Vouch, every cell plain text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Answer bank")
    for column, width in _XLSX_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    header, *body = export_rows(entries, profile, default_review_days=default_review_days)
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, font=bold) for name in header])
    for row in body:
        sheet.append([_text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet: Any, value: str, *, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    # openpyxl guesses a type from the text ("#N/A" becomes an error value); force plain text.
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell
