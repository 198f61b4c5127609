"""Stream a worksheet into the cells, merges, dropdowns and hidden state that detection needs."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element

from app.core.errors import UnreadableWorkbook, WorkbookTooLarge
from app.core.workbook.package import Package, iterparse_xml, local_name
from app.core.workbook.refs import CellRange, parse_cell, parse_range, parse_sqref

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_text(text: str) -> str:
    """Decode the _xHHHH_ escapes OOXML uses for characters XML cannot carry."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


@dataclass(frozen=True)
class Cell:
    """What a cell holds: its cached display text, the XML type, and whether a formula drives it."""

    text: str | None
    kind: str
    formula: bool
    style: int


@dataclass(frozen=True)
class Validation:
    """One data-validation rule, from either the main or the x14 extension form."""

    ranges: tuple[CellRange, ...]
    kind: str
    formula: str | None
    extension: bool
    message: str = ""  # the input prompt and error text shown to whoever fills the cell


@dataclass
class CellBudget:
    """Counts cells across every sheet parsed for one request, so no sheet can exhaust memory."""

    limit: int
    used: int = 0

    def spend(self, count: int = 1) -> None:
        """Take cells from the budget or refuse the workbook."""
        self.used += count
        if self.used > self.limit:
            raise WorkbookTooLarge(f"the workbook has more than {self.limit:,} cells")


@dataclass
class SheetGrid:
    """The parts of one worksheet that matter for reading questions and writing answers."""

    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    rows: dict[int, dict[str, str]] = field(default_factory=dict)
    columns: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)
    blank_styles: dict[tuple[int, int], int] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    zero_height: bool = False
    protected: bool = False
    _merge_index: dict[int, list[CellRange]] = field(default_factory=dict)
    _validation_index: dict[int, list[tuple[CellRange, Validation]]] = field(default_factory=dict)
    _row_numbers: list[int] | None = None

    def text(self, row: int, column: int) -> str:
        """Return the cell's own display text, "" when empty or an error value."""
        cell = self.cells.get((row, column))
        if cell is None or cell.text is None or cell.kind == "e":
            return ""
        return cell.text.strip()

    def merge_at(self, row: int, column: int) -> CellRange | None:
        """Return the merged range covering a cell, if any."""
        ranges = self._merge_index.get(column)
        if ranges is None:
            ranges = [
                merged for merged in self.merges if merged.min_col <= column <= merged.max_col
            ]
            self._merge_index[column] = ranges
        for merged in ranges:
            if merged.min_row <= row <= merged.max_row:
                return merged
        return None

    def row_numbers(self) -> list[int]:
        """Return the numbers of the rows that hold a value, in order."""
        if self._row_numbers is None:
            self._row_numbers = sorted({row for row, _ in self.cells})
        return self._row_numbers

    def effective_text(self, row: int, column: int) -> str:
        """Return the text shown in a cell, taking a merged range's anchor value into account."""
        merged = self.merge_at(row, column)
        if merged is not None:
            return self.text(*merged.anchor)
        return self.text(row, column)

    def row_hidden(self, row: int) -> bool:
        """Tell whether a row is hidden, either by itself or by the sheet's default."""
        attrs = self.rows.get(row)
        if attrs is None:
            return self.zero_height
        return attrs.get("hidden") in ("1", "true")

    def column_attrs(self, column: int) -> dict[str, str] | None:
        """Return the <col> attributes that cover a column."""
        starts = [start for start, _, _ in self.columns]
        position = bisect_right(starts, column) - 1
        if position >= 0:
            start, end, attrs = self.columns[position]
            if start <= column <= end:
                return attrs
        return None

    def style_at(self, row: int, column: int) -> int:
        """Return a cell's style index, or the row's or column's default for a missing cell."""
        cell = self.cells.get((row, column))
        if cell is not None:
            return cell.style
        if (row, column) in self.blank_styles:
            return self.blank_styles[(row, column)]
        attrs = self.rows.get(row) or {}
        if attrs.get("customFormat") in ("1", "true") and attrs.get("s"):
            return int(attrs["s"])
        column_attrs = self.column_attrs(column) or {}
        return int(column_attrs.get("style") or 0)

    def column_hidden(self, column: int) -> bool:
        """Tell whether a column is hidden."""
        attrs = self.column_attrs(column)
        return attrs is not None and attrs.get("hidden") in ("1", "true")

    def validations_at(self, row: int, column: int) -> list[Validation]:
        """Return the validation rules that apply to a cell."""
        pairs = self._validation_index.get(column)
        if pairs is None:
            pairs = [
                (cell_range, rule)
                for rule in self.validations
                for cell_range in rule.ranges
                if cell_range.min_col <= column <= cell_range.max_col
            ]
            self._validation_index[column] = pairs
        found: list[Validation] = []
        for cell_range, rule in pairs:
            if cell_range.min_row <= row <= cell_range.max_row and rule not in found:
                found.append(rule)
        return found


# "This cell should be left blank. Input your answer in column C." (HECVAT's own prompt)
_LEAVE_BLANK = re.compile(
    r"\b(left|leave|keep)\b[^.!?]{0,40}\bblank\b|"
    r"\bdo not (fill|complete|enter|type|write|answer)\b",
    re.IGNORECASE,
)
MAX_MESSAGE_CHARS = 512


def asks_to_stay_blank(grid: SheetGrid, row: int, column: int) -> bool:
    """Tell whether the sheet's own prompt on a cell says not to fill it in."""
    return any(_LEAVE_BLANK.search(rule.message) for rule in grid.validations_at(row, column))


def refusal(cells: WorkbookCells, grid: SheetGrid, row: int, columns: Sequence[int]) -> str | None:
    """Say why cells must never be written (hidden, merged non-anchor, formula, locked), or None."""
    if grid.row_hidden(row):
        return "hidden row"
    for column in columns:
        if grid.column_hidden(column):
            return "hidden column"
    for column in columns:
        merged = grid.merge_at(row, column)
        if merged is not None and merged.anchor != (row, column):
            return "merged cell that is not the anchor"
        cell = grid.cells.get((row, column))
        if cell is not None and cell.formula:
            return "formula cell"
        if grid.protected and cells.format_of(grid.style_at(row, column)).locked:
            return "locked cell on a protected sheet"
        if asks_to_stay_blank(grid, row, column):
            return "the sheet asks for this cell to be left blank"
    return None


_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_SCAN_CHUNK = 1 << 22


def count_tags(stream: IO[bytes], pattern: re.Pattern[bytes], *, stop_above: int) -> int:
    """Count a tag's occurrences in a part without parsing it, stopping once past `stop_above`.

    Parsing runs at tens of thousands of cells a second; scanning the bytes runs at hundreds of
    megabytes, so an oversized part is refused in a fraction of a second instead of a minute.
    """
    count = 0
    carry = b""
    while count <= stop_above:
        chunk = stream.read(_SCAN_CHUNK)
        if not chunk:
            return count + len(pattern.findall(carry))
        buffer = carry + chunk
        # Every tag starts with '<' and holds no other, so all before the last '<' are whole.
        cut = buffer.rfind(b"<")
        if cut <= 0:
            count += len(pattern.findall(buffer))
            carry = b""
            continue
        count += len(pattern.findall(buffer, 0, cut))
        carry = buffer[cut:]
    return count


def read_shared_strings(package: Package, budget: CellBudget) -> list[str]:
    """Return the shared-string table, concatenating rich-text runs and skipping phonetic hints."""
    if package.shared_strings_part is None:
        return []
    limit = min(package.limits.max_shared_strings, budget.limit - budget.used)
    with package.open(package.shared_strings_part) as stream:
        if count_tags(stream, _STRING_TAG, stop_above=limit) > limit:
            raise WorkbookTooLarge(
                f"the workbook has more than {limit:,} shared strings; Vouch reads questionnaires "
                "up to that size"
            )
    strings: list[str] = []
    with package.open(package.shared_strings_part) as stream:
        for _, element in iterparse_xml(stream, ("end",)):
            if local_name(element.tag) == "si":
                strings.append(unescape_text("".join(_rich_text(element))))
                element.clear()
                if len(strings) % 1024 == 0:
                    budget.spend(1024)
    return strings


def read_sheet(package: Package, part: str, shared: list[str], budget: CellBudget) -> SheetGrid:
    """Stream one worksheet part into a SheetGrid, spending one budget unit per <c> element."""
    remaining = budget.limit - budget.used
    with package.open(part) as stream:
        if count_tags(stream, _CELL_TAG, stop_above=remaining) > remaining:
            raise WorkbookTooLarge(f"the workbook has more than {budget.limit:,} cells")
    with package.open(part) as stream:
        return _parse_sheet(stream, shared, budget)


def _parse_sheet(stream: IO[bytes], shared: list[str], budget: CellBudget) -> SheetGrid:
    grid = SheetGrid()
    row_number = 0
    column_number = 0
    sheet_data = None
    pending = 0
    for event, element in iterparse_xml(stream, ("start", "end")):
        tag = local_name(element.tag)
        if event == "start":
            if tag == "row":
                row_number = int(element.get("r") or row_number + 1)
                column_number = 0
                grid.rows[row_number] = dict(element.attrib)
            elif tag == "sheetData":
                sheet_data = element
            continue
        if tag == "c":
            ref = element.get("r")
            if ref:
                row_number, column_number = parse_cell(ref)
            else:
                column_number += 1
            pending += 1
            cell = _cell(element, shared)
            if cell is not None:
                grid.cells[(row_number, column_number)] = cell
            elif element.get("s"):
                grid.blank_styles[(row_number, column_number)] = int(element.get("s") or 0)
        elif tag == "row":
            if sheet_data is not None:
                sheet_data.clear()  # keep memory flat on long sheets
            if pending:
                budget.spend(pending)
                pending = 0
        elif tag == "col":
            first, last = int(element.get("min", "0")), int(element.get("max", "0"))
            if 1 <= first <= last:
                grid.columns.append((first, min(last, 16_384), dict(element.attrib)))
        elif tag == "mergeCell":
            ref = element.get("ref")
            if ref:
                try:
                    grid.merges.append(parse_range(ref))
                except ValueError:
                    continue
        elif tag == "dataValidation":
            grid.validations.append(_validation(element))
        elif tag == "sheetFormatPr":
            grid.zero_height = element.get("zeroHeight") in ("1", "true")
        elif tag == "sheetProtection":
            grid.protected = element.get("sheet") in ("1", "true")
    if pending:
        budget.spend(pending)
    grid.columns.sort(key=lambda item: item[0])
    return grid


def _cell(element: Element, shared: list[str]) -> Cell | None:
    kind = element.get("t", "n")
    style = int(element.get("s") or 0)
    formula = False
    value: str | None = None
    inline: list[str] | None = None
    for child in element:
        tag = local_name(child.tag)
        if tag == "v":
            value = child.text
        elif tag == "f":
            formula = True
        elif tag == "is":
            inline = _rich_text(child)
    if kind == "inlineStr":
        text: str | None = unescape_text("".join(inline)) if inline else None
    elif value is None:
        text = None
    elif kind == "s":
        try:
            text = shared[int(value)]
        except (ValueError, IndexError):
            raise UnreadableWorkbook(
                "a cell points at a shared string that does not exist"
            ) from None
    elif kind == "b":
        text = "TRUE" if value.strip() in ("1", "true") else "FALSE"
    elif kind == "str":
        text = unescape_text(value)
    else:
        text = _number_text(value) if kind == "n" else value
    if text == "":
        text = None
    if text is None and not formula:
        return None
    return Cell(text, kind, formula, style)


def _rich_text(element: Element) -> list[str]:
    """Return the text runs of an <si> or <is> element, leaving out phonetic hints."""
    pieces: list[str] = []
    for child in element:
        tag = local_name(child.tag)
        if tag == "t":
            pieces.append(child.text or "")
        elif tag == "r":
            pieces.extend(node.text or "" for node in child if local_name(node.tag) == "t")
    return pieces


def _number_text(value: str) -> str:
    text = value.strip()
    if text.endswith(".0"):
        return text[:-2]
    return text


def _validation(element: Element) -> Validation:
    sqref = element.get("sqref")
    formula: str | None = None
    for child in element:
        tag = local_name(child.tag)
        if tag == "sqref" and child.text:
            sqref = child.text
        elif tag == "formula1":
            formula = (child.text or "").strip() or None
            for node in child:
                if local_name(node.tag) == "f" and node.text:
                    formula = node.text.strip()
    return Validation(
        ranges=parse_sqref(sqref or ""),
        kind=element.get("type", "none"),
        formula=formula,
        extension="2009/9/main" in element.tag,
        message=" ".join(text for text in (element.get("prompt"), element.get("error")) if text)[
            :MAX_MESSAGE_CHARS
        ],
    )


@dataclass(frozen=True)
class CellFormat:
    """The parts of one cellXfs entry that reading and writing care about."""

    bold: bool
    quote_prefix: bool
    locked: bool


def read_cell_formats(package: Package) -> list[CellFormat]:
    """Return the cellXfs table of styles.xml (bold font, quotePrefix, locked), in index order."""
    if package.styles_part is None:
        return []
    bold_fonts: list[bool] = []
    formats: list[CellFormat] = []
    section = ""
    with package.open(package.styles_part) as stream:
        for event, element in iterparse_xml(stream, ("start", "end")):
            tag = local_name(element.tag)
            if event == "start":
                if tag in ("fonts", "cellXfs", "cellStyleXfs", "dxfs"):
                    section = tag
                continue
            if tag == "font" and section == "fonts":
                bold = next((child for child in element if local_name(child.tag) == "b"), None)
                bold_fonts.append(bold is not None and bold.get("val", "1") in ("1", "true"))
            elif tag == "xf" and section == "cellXfs":
                font = int(element.get("fontId") or 0)
                protection = next(
                    (child for child in element if local_name(child.tag) == "protection"), None
                )
                formats.append(
                    CellFormat(
                        bold=bold_fonts[font] if 0 <= font < len(bold_fonts) else False,
                        quote_prefix=element.get("quotePrefix") in ("1", "true"),
                        locked=protection is None or protection.get("locked", "1") in ("1", "true"),
                    )
                )
            elif tag in ("fonts", "cellXfs", "cellStyleXfs", "dxfs"):
                section = ""
    return formats


class WorkbookCells:
    """Lazy access to the sheets of a checked package, sharing one cell budget per request."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.budget = CellBudget(package.limits.max_cells)
        self._shared: list[str] | None = None
        self._formats: list[CellFormat] | None = None
        self._grids: dict[str, SheetGrid] = {}
        self.lists: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {}

    @property
    def shared_strings(self) -> list[str]:
        """Return the shared-string table, parsed on first use."""
        if self._shared is None:
            self._shared = read_shared_strings(self.package, self.budget)
        return self._shared

    @property
    def formats(self) -> list[CellFormat]:
        """Return the cell formats, parsed on first use."""
        if self._formats is None:
            self._formats = read_cell_formats(self.package)
        return self._formats

    def format_of(self, style: int) -> CellFormat:
        """Return the format of a style index, or Excel's default when it is out of range."""
        formats = self.formats
        return formats[style] if 0 <= style < len(formats) else CellFormat(False, False, True)

    def grid(self, sheet_name: str) -> SheetGrid:
        """Return a sheet's grid, parsed on first use."""
        if sheet_name not in self._grids:
            sheet = self.package.sheet(sheet_name)
            if sheet is None:
                raise KeyError(sheet_name)
            self._grids[sheet_name] = read_sheet(
                self.package, sheet.part, self.shared_strings, self.budget
            )
        return self._grids[sheet_name]
