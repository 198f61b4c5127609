"""Write answers into a Word document's answer cells by targeted edits of document.xml alone."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from app.core.document.package import DocumentPackage, open_document
from app.core.document.reader import Box, DocCell, DocTable, WordNames, document_tables
from app.core.document.xmltree import Node, escape, unescape
from app.core.tables import TICKED, plan_write
from app.core.workbook.fidelity import PARTS_REORDERED, compare_parts
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import (
    AnswerWrite,
    Detection,
    FidelityReport,
    FillResult,
    WriteOutcome,
)
from app.core.workbook.package import rebuild_zip, translate_errors
from app.core.workbook.refs import cell_ref, parse_cell
from app.core.workbook.writer import Edits

MAX_CELL_CHARS = 100_000
TICK, UNTICK = "☒", "☐"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PLACEHOLDER_STYLE = re.compile(
    r"""<(?:[\w.-]+:)?rStyle\b[^>]*\bval=["']PlaceholderText["'][^>]*/>"""
)
Span = tuple[int, int, str]  # replace text[start:end] with the string
_RUN_TEXT = ("t", "tab", "br", "cr", "sym", "noBreakHyphen", "softHyphen")
_RUN_FORMAT = ("rPr", "lastRenderedPageBreak")
_EMPTY_PROPERTIES = re.compile(r"^<(?:[\w.-]+:)?rPr\s*(?:/>|>\s*</(?:[\w.-]+:)?rPr\s*>)$")
# Markup in an answer cell that ties it to other parts (comments, notes, bookmarks, drawings).
ANCHORS = (
    "commentRangeStart",
    "commentRangeEnd",
    "commentReference",
    "footnoteReference",
    "endnoteReference",
    "bookmarkStart",
    "bookmarkEnd",
    "drawing",
    "object",
    "pict",
)


def fill_document(
    data: bytes,
    detection: Detection,
    writes: Sequence[AnswerWrite],
    *,
    overwrite: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> FillResult:
    """Write answers into a copy of the document; report each outcome; prove nothing else moved."""
    with translate_errors(subject="document", formats=".docx/.docm"):
        package = open_document(data, limits=limits)
        tables = {table.table.name: table for table in document_tables(package)}
        rows = {(row.sheet, row.row): row for row in detection.rows}
        mappings = {mapping.sheet: mapping for mapping in detection.mappings}
        plans: dict[str, Edits] = {}
        outcomes: list[WriteOutcome] = []
        for write in writes:
            question = rows.get((write.sheet, write.row))
            table = tables.get(write.sheet)
            if question is None or table is None:
                outcomes.append(
                    WriteOutcome(write.sheet, write.row, "", False, "not a detected question row")
                )
                continue
            attempt: Edits = {}
            outcome = plan_write(
                question,
                mappings.get(write.sheet),
                write.answer,
                write.detail,
                attempt,
                current=table.table.answer,
                overwrite=overwrite,
                locked=table.table.locked,
                limit=MAX_CELL_CHARS,
            )
            missing = [key for key in attempt if key not in table.cells]
            if outcome.written and missing:
                answer_key = parse_cell(question.answer_cell)
                if answer_key in missing or len(missing) == len(attempt):
                    outcome = WriteOutcome(
                        outcome.sheet, outcome.row, outcome.cell, False, "no cell to write into"
                    )
                    attempt = {}
                else:
                    attempt = {k: v for k, v in attempt.items() if k not in missing}
                    outcome = WriteOutcome(
                        outcome.sheet,
                        outcome.row,
                        outcome.cell,
                        True,
                        "detail not written: the row has no detail cell",
                    )
            plans.setdefault(write.sheet, {}).update(attempt)
            outcomes.append(outcome)
        spans: list[Span] = []
        for sheet, plan in plans.items():
            for key, value in plan.items():
                spans.extend(edit_cell(package, tables[sheet].cells[key], value))
        filled = data
        if spans:
            text = apply_spans(package.document.text, spans)
            body = ("\ufeff" if package.bom else "") + text
            filled = rebuild_zip(data, {package.document_part: body.encode("utf-8")})
        expected = {
            (sheet, row, column): value
            for sheet, plan in plans.items()
            for (row, column), value in plan.items()
        }
        fidelity = check_document_fidelity(
            data, filled, expected=expected, limits=limits, opened=(package, tables)
        )
        return FillResult(filled, tuple(outcomes), fidelity, package.extension)


def apply_spans(text: str, spans: list[Span]) -> str:
    """Apply non-overlapping replacements to a text in one pass."""
    ordered = sorted(spans, key=lambda span: (span[0], span[1]))
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise ValueError("overlapping edits in one cell")
    pieces: list[str] = []
    position = 0
    for start, end, replacement in ordered:
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def edit_cell(package: DocumentPackage, cell: DocCell, value: str | None) -> list[Span]:
    """Return the edits that put a value into a cell: tick a box, pick from a list, or write text."""
    names = WordNames(package.document)
    text = package.document.text
    if cell.boxes and cell.choices:
        wanted = {id(box): box_label(box) == value for box in cell.boxes}
        return _tick(package, names, cell.boxes, wanted)
    if cell.boxes:
        return _tick(package, names, cell.boxes, {id(cell.boxes[0]): value is not None})
    control = cell.dropdown or cell.text_control
    if control is not None:
        return _fill_control(text, names, control, value or "")
    paragraphs = [child for child in cell.node.children if names.is_w(child, "p")]
    return _fill_paragraphs(text, names, paragraphs, value or "")


def box_label(box: Box) -> str:
    """Return a box's label as the reader reports it."""
    return " ".join(box.label.split()).strip(" ,;/|").strip()


def _tick(
    package: DocumentPackage, names: WordNames, boxes: list[Box], wanted: dict[int, bool]
) -> list[Span]:
    text = package.document.text
    spans: list[Span] = []
    by_text: dict[int, tuple[Node, dict[int, str]]] = {}
    for box in boxes:
        checked = wanted.get(id(box), False)
        if box.index >= 0:
            _, changes = by_text.setdefault(id(box.node), (box.node, {}))
            changes[box.index] = TICK if checked else UNTICK
        elif checked != box.checked:
            spans.extend(_tick_control(text, names, box.node, checked))
    for node, changes in by_text.values():
        value = list(unescape(node.inner(text)))
        for index, mark in changes.items():
            if (mark == TICK) != (value[index] in TICKED):
                value[index] = mark
        spans.append((node.open_end, node.close_start, escape("".join(value))))
    return spans


def _tick_control(text: str, names: WordNames, sdt: Node, checked: bool) -> list[Span]:
    properties = sdt.child(names("sdtPr"))
    content = sdt.child(names("sdtContent"))
    if properties is None or content is None:
        return []
    checkbox = next(c for c in properties.children if names.is_w14(c, "checkbox"))
    prefix = names.w14 or "w14"
    value = "1" if checked else "0"
    state = next((c for c in checkbox.children if names.is_w14(c, "checked")), None)
    spans: list[Span] = []
    if state is not None:
        spans.append((state.start, state.end, f'<{prefix}:checked {prefix}:val="{value}"/>'))
    elif checkbox.close_start >= 0:
        spans.append(
            (checkbox.open_end, checkbox.open_end, f'<{prefix}:checked {prefix}:val="{value}"/>')
        )
    symbol_state = next(
        (
            c
            for c in checkbox.children
            if names.is_w14(c, "checkedState" if checked else "uncheckedState")
        ),
        None,
    )
    symbol = TICK if checked else UNTICK
    code = symbol_state.attribute("val") if symbol_state is not None else None
    if code:
        with contextlib.suppress(ValueError):
            symbol = chr(int(code, 16))
    marks = [node for node in content.iter() if names.is_w(node, "t")]
    if marks:
        spans.append((marks[0].open_end, marks[0].close_start, escape(symbol)))
    return spans


def _run(names: WordNames, properties: str, value: str) -> str:
    """Return one run holding the value, line breaks as <w:br/>, with the given run properties."""
    clean = _ILLEGAL_XML.sub("", value).replace("\t", " ")
    pieces = [
        f'<{names("t")} xml:space="preserve">{escape(line)}</{names("t")}>'
        for line in clean.split("\n")
    ]
    line_break = "<" + names("br") + "/>"
    return f"<{names('r')}>{properties}{line_break.join(pieces)}</{names('r')}>"


def _run_properties(text: str, names: WordNames, paragraphs: list[Node], runs: list[Node]) -> str:
    """Take the formatting of the first run, else of the paragraph mark, without a prompt's style."""
    for run in runs:
        properties = run.child(names("rPr"))
        if properties is not None:
            kept = _PLACEHOLDER_STYLE.sub("", text[properties.start : properties.end])
            return "" if _EMPTY_PROPERTIES.match(kept) else kept
    for paragraph in paragraphs:
        paragraph_properties = paragraph.child(names("pPr"))
        mark = paragraph_properties.child(names("rPr")) if paragraph_properties else None
        if mark is not None:
            raw = text[mark.start : mark.end]
            if not any(
                names.is_w(node, "ins", "del", "moveFrom", "moveTo") for node in mark.iter()
            ):
                return raw
    return ""


def _runs_of(names: WordNames, node: Node) -> list[Node]:
    return [child for child in node.children if names.is_w(child, "r")]


def _clear_runs(names: WordNames, runs: list[Node]) -> list[Span]:
    """Remove the runs' text; a run that also anchors a comment, note or drawing keeps all else."""
    spans: list[Span] = []
    for run in runs:
        content = [child for child in run.children if not names.is_w(child, *_RUN_FORMAT)]
        if all(names.is_w(child, *_RUN_TEXT) for child in content):
            spans.append((run.start, run.end, ""))
        else:
            spans.extend(
                (child.start, child.end, "") for child in content if names.is_w(child, *_RUN_TEXT)
            )
    return spans


def _fill_paragraphs(text: str, names: WordNames, paragraphs: list[Node], value: str) -> list[Span]:
    """Put the value in the first paragraph's runs and empty the others' runs; keep all else."""
    if not paragraphs:
        return []
    runs = [run for paragraph in paragraphs for run in _runs_of(names, paragraph)]
    properties = _run_properties(text, names, paragraphs, runs)
    spans = _clear_runs(names, runs)
    if not value:
        return spans
    first = paragraphs[0]
    new_run = _run(names, properties, value)
    first_runs = _runs_of(names, first)
    if first.close_start < 0:
        opening = text[first.start : first.end].removesuffix("/>").rstrip()
        spans.append((first.start, first.end, f"{opening}>{new_run}</{first.name}>"))
    elif first_runs:
        spans.append((first_runs[0].start, first_runs[0].start, new_run))
    else:
        paragraph_properties = first.child(names("pPr"))
        at = paragraph_properties.end if paragraph_properties is not None else first.open_end
        spans.append((at, at, new_run))
    return spans


def _fill_control(text: str, names: WordNames, sdt: Node, value: str) -> list[Span]:
    """Set a content control's text, leaving its properties but the placeholder flag alone."""
    properties = sdt.child(names("sdtPr"))
    content = sdt.child(names("sdtContent"))
    if content is None:
        return []
    spans: list[Span] = []
    placeholder = properties.child(names("showingPlcHdr")) if properties is not None else None
    if placeholder is not None and value:
        spans.append((placeholder.start, placeholder.end, ""))
    paragraphs = [child for child in content.children if names.is_w(child, "p")]
    if paragraphs:
        return spans + _fill_paragraphs(text, names, paragraphs, value)
    runs = _runs_of(names, content)
    spans.extend(_clear_runs(names, runs))
    if value:
        new_run = _run(names, _run_properties(text, names, [], runs), value)
        at = runs[0].start if runs else content.open_end
        if content.close_start < 0:
            spans.append(
                (content.start, content.end, f"<{content.name}>{new_run}</{content.name}>")
            )
        else:
            spans.append((at, at, new_run))
    return spans


def check_document_fidelity(
    original: bytes,
    filled: bytes,
    *,
    expected: dict[tuple[str, int, int], str | None],
    limits: Limits = DEFAULT_LIMITS,
    opened: tuple[DocumentPackage, dict[str, DocTable]] | None = None,
) -> FidelityReport:
    """Compare two documents: every other part byte for byte, document.xml outside answer cells.

    `opened` is the original already opened and read, when the caller has it at hand.
    """
    with translate_errors(subject="document", formats=".docx/.docm"):
        before, old_tables = opened or (open_document(original, limits=limits), {})
        after = open_document(filled, limits=limits)
        added, removed, changed = compare_parts(before, after)
        notes: list[str] = []
        unintended: list[str] = []
        unexplained = [name for name in changed if name != before.document_part]
        if unexplained:
            notes.append(
                "changed parts that only answers should not touch: " + ", ".join(unexplained)
            )
        if before.names != tuple(name for name in after.names if name not in added):
            notes.append(PARTS_REORDERED)
        old_tables = old_tables or {t.table.name: t for t in document_tables(before)}
        new_tables = {t.table.name: t for t in document_tables(after)}
        if list(old_tables) != list(new_tables):
            notes.append("the document's tables changed")
        else:
            keys = [(sheet, row, column) for sheet, row, column in expected]
            old_outside = _outside(before, old_tables, keys)
            new_outside = _outside(after, new_tables, keys)
            if old_outside != new_outside or before.bom != after.bom:
                unintended.append("document text outside the answer cells")
            for (sheet, row, column), value in expected.items():
                old_cell = old_tables[sheet].cells.get((row, column))
                new_cell = new_tables[sheet].cells.get((row, column))
                if old_cell and new_cell and _anchors(old_cell) != _anchors(new_cell):
                    unintended.append(f"{sheet}!{cell_ref(row, column)}: comments or bookmarks")
                if not _reads_back(new_tables[sheet], row, column, value):
                    notes.append(f"{sheet}!{cell_ref(row, column)} does not read back as written")
        ok = not (added or removed or unexplained or unintended or notes)
        return FidelityReport(
            ok=ok,
            parts_added=added,
            parts_removed=removed,
            parts_changed=changed,
            unintended_cells=tuple(unintended),
            notes=tuple(notes),
        )


def _outside(
    package: DocumentPackage, tables: dict[str, DocTable], keys: list[tuple[str, int, int]]
) -> list[str]:
    """Return the document text between the given cells, in order, each cell cut out."""
    cuts = sorted(
        (cell.node.start, cell.node.end)
        for sheet, row, column in keys
        if (cell := tables[sheet].cells.get((row, column))) is not None
    )
    text = package.document.text
    pieces: list[str] = []
    position = 0
    for start, end in cuts:
        pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return pieces


def _anchors(cell: DocCell) -> list[tuple[str, str]]:
    """Return the cell's anchoring markup (comment ranges, bookmarks, drawings) in order."""
    return [(node.local, node.attrs) for node in cell.node.iter() if node.local in ANCHORS]


def _reads_back(table: DocTable, row: int, column: int, value: str | None) -> bool:
    cell = table.cells.get((row, column))
    if cell is None:
        return False
    if cell.boxes and not cell.choices:
        return bool(table.table.answer(row, column)) == (value is not None)
    if cell.choices:
        return table.table.answer(row, column) == (value or "")
    return cell.text == _ILLEGAL_XML.sub("", value or "").replace("\t", " ").strip()
