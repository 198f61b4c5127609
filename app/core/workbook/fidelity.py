"""Compare a filled workbook with its original: parts added, removed, changed, and changed cells."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import FidelityReport
from app.core.workbook.package import Package, open_package, translate_errors
from app.core.workbook.refs import cell_ref
from app.core.workbook.sheetxml import (
    RowSpan,
    SheetXml,
    parse_attributes,
    read_cells,
)
from app.core.workbook.styles import cell_format_elements, cell_xfs_span

OUTSIDE_CELLS = "(sheet settings outside the cells)"
_DIMENSION = re.compile(r"""(<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*)(["'])[^"']*\2""")
_COUNT = re.compile(r"""\s+count\s*=\s*["']\d*["']""")
_QUOTE_PREFIX = re.compile(r"""\bquotePrefix\s*=\s*["'](1|true)["']""")


PARTS_REORDERED = "the order of the parts changed"


class ZipParts(Protocol):
    """An opened package: its part names in archive order, and each part's bytes."""

    names: tuple[str, ...]

    def read(self, name: str) -> bytes:
        """Return a part's uncompressed bytes."""
        ...


def compare_parts(
    before: ZipParts, after: ZipParts
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the parts added, removed and changed (byte for byte) from one package to the other."""
    before_names, after_names = set(before.names), set(after.names)
    added = tuple(name for name in after.names if name not in before_names)
    removed = tuple(name for name in before.names if name not in after_names)
    changed = tuple(
        name
        for name in before.names
        if name in after_names and before.read(name) != after.read(name)
    )
    return added, removed, changed


def check_fidelity(
    original: bytes,
    filled: bytes,
    *,
    intended: Iterable[tuple[str, str]],
    expected: Mapping[tuple[str, str], str | None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FidelityReport:
    """Report every difference between two workbooks beyond the intended (sheet, cell) pairs.

    With `expected` ({(sheet, cell): text or None for empty}), also parse the changed sheets with
    a real XML parser and check each of those cells reads back as that text and not as a formula.
    """
    with translate_errors():
        before = open_package(original, limits=limits)
        after = open_package(filled, limits=limits)
        allowed = {(sheet, ref.replace("$", "").upper()) for sheet, ref in intended}
        wanted = {
            (sheet, ref.replace("$", "").upper()): text
            for (sheet, ref), text in (expected or {}).items()
        }
        added, removed, changed = compare_parts(before, after)
        sheet_names = {sheet.part: sheet.name for sheet in before.sheets}
        unintended: list[str] = []
        notes: list[str] = []
        unexplained: list[str] = []
        unread = set(wanted)
        for part in changed:
            if part in sheet_names:
                sheet = sheet_names[part]
                found, read_back = _changed_cells(before, after, part, sheet, allowed, wanted)
                unintended.extend(found)
                unread -= read_back
            elif part == before.styles_part and _only_quote_prefix_added(
                before.read(part), after.read(part)
            ):
                notes.append(f"{part}: quotePrefix cell formats appended for formula-like answers")
            else:
                unexplained.append(part)
        if unexplained:
            notes.append(
                "changed parts that only answers should not touch: " + ", ".join(unexplained)
            )
        notes.extend(
            f"{sheet}!{ref} does not read back as written" for sheet, ref in sorted(unread)
        )
        if before.names != tuple(name for name in after.names if name not in added):
            notes.append(PARTS_REORDERED)
        ok = not (added or removed or unexplained or unintended or unread)
        return FidelityReport(
            ok=ok,
            parts_added=added,
            parts_removed=removed,
            parts_changed=changed,
            unintended_cells=tuple(unintended),
            notes=tuple(notes),
        )


def _changed_cells(
    before: Package,
    after: Package,
    part: str,
    sheet: str,
    allowed: set[tuple[str, str]],
    wanted: Mapping[tuple[str, str], str | None],
) -> tuple[list[str], set[tuple[str, str]]]:
    """Return "Sheet!B7" for each unintended change, and the wanted cells that read back right."""
    old, new = SheetXml(before.read(part)), SheetXml(after.read(part))
    old_rows = {span.number: span for span in old.rows()}
    new_rows = {span.number: span for span in new.rows()}
    unintended: list[str] = []
    for number in sorted(old_rows.keys() | new_rows.keys()):
        old_span, new_span = old_rows.get(number), new_rows.get(number)
        old_text = old.text[old_span.start : old_span.end] if old_span else None
        new_text = new.text[new_span.start : new_span.end] if new_span else None
        if old_text == new_text:
            continue
        old_cells = old.cell_texts(old_span) if old_span else {}
        new_cells = new.cell_texts(new_span) if new_span else {}
        differing = False
        for column in old_cells.keys() | new_cells.keys():
            before_cell, after_cell = old_cells.get(column), new_cells.get(column)
            if before_cell == after_cell:
                continue
            differing = True
            ref = cell_ref(number, column)
            if (sheet, ref) not in allowed:
                unintended.append(f"{sheet}!{ref}")
        if not differing or not _same_row_attributes(old_span, new_span):
            unintended.append(f"{sheet}!row {number}")  # the row changed beyond its cells
    if _DIMENSION.sub(r"\1\2\2", old.outside_cells()) != _DIMENSION.sub(
        r"\1\2\2", new.outside_cells()
    ):
        unintended.append(f"{sheet}!{OUTSIDE_CELLS}")
    values = read_cells(after.read(part), {ref for name, ref in wanted if name == sheet})
    read_back = {
        (name, ref)
        for (name, ref), text in wanted.items()
        if name == sheet and values.get(ref, (None, False)) == (text, False)
    }
    return unintended, read_back


def _same_row_attributes(old: RowSpan | None, new: RowSpan | None) -> bool:
    """Compare row attributes, ignoring the spans hint the writer widens when it inserts cells."""
    if new is None:
        return old is None
    after = parse_attributes(new.attrs)
    after.pop("spans", None)
    if old is None:
        return set(after) <= {"r"}  # a row inserted to hold answers; its cells are compared
    before = parse_attributes(old.attrs)
    before.pop("spans", None)
    return before == after


def _only_quote_prefix_added(old: bytes, new: bytes) -> bool:
    """Tell whether styles.xml differs only by quotePrefix formats appended to cellXfs."""
    old_text, new_text = old.decode("utf-8"), new.decode("utf-8")
    old_open, old_close, _ = cell_xfs_span(old_text)
    new_open, new_close, _ = cell_xfs_span(new_text)
    if old_text[: old_open.start()] != new_text[: new_open.start()]:
        return False
    if old_text[old_close.start() :] != new_text[new_close.start() :]:
        return False
    if _COUNT.sub("", old_open.group(0)) != _COUNT.sub("", new_open.group(0)):
        return False
    old_body = old_text[old_open.end() : old_close.start()]
    new_body = new_text[new_open.end() : new_close.start()]
    if not new_body.startswith(old_body):
        return False
    appended = new_body[len(old_body) :]
    elements = cell_format_elements(f"{new_open.group(0)}{appended}{new_close.group(0)}")
    return "".join(elements) == appended and all(
        _QUOTE_PREFIX.search(element) for element in elements
    )
