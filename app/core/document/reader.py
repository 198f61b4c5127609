"""Find the questions in a Word document's tables: every table, nested ones, merged cells, boxes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from app.core.document.package import DocumentPackage, open_document
from app.core.document.xmltree import Node, XmlPart, unescape
from app.core.tables import TICKED, UNTICKED, TextTable, detect_tables
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import Detection, SheetMapping
from app.core.workbook.package import translate_errors
from app.core.workbook.refs import CellRange

MAX_HEADING = 200
BOX_MARKS = frozenset(mark for mark in (*TICKED, *UNTICKED) if len(mark) == 1)
_HEADING_STYLE = re.compile(r"heading|title|berschrift|titre|titulo|kop", re.IGNORECASE)
_BLOCK_WRAPPERS = ("customXml", "smartTag", "ins", "moveTo")
_TRACKED = ("ins", "del", "moveFrom", "moveTo")
_FIELDS = ("fldSimple", "fldChar")


@dataclass
class Box:
    """A check box in a cell: a character in a w:t, or a w14:checkbox content control."""

    node: Node  # the w:t holding the character, or the w:sdt of the control
    index: int  # the character's position in the w:t's text; -1 for a control
    checked: bool
    label: str = ""  # the text after the box, up to the next one
    before: str = ""  # the text before the box, since the previous one


@dataclass
class DocCell:
    """One table cell and the parts of it an answer is written into."""

    node: Node
    text: str
    boxes: list[Box] = field(default_factory=list)
    dropdown: Node | None = None  # a w:sdt whose properties hold a drop-down or combo box list
    choices: tuple[str, ...] = ()
    text_control: Node | None = None  # a plain or rich text content control to write into
    locked: str | None = None
    bold: bool = False


@dataclass
class DocTable:
    """One Word table read as a TextTable, with the XML cell behind each position."""

    table: TextTable
    node: Node
    cells: dict[tuple[int, int], DocCell] = field(default_factory=dict)


class WordNames:
    """Qualified element names under the document's own prefixes."""

    def __init__(self, part: XmlPart) -> None:
        self.w = part.w
        self.w14 = part.w14

    def __call__(self, local: str) -> str:
        """Return the qualified name of a WordprocessingML element."""
        return f"{self.w}:{local}" if self.w else local

    def is_w(self, node: Node, *locals_: str) -> bool:
        """Tell whether a node is a WordprocessingML element of one of these local names."""
        return node.local in locals_ and node.prefix == self.w

    def is_w14(self, node: Node, local: str) -> bool:
        """Tell whether a node is a Word 2010 element of that local name."""
        return self.w14 is not None and node.prefix == self.w14 and node.local == local


def read_document(
    data: bytes, *, mappings: Sequence[SheetMapping] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Detection:
    """Detect the question rows of every table of a Word document."""
    with translate_errors(subject="document", formats=".docx/.docm"):
        package = open_document(data, limits=limits)
        texts = [table.table for table in document_tables(package)]
        detection = detect_tables(texts, mappings=mappings)
        continued = _continuations(texts, detection)
        if not continued:
            return detection
        again = detect_tables(texts, mappings=[*(mappings or ()), *continued])
        notes = tuple(
            f"Table {mapping.sheet!r}: no header row; read as the continuation of the table "
            "before it"
            for mapping in continued
        )
        return replace(again, warnings=(*again.warnings, *notes))


def _continuations(tables: list[TextTable], detection: Detection) -> list[SheetMapping]:
    """Map a headerless table that follows a detected one of the same width with its mapping."""
    found = {mapping.sheet: mapping for mapping in detection.mappings}
    continued: list[SheetMapping] = []
    for previous, table in zip(tables, tables[1:], strict=False):
        earlier = found.get(previous.name)
        if table.name in found or earlier is None or previous.width != table.width:
            continue
        mapping = replace(earlier, sheet=table.name, header_row=0)
        found[table.name] = mapping
        continued.append(mapping)
    return continued


def document_tables(package: DocumentPackage) -> list[DocTable]:
    """Return every table of the document body, nested ones included, in document order."""
    part = package.document
    names = WordNames(part)
    body = next((node for node in part.root.children if names.is_w(node, "body")), None)
    if body is None:
        return []
    reader = _TableReader(part, names)
    reader.blocks(body.children)
    return reader.tables


class _TableReader:
    def __init__(self, part: XmlPart, names: WordNames) -> None:
        self.part = part
        self.names = names
        self.tables: list[DocTable] = []
        self.heading = ""

    def blocks(self, nodes: list[Node]) -> None:
        names = self.names
        for node in nodes:
            if names.is_w(node, "p"):
                heading = self._heading(node)
                if heading:
                    self.heading = heading
            elif names.is_w(node, "tbl"):
                self.table(node)
            elif names.is_w(node, "sdt"):
                content = node.child(names("sdtContent"))
                if content is not None:
                    self.blocks(content.children)
            elif names.is_w(node, *_BLOCK_WRAPPERS):
                self.blocks(node.children)

    def _heading(self, paragraph: Node) -> str:
        names = self.names
        properties = paragraph.child(names("pPr"))
        if properties is None:
            return ""
        style = properties.child(names("pStyle"))
        outline = properties.child(names("outlineLvl"))
        style_name = style.attribute("val") if style is not None else None
        if outline is None and not (style_name and _HEADING_STYLE.search(style_name)):
            return ""
        text = " ".join(self.text_of(paragraph).split())
        return text if len(text) <= MAX_HEADING else ""

    def table(self, node: Node) -> None:
        names = self.names
        table = DocTable(TextTable(f"Table {len(self.tables) + 1}", heading=self.heading), node)
        self.tables.append(table)
        nested: list[Node] = []
        open_merges: dict[int, CellRange] = {}
        for row_number, row in enumerate(self._rows(node), start=1):
            column = 1
            properties = row.child(names("trPr"))
            if properties is not None:
                before = properties.child(names("gridBefore"))
                column += _int(before.attribute("val") if before is not None else None, 0)
            for cell_node in self._cells(row):
                cell_properties = cell_node.child(names("tcPr"))
                span, merge = 1, None
                if cell_properties is not None:
                    grid_span = cell_properties.child(names("gridSpan"))
                    span = max(1, _int(grid_span.attribute("val") if grid_span else None, 1))
                    vertical = cell_properties.child(names("vMerge"))
                    if vertical is not None:
                        merge = vertical.attribute("val") or "continue"
                if merge == "continue" and column in open_merges:
                    above = open_merges[column]
                    open_merges[column] = CellRange(
                        above.min_row, above.min_col, row_number, above.max_col
                    )
                    for offset in range(span):
                        table.table.locked[(row_number, column + offset)] = (
                            "merged cell that is not the first"
                        )
                    column += span
                    continue
                cell = self._cell(cell_node, nested)
                table.cells[(row_number, column)] = cell
                if cell.text:
                    table.table.cells[(row_number, column)] = cell.text
                if cell.bold:
                    table.table.emphasis.add((row_number, column))
                if cell.choices:
                    table.table.choices[(row_number, column)] = cell.choices
                    chosen = _chosen(cell)
                    if chosen:
                        table.table.selected[(row_number, column)] = chosen
                if cell.locked:
                    table.table.locked[(row_number, column)] = cell.locked
                for offset in range(1, span):
                    table.table.locked[(row_number, column + offset)] = (
                        "merged cell that is not the first"
                    )
                if merge == "restart":
                    open_merges[column] = CellRange(
                        row_number, column, row_number, column + span - 1
                    )
                else:
                    open_merges.pop(column, None)
                if span > 1:
                    table.table.merges.append(
                        CellRange(row_number, column, row_number, column + span - 1)
                    )
                column += span
            table.table.width = max(table.table.width, column - 1)
        table.table.merges.extend(
            merged for merged in open_merges.values() if merged.max_row > merged.min_row
        )
        for inner in nested:
            self.table(inner)

    def _rows(self, node: Node) -> list[Node]:
        return self._wrapped(node, "tr")

    def _cells(self, row: Node) -> list[Node]:
        return self._wrapped(row, "tc")

    def _wrapped(self, node: Node, local: str) -> list[Node]:
        """Return the children of that name, looking inside content controls and custom XML."""
        names = self.names
        found: list[Node] = []
        for child in node.children:
            if names.is_w(child, local):
                found.append(child)
            elif names.is_w(child, "sdt"):
                content = child.child(names("sdtContent"))
                if content is not None:
                    found.extend(self._wrapped(content, local))
            elif names.is_w(child, "customXml"):
                found.extend(self._wrapped(child, local))
        return found

    def text_of(self, node: Node) -> str:
        """Return the visible text under a node: runs, tabs and breaks, without deleted text."""
        names = self.names
        pieces: list[str] = []

        def walk(current: Node) -> None:
            for child in current.children:
                if names.is_w(child, "t"):
                    pieces.append(unescape(child.inner(self.part.text)))
                elif names.is_w(child, "tab"):
                    pieces.append(" ")
                elif names.is_w(child, "br", "cr"):
                    pieces.append("\n")
                elif names.is_w(child, "p") and pieces:
                    pieces.append("\n")
                    walk(child)
                elif names.is_w(child, "tbl", "del", "moveFrom", "sdtPr", "rPr", "pPr"):
                    continue
                else:
                    walk(child)

        walk(node)
        return "".join(pieces)

    def _cell(self, node: Node, nested: list[Node]) -> DocCell:
        names = self.names
        text_pieces: list[str] = []
        boxes: list[Box] = []
        cell = DocCell(node, "")
        bold_runs: list[bool] = []
        part_text = self.part.text

        pending: list[str] = []

        def add_text(value: str) -> None:
            text_pieces.append(value)
            pending.append(value)
            if boxes:
                boxes[-1].label += value

        def add_box(box: Box) -> None:
            box.before = "".join(pending)
            pending.clear()
            boxes.append(box)

        def walk(current: Node) -> None:
            for child in current.children:
                if names.is_w(child, "tbl"):
                    nested.append(child)
                    cell.locked = cell.locked or "the cell holds a nested table"
                elif names.is_w(child, "sdt"):
                    self._control(child, cell, add_box, text_pieces, walk)
                elif names.is_w(child, "t"):
                    value = unescape(child.inner(part_text))
                    if BOX_MARKS.isdisjoint(value):
                        add_text(value)
                        continue
                    for index, char in enumerate(value):
                        if char in BOX_MARKS:
                            text_pieces.append(char)
                            add_box(Box(child, index, char in TICKED))
                        else:
                            add_text(char)
                elif names.is_w(child, "tab"):
                    add_text(" ")
                elif names.is_w(child, "br", "cr"):
                    add_text("\n")
                elif names.is_w(child, "p"):
                    if text_pieces:
                        add_text("\n")
                    walk(child)
                elif names.is_w(child, "r"):
                    properties = child.child(names("rPr"))
                    bold = properties.child(names("b")) if properties is not None else None
                    if any(names.is_w(grand, "t") for grand in child.children):
                        bold_runs.append(
                            bold is not None and bold.attribute("val") not in ("0", "false")
                        )
                    walk(child)
                elif names.is_w(child, *_TRACKED):
                    cell.locked = cell.locked or "the cell has tracked changes"
                    if not names.is_w(child, "del", "moveFrom"):
                        walk(child)
                elif names.is_w(child, *_FIELDS):
                    cell.locked = cell.locked or "the cell holds a field"
                    walk(child)
                elif names.is_w(child, "tcPr", "pPr", "rPr", "instrText", "delText"):
                    continue
                else:
                    walk(child)

        walk(node)
        cell.text = "".join(text_pieces).strip()
        cell.bold = bool(bold_runs) and all(bold_runs)
        labels_before = (  # "Yes ☐ No ☐": each label stands before its box
            len(boxes) >= 2
            and not _label(boxes[-1].label)
            and all(_label(box.before) for box in boxes)
        )
        if labels_before:
            for box in boxes:
                box.label = box.before
        if len(boxes) >= 2 and all(_label(box.label) for box in boxes):
            cell.boxes = boxes
            cell.choices = tuple(_label(box.label) for box in boxes)
        elif len(boxes) == 1 and not _label(boxes[0].label) and not _label(boxes[0].before):
            cell.boxes = boxes  # one box per choice column: ticked or not
        return cell

    def _control(
        self,
        sdt: Node,
        cell: DocCell,
        add_box: Callable[[Box], None],
        text_pieces: list[str],
        walk: Callable[[Node], None],
    ) -> None:
        names = self.names
        properties = sdt.child(names("sdtPr"))
        content = sdt.child(names("sdtContent"))
        if content is None:
            return
        checkbox = (
            next((c for c in properties.children if names.is_w14(c, "checkbox")), None)
            if properties is not None
            else None
        )
        if checkbox is not None:
            checked = next((c for c in checkbox.children if names.is_w14(c, "checked")), None)
            state = checked.attribute("val") if checked is not None else "0"
            checked_now = state in ("1", "true")
            add_box(Box(sdt, -1, checked_now))
            text_pieces.append("☒" if checked_now else "☐")
            return
        listing = None
        if properties is not None:
            listing = properties.child(names("dropDownList")) or properties.child(names("comboBox"))
        placeholder = (
            properties is not None and properties.child(names("showingPlcHdr")) is not None
        )
        if listing is not None:
            items = [
                item.attribute("displayText") or item.attribute("value") or ""
                for item in listing.children
                if names.is_w(item, "listItem")
            ]
            cell.dropdown = sdt
            cell.choices = tuple(item for item in items if item.strip())
            if not placeholder:
                text_pieces.append(self.text_of(content).strip())
            return
        if cell.text_control is None:
            cell.text_control = sdt
        if placeholder:
            return  # the control's prompt ("Click here to enter text") is not an answer
        walk(content)


def _chosen(cell: DocCell) -> str:
    if cell.boxes:
        ticked = [_label(box.label) for box in cell.boxes if box.checked]
        return ticked[0] if len(ticked) == 1 else ""
    return cell.text if cell.text in cell.choices else ""


def _label(text: str) -> str:
    return " ".join(text.split()).strip(" ,;/|").strip()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
