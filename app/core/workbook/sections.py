"""What a row is about: the section heading above it and the context columns beside it."""

from __future__ import annotations

import re

from app.core.workbook.grid import SheetGrid
from app.core.workbook.labels import (
    classify_label,
    is_instruction,
    is_number,
    looks_like_id,
    normalize_label,
)

# Header labels of columns that say what a row is about: "Control Domain", "Category", "Section"…
HEADER_BAND_ROWS = 3  # how far above the header row a column's label may sit
MAX_CONTEXT_CELL = 200  # longer text in a "section" cell is prose, not a heading
_CONTEXT = re.compile(
    r"\b(domains?|categor(y|ies)|sections?|topics?|areas?|famil(y|ies)|themes?|titles?|"
    r"control names?|subject)\b"
)


def banner_rows(grid: SheetGrid, header_row: int, question_column: int) -> list[tuple[int, str]]:
    """Find section headings written left of or across an empty question cell, in row order."""
    banners = []
    for row in grid.row_numbers():
        if row < header_row or (row > header_row and grid.text(row, question_column)):
            continue
        text = next(
            (t for column in range(1, question_column + 1) if (t := _own_text(grid, row, column))),
            "",
        )
        text = " ".join(text.split())
        if (
            text
            and len(text) <= MAX_CONTEXT_CELL
            and not looks_like_id(text)
            and not is_number(text)
            and not is_instruction(text)
            # the header row names the first section only where its label is not a column's
            and (row > header_row or _names_a_section(text))
        ):
            banners.append((row, text))
    return banners


def _own_text(grid: SheetGrid, row: int, column: int) -> str:
    """Return a cell's text, or a merged range's where the range starts on this row."""
    merged = grid.merge_at(row, column)
    if merged is None:
        return grid.text(row, column)
    return grid.text(*merged.anchor) if merged.min_row == row else ""


def _names_a_section(text: str) -> bool:
    """Tell a section title on the header row ("Company Information") from a column's label."""
    return classify_label(text) is None and not _CONTEXT.search(normalize_label(text))


def context_columns(grid: SheetGrid, header_row: int, *, used: set[int | None]) -> tuple[int, ...]:
    """Find the columns whose header says what a row is about (domain, category, title)."""
    band = range(max(1, header_row - HEADER_BAND_ROWS + 1), header_row + 1)
    columns = sorted({column for row, column in grid.cells if row in band} - used)
    found = []
    for column in columns:
        # The nearest label above the data: a two-row header keeps it in its upper row.
        label = next(
            (text for row in reversed(band) if (text := grid.effective_text(row, column))), ""
        )
        if _CONTEXT.search(normalize_label(label)) and classify_label(label) is None:
            found.append(column)
    return tuple(found)


def row_context(grid: SheetGrid, row: int, heading: str, columns: tuple[int, ...]) -> str:
    """Join the row's section heading and its context cells, each once, shortest form."""
    parts: list[str] = []
    for text in (heading, *(grid.effective_text(row, column) for column in columns)):
        text = " ".join(text.split())
        if text and len(text) <= MAX_CONTEXT_CELL and text not in parts:
            parts.append(text)
    return "; ".join(parts)
