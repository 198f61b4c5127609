"""A1 references and sqref ranges, handled as numbers so huge ranges are never expanded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})$")
_ROW = re.compile(r"^\$?(\d{1,7})$")


@lru_cache(maxsize=4096)
def column_index(letters: str) -> int:
    """Return the 1-based index of a column given by its letters."""
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        index = index * 26 + (ord(char) - 64)
    if not 1 <= index <= MAX_COLUMN:
        raise ValueError(f"column out of range: {letters!r}")
    return index


@lru_cache(maxsize=MAX_COLUMN)
def column_letters(index: int) -> str:
    """Return the letters of a 1-based column index."""
    if not 1 <= index <= MAX_COLUMN:
        raise ValueError(f"column out of range: {index}")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def parse_cell(ref: str) -> tuple[int, int]:
    """Return (row, column) of an A1 reference such as "C12" or "$C$12"."""
    match = _CELL.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    row = int(match.group(2))
    if not 1 <= row <= MAX_ROW:
        raise ValueError(f"row out of range: {ref!r}")
    return row, column_index(match.group(1))


def cell_ref(row: int, column: int) -> str:
    """Return the A1 reference of a cell."""
    return f"{column_letters(column)}{row}"


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, inclusive on both ends."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def contains(self, row: int, column: int) -> bool:
        """Tell whether the cell lies inside the range."""
        return self.min_row <= row <= self.max_row and self.min_col <= column <= self.max_col

    @property
    def anchor(self) -> tuple[int, int]:
        """Return the top-left cell."""
        return self.min_row, self.min_col


def parse_range(ref: str) -> CellRange:
    """Parse "B2", "B2:D9", "N1:XFD1048576", "A:C" or "3:5" without expanding it."""
    text = ref.strip()
    if ":" not in text:
        row, column = parse_cell(text)
        return CellRange(row, column, row, column)
    start, _, end = text.partition(":")
    if _COLUMN.match(start) and _COLUMN.match(end):
        first, last = column_index(start.strip("$")), column_index(end.strip("$"))
        return CellRange(1, min(first, last), MAX_ROW, max(first, last))
    if _ROW.match(start) and _ROW.match(end):
        first, last = int(start.strip("$")), int(end.strip("$"))
        return CellRange(min(first, last), 1, max(first, last), MAX_COLUMN)
    row1, col1 = parse_cell(start)
    row2, col2 = parse_cell(end)
    return CellRange(min(row1, row2), min(col1, col2), max(row1, row2), max(col1, col2))


def parse_sqref(sqref: str) -> tuple[CellRange, ...]:
    """Parse a space-separated list of ranges, skipping pieces that are not references."""
    ranges = []
    for piece in sqref.split():
        try:
            ranges.append(parse_range(piece))
        except ValueError:
            continue
    return tuple(ranges)
