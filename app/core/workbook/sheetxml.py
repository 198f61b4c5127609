"""Byte-faithful surgery on worksheet XML: rows and cells as text spans; only edited ones change."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.handler import ContentHandler

from defusedxml import sax as defused_sax

from app.core.errors import UnsupportedWorkbook
from app.core.workbook.grid import unescape_text
from app.core.workbook.refs import cell_ref, column_index, parse_cell

_ATTRS = r"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*"""  # attribute text, quotes may hold ">"
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROOT = re.compile(r"<(?:([\w.-]+):)?worksheet\b")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class CellEdit:
    """New content for one cell: text, or None to empty it; style replaces its s attribute."""

    text: str | None
    style: int | None = None


@dataclass(frozen=True)
class RowSpan:
    """Where one <row> element sits in the sheet text."""

    number: int
    start: int
    end: int
    attrs: str
    body_start: int
    body_end: int
    self_closing: bool


@dataclass(frozen=True)
class CellSpan:
    """Where one <c> element sits in the sheet text."""

    column: int
    start: int
    end: int
    attrs: str


def parse_attributes(attrs: str) -> dict[str, str]:
    """Return the attributes of a start tag's attribute text, in document order."""
    return {
        match.group(1): match.group(2) if match.group(2) is not None else match.group(3)
        for match in _ATTRIBUTE.finditer(attrs)
    }


def escape_text(text: str) -> str:
    """Escape text for an XML text node; encode what XML cannot carry as OOXML _xHHHH_ escapes."""
    text = _LITERAL_ESCAPE.sub(r"_x005F_\1", text)
    text = _ILLEGAL_XML.sub(lambda match: f"_x{ord(match.group(0)):04X}_", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


class SheetXml:
    """The text of one worksheet part, its sheetData located, its rows and cells indexable."""

    def __init__(self, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedWorkbook("a worksheet is not encoded as UTF-8") from None
        self.bom = text.startswith(UTF8_BOM)
        self.text = text[1:] if self.bom else text
        root = _ROOT.search(self.text)
        if root is None:
            raise UnsupportedWorkbook("a worksheet part has no <worksheet> element")
        self.prefix = f"{root.group(1)}:" if root.group(1) else ""
        p = re.escape(self.prefix)
        self._row = re.compile(rf"<{p}row\b({_ATTRS})>")
        self._row_end = re.compile(rf"</{p}row\s*>")
        self._cell = re.compile(rf"<{p}c\b({_ATTRS})>")
        self._cell_end = re.compile(rf"</{p}c\s*>")
        self._whole_cell = re.compile(
            rf"""<{p}c\b(?:[^>"'/]|"[^"]*"|'[^']*'|/(?!>))*(?:/>|>.*?</{p}c\s*>)""", re.S
        )
        empty = re.compile(rf"<{p}sheetData\b{_ATTRS}/>").search(self.text)
        if empty is not None:
            self.data_start = self.data_end = empty.end()
            self._empty_sheet_data: tuple[int, int] | None = (empty.start(), empty.end())
            return
        self._empty_sheet_data = None
        opening = re.compile(rf"<{p}sheetData\b{_ATTRS}>").search(self.text)
        closing = re.compile(rf"</{p}sheetData\s*>").search(self.text)
        if opening is None or closing is None or closing.start() < opening.end():
            raise UnsupportedWorkbook("a worksheet part has no <sheetData> element")
        self.data_start, self.data_end = opening.end(), closing.start()
        body = self.text[self.data_start : self.data_end]
        if "<!--" in body or "<![CDATA[" in body or "<?" in body:
            # text spans would no longer line up with elements; refuse rather than guess
            raise UnsupportedWorkbook("a worksheet has comments or CDATA inside its cell data")

    def rows(self) -> Iterator[RowSpan]:
        """Yield every <row> element in document order."""
        number = 0
        for start, end, attrs, body_start, body_end, closed in self._elements(
            self._row, self._row_end, self.data_start, self.data_end
        ):
            found = _ROW_NUMBER.search(attrs)
            number = int(found.group(1)) if found else number + 1
            yield RowSpan(number, start, end, attrs, body_start, body_end, closed)

    def cells(self, row: RowSpan) -> Iterator[CellSpan]:
        """Yield every <c> element of a row in document order."""
        column = 0
        position = row.body_start
        for start, end, attrs, _, _, _ in self._elements(
            self._cell, self._cell_end, row.body_start, row.body_end
        ):
            if self.text[position:start].strip():
                raise UnsupportedWorkbook(
                    f"row {row.number} of a worksheet holds unexpected markup"
                )
            reference = _REFERENCE.search(attrs)
            column = column_index(reference.group(1)) if reference else column + 1
            yield CellSpan(column, start, end, attrs)
            position = end
        if self.text[position : row.body_end].strip() and not self._row_extension(position, row):
            raise UnsupportedWorkbook(f"row {row.number} of a worksheet holds unexpected markup")

    def _elements(
        self, opening: re.Pattern[str], closing: re.Pattern[str], start: int, end: int
    ) -> Iterator[tuple[int, int, str, int, int, bool]]:
        """Yield (start, end, attrs, body start, body end, self-closing) for each element."""
        position = start
        while True:
            match = opening.search(self.text, position, end)
            if match is None:
                return
            attrs = match.group(1)
            if attrs.endswith("/"):
                yield match.start(), match.end(), attrs[:-1], match.end(), match.end(), True
                position = match.end()
                continue
            close = closing.search(self.text, match.end(), end)
            if close is None:
                raise UnsupportedWorkbook("a worksheet element is not closed")
            yield match.start(), close.end(), attrs, match.end(), close.start(), False
            position = close.end()

    def cell_texts(self, row: RowSpan) -> dict[int, str]:
        """Return {column: the <c> element's text} for a row, in one regex pass (for comparing)."""
        texts: dict[int, str] = {}
        column = 0
        for cell in self._whole_cell.findall(self.text, row.body_start, row.body_end):
            reference = _REFERENCE.search(cell, 0, cell.find(">"))
            column = column_index(reference.group(1)) if reference else column + 1
            texts[column] = cell
        return texts

    def _row_extension(self, position: int, row: RowSpan) -> bool:
        """Tell whether what follows the last cell is a row's own extension list."""
        rest = self.text[position : row.body_end].strip()
        return bool(re.match(rf"<{re.escape(self.prefix)}extLst\b", rest))

    def outside_cells(self) -> str:
        """Return the sheet text without the sheetData content, for comparing everything else."""
        return self.text[: self.data_start] + self.text[self.data_end :]

    def apply(
        self,
        edits: Mapping[tuple[int, int], CellEdit],
        *,
        default_styles: Mapping[tuple[int, int], int],
    ) -> bytes:
        """Return the sheet with the edited cells rewritten or inserted, every other byte kept."""
        by_row: dict[int, dict[int, CellEdit]] = {}
        for (row, column), edit in edits.items():
            by_row.setdefault(row, {})[column] = edit
        pending = sorted(by_row)
        if self._empty_sheet_data is not None:
            start, end = self._empty_sheet_data
            element = self.text[start:end]
            rows = "".join(self._new_row(number, by_row, default_styles) for number in pending)
            opened = element[:-2].rstrip() + ">"
            text = (
                self.text[:start] + opened + rows + f"</{self.prefix}sheetData>" + self.text[end:]
            )
        else:
            text = self._splice(self._row_splices(pending, by_row, default_styles))
        text = self._widen_dimension(text, edits)
        return ((UTF8_BOM if self.bom else "") + text).encode("utf-8")

    def _row_splices(
        self,
        pending: list[int],
        by_row: dict[int, dict[int, CellEdit]],
        default_styles: Mapping[tuple[int, int], int],
    ) -> list[tuple[int, int, str]]:
        """Return (start, end, text) splices: edited rows rewritten, missing rows inserted."""
        splices: list[tuple[int, int, str]] = []
        index = 0
        for span in self.rows():
            while index < len(pending) and pending[index] < span.number:
                new_row = self._new_row(pending[index], by_row, default_styles)
                splices.append((span.start, span.start, new_row))
                index += 1
            if index < len(pending) and pending[index] == span.number:
                edited = self._edit_row(span, by_row[span.number], default_styles)
                splices.append((span.start, span.end, edited))
                index += 1
        tail = "".join(self._new_row(number, by_row, default_styles) for number in pending[index:])
        if tail:
            splices.append((self.data_end, self.data_end, tail))
        return splices

    def _splice(self, splices: list[tuple[int, int, str]]) -> str:
        """Apply splices given in document order."""
        pieces: list[str] = []
        position = 0
        for start, end, replacement in splices:
            pieces.append(self.text[position:start])
            pieces.append(replacement)
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)

    def _widen_dimension(self, text: str, edits: Mapping[tuple[int, int], CellEdit]) -> str:
        p = re.escape(self.prefix)
        match = re.search(rf"<{p}dimension\b({_ATTRS})/?>", text[: self.data_start + 1])
        if match is None or not edits:
            return text
        reference = parse_attributes(match.group(1)).get("ref")
        if not reference:
            return text
        try:
            first, _, last = reference.partition(":")
            row1, col1 = parse_cell(first)
            row2, col2 = parse_cell(last or first)
        except ValueError:
            return text
        rows = [row for row, _ in edits] + [row1, row2]
        columns = [column for _, column in edits] + [col1, col2]
        widened = f"{cell_ref(min(rows), min(columns))}:{cell_ref(max(rows), max(columns))}"
        if widened == f"{cell_ref(row1, col1)}:{cell_ref(row2, col2)}":
            return text
        tag = (
            match.group(0)
            .replace(f'"{reference}"', f'"{widened}"')
            .replace(f"'{reference}'", f"'{widened}'")
        )
        return text[: match.start()] + tag + text[match.end() :]

    def _edit_row(
        self,
        row: RowSpan,
        edits: dict[int, CellEdit],
        default_styles: Mapping[tuple[int, int], int],
    ) -> str:
        splices: list[tuple[int, int, str]] = []
        remaining = dict(sorted(edits.items()))
        for cell in self.cells(row):
            for column in [column for column in remaining if column < cell.column]:
                xml = self._cell_xml(
                    row.number, column, remaining.pop(column), None, default_styles
                )
                splices.append((cell.start, cell.start, xml))
            if cell.column in remaining:
                xml = self._cell_xml(
                    row.number, cell.column, remaining.pop(cell.column), cell.attrs, default_styles
                )
                splices.append((cell.start, cell.end, xml))
        tail = "".join(
            self._cell_xml(row.number, column, edit, None, default_styles)
            for column, edit in remaining.items()
        )
        if tail:
            splices.append((row.body_end, row.body_end, tail))
        pieces: list[str] = []
        attrs = _widen_spans(row.attrs, edits)
        if row.self_closing:
            pieces.append(f"<{self.prefix}row{attrs}>")
        else:
            pieces.append(
                f"<{self.prefix}row{attrs}>"
                if attrs != row.attrs
                else self.text[row.start : row.body_start]
            )
        position = row.body_start
        for start, end, replacement in splices:
            pieces.append(self.text[position:start])
            pieces.append(replacement)
            position = end
        pieces.append(self.text[position : row.body_end])
        pieces.append(
            f"</{self.prefix}row>" if row.self_closing else self.text[row.body_end : row.end]
        )
        return "".join(pieces)

    def _new_row(
        self,
        number: int,
        by_row: dict[int, dict[int, CellEdit]],
        default_styles: Mapping[tuple[int, int], int],
    ) -> str:
        cells = "".join(
            self._cell_xml(number, column, edit, None, default_styles)
            for column, edit in sorted(by_row[number].items())
        )
        return f'<{self.prefix}row r="{number}">{cells}</{self.prefix}row>'

    def _cell_xml(
        self,
        row: int,
        column: int,
        edit: CellEdit,
        attrs: str | None,
        default_styles: Mapping[tuple[int, int], int],
    ) -> str:
        kept = parse_attributes(attrs) if attrs is not None else {}
        style = edit.style if edit.style is not None else kept.get("s")
        if style is None and attrs is None:
            style = default_styles.get((row, column))
        parts = [f'r="{kept.get("r") or cell_ref(row, column)}"']
        if style not in (None, 0, "0") or "s" in kept:
            parts.append(f's="{style}"')
        for name, value in kept.items():
            if name not in ("r", "s", "t", "cm", "vm"):
                quote = "'" if '"' in value else '"'
                parts.append(f"{name}={quote}{value}{quote}")  # still escaped as in the source
        p = self.prefix
        if edit.text is None:
            return f"<{p}c {' '.join(parts)}/>"
        parts.append('t="inlineStr"')
        body = escape_text(edit.text)
        text_node = f'<{p}t xml:space="preserve">{body}</{p}t>'
        return f"<{p}c {' '.join(parts)}><{p}is>{text_node}</{p}is></{p}c>"


_ROW_NUMBER = re.compile(r"""(?:^|\s)r\s*=\s*["'](\d+)""")
_REFERENCE = re.compile(r"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?\d""")


def _widen_spans(attrs: str, edits: Mapping[int, CellEdit]) -> str:
    """Widen a row's optional spans hint so it still covers every cell after inserts."""
    spans = parse_attributes(attrs).get("spans")
    if not spans or ":" not in spans or " " in spans:
        return attrs
    first, _, last = spans.partition(":")
    if not (first.isdigit() and last.isdigit()):
        return attrs
    low, high = min(int(first), *edits), max(int(last), *edits)
    if (low, high) == (int(first), int(last)):
        return attrs
    return re.sub(r"""spans\s*=\s*(["'])[^"']*\1""", f'spans="{low}:{high}"', attrs, count=1)


class _CellReader(ContentHandler):
    """Collect (text, has formula) of chosen cells while SAX checks the whole part is well-formed."""

    def __init__(self, wanted: set[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: dict[str, tuple[str | None, bool]] = {}
        self._cell: str | None = None
        self._inline = False
        self._formula = False
        self._capture = False
        self._pieces: list[str] = []

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 - SAX API
        tag = name.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r")
            self._cell = ref if ref in self.wanted else None
            self._inline = attrs.get("t") == "inlineStr"
            self._formula = False
            self._pieces = []
        elif self._cell is not None:
            if tag == "f":
                self._formula = True
            self._capture = (tag == "t" and self._inline) or (tag == "v" and not self._inline)

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX API
        tag = name.rpartition(":")[2]
        if tag == "c" and self._cell is not None:
            text = unescape_text("".join(self._pieces)) if self._pieces else None
            self.found[self._cell] = (text, self._formula)
            self._cell = None
        elif tag in ("t", "v"):
            self._capture = False

    def characters(self, content: str) -> None:
        if self._capture:
            self._pieces.append(content)


def read_cells(content: bytes, refs: set[str]) -> dict[str, tuple[str | None, bool]]:
    """Parse a whole worksheet with defusedxml's SAX parser (refusing anything not well-formed)
    and return (text, has formula) for the cells named."""
    reader = _CellReader(refs)
    defused_sax.parseString(content, reader)
    return reader.found
