"""Read the choices of an answer cell's dropdown: a literal list, a range, or a defined name."""

from __future__ import annotations

import re

from app.core.workbook.grid import SheetGrid, WorkbookCells
from app.core.workbook.package import SheetInfo
from app.core.workbook.refs import parse_range

MAX_LIST_CELLS = 1000
_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")
_NAME = re.compile(r"^[A-Za-z_\\][\w.\\]*$")


def dropdown_choices(
    cells: WorkbookCells, sheet: SheetInfo, grid: SheetGrid, row: int, column: int
) -> tuple[tuple[str, ...], str | None]:
    """Return the cell's list-validation choices and, if the list could not be read, why."""
    for rule in grid.validations_at(row, column):
        if rule.kind != "list" or not rule.formula:
            continue
        return resolve_list(cells, sheet, rule.formula)
    return (), None


def resolve_list(
    cells: WorkbookCells, sheet: SheetInfo, formula: str
) -> tuple[tuple[str, ...], str | None]:
    """Resolve a list-validation source: a literal list, a range, or a defined name for either."""
    key = (sheet.name, formula)
    if key not in cells.lists:
        cells.lists[key] = _resolve_list(cells, sheet, formula)
    return cells.lists[key]


def _resolve_list(
    cells: WorkbookCells, sheet: SheetInfo, formula: str
) -> tuple[tuple[str, ...], str | None]:
    text = formula.strip().lstrip("=")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        items = text[1:-1].replace('""', '"').split(",")
        return tuple(item.strip() for item in items if item.strip()), None
    for _ in range(4):
        if not _NAME.match(text):
            break
        key = text.casefold()
        target = cells.package.defined_names.get(
            (key, sheet.position)
        ) or cells.package.defined_names.get((key, None))
        if target is None:
            return (), f"unknown name {text}"
        text = target.strip().lstrip("=")
    match = _SHEET_REF.match(text)
    if match:
        sheet_name = (match.group(1) or match.group(2) or "").replace("''", "'")
        reference = match.group(3)
    else:
        sheet_name, reference = sheet.name, text
    source = cells.package.sheet(sheet_name)
    if source is None:
        return (), f"no sheet {sheet_name!r}"
    try:
        cell_range = parse_range(reference)
    except ValueError:
        return (), f"unsupported formula {formula}"
    size = (cell_range.max_row - cell_range.min_row + 1) * (
        cell_range.max_col - cell_range.min_col + 1
    )
    if size > MAX_LIST_CELLS:
        return (), f"list range {reference} is too large"
    source_grid = cells.grid(source.name)
    items = [
        source_grid.text(row, column)
        for row in range(cell_range.min_row, cell_range.max_row + 1)
        for column in range(cell_range.min_col, cell_range.max_col + 1)
    ]
    return tuple(item for item in items if item), None
