"""Compare a filled workbook with its original: parts added, removed, changed, and changed cells."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.core.workbook.model import FidelityReport
from app.core.workbook.package import (
    DEFAULT_LIMITS,
    Limits,
    Package,
    open_package,
    translate_errors,
)
from app.core.workbook.refs import cell_ref
from app.core.workbook.sheetxml import SheetXml, parse_attributes
from app.core.workbook.styles import cell_format_elements, cell_xfs_span

OUTSIDE_CELLS = "(sheet settings outside the cells)"
_DIMENSION = re.compile(r"""(<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*)(["'])[^"']*\2""")
_COUNT = re.compile(r"""\s+count\s*=\s*["']\d*["']""")
_QUOTE_PREFIX = re.compile(r"""\bquotePrefix\s*=\s*["'](1|true)["']""")


def check_fidelity(
    original: bytes,
    filled: bytes,
    *,
    intended: Iterable[tuple[str, str]],
    limits: Limits = DEFAULT_LIMITS,
) -> FidelityReport:
    """Report every difference between two workbooks beyond the intended (sheet, cell) pairs."""
    with translate_errors():
        before = open_package(original, limits=limits)
        after = open_package(filled, limits=limits)
        allowed = {(sheet, ref.replace("$", "").upper()) for sheet, ref in intended}
        added = tuple(name for name in after.names if name not in set(before.names))
        removed = tuple(name for name in before.names if name not in set(after.names))
        changed = tuple(
            name
            for name in before.names
            if name in set(after.names) and before.read(name) != after.read(name)
        )
        sheet_names = {sheet.part: sheet.name for sheet in before.sheets}
        unintended: list[str] = []
        notes: list[str] = []
        unexplained: list[str] = []
        for part in changed:
            if part in sheet_names:
                unintended.extend(_changed_cells(before, after, part, sheet_names[part], allowed))
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
        if before.names != tuple(name for name in after.names if name not in added):
            notes.append("the order of the parts changed")
        ok = not added and not removed and not unexplained and not unintended
        return FidelityReport(
            ok=ok,
            parts_added=added,
            parts_removed=removed,
            parts_changed=changed,
            unintended_cells=tuple(unintended),
            notes=tuple(notes),
        )


def _changed_cells(
    before: Package, after: Package, part: str, sheet: str, allowed: set[tuple[str, str]]
) -> list[str]:
    """Return "Sheet!B7" for every cell that differs and was not meant to."""
    old, new = SheetXml(before.read(part)), SheetXml(after.read(part))
    old_cells, old_rows = _cells_and_rows(old)
    new_cells, new_rows = _cells_and_rows(new)
    differing = [
        (row, column)
        for row, column in old_cells.keys() | new_cells.keys()
        if old_cells.get((row, column)) != new_cells.get((row, column))
    ]
    unintended = [
        f"{sheet}!{cell_ref(row, column)}"
        for row, column in sorted(differing)
        if (sheet, cell_ref(row, column)) not in allowed
    ]
    for row in sorted(old_rows.keys() | new_rows.keys()):
        before_attrs, after_attrs = old_rows.get(row), new_rows.get(row)
        if before_attrs == after_attrs:
            continue
        if before_attrs is None and after_attrs is not None and set(after_attrs) <= {"r"}:
            continue  # a row inserted to hold answers; its cells were compared above
        unintended.append(f"{sheet}!row {row}")
    if _DIMENSION.sub(r"\1\2\2", old.outside_cells()) != _DIMENSION.sub(
        r"\1\2\2", new.outside_cells()
    ):
        unintended.append(f"{sheet}!{OUTSIDE_CELLS}")
    return unintended


def _cells_and_rows(
    sheet: SheetXml,
) -> tuple[dict[tuple[int, int], str], dict[int, dict[str, str]]]:
    cells: dict[tuple[int, int], str] = {}
    rows: dict[int, dict[str, str]] = {}
    for row in sheet.rows():
        attrs = parse_attributes(row.attrs)
        attrs.pop("spans", None)  # an optional hint the writer widens when it inserts a cell
        rows[row.number] = attrs
        for cell in sheet.cells(row):
            cells[(row.number, cell.column)] = sheet.text[cell.start : cell.end]
    return cells, rows


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
