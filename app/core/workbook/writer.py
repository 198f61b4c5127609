"""Write answers into the answer cells only: edit those <c> elements, copy every other byte."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from app.core.formulas import needs_quote_prefix
from app.core.workbook.fidelity import check_fidelity
from app.core.workbook.grid import WorkbookCells, refusal
from app.core.workbook.header import DEFAULT_MARK, choice_labels
from app.core.workbook.labels import choice_key, is_placeholder, normalize_label
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import (
    AnswerWrite,
    DetectedRow,
    Detection,
    FillResult,
    SheetMapping,
    WriteOutcome,
)
from app.core.workbook.package import open_package, rebuild_zip, translate_errors
from app.core.workbook.refs import cell_ref, column_index, parse_cell
from app.core.workbook.sheetxml import CellEdit, SheetXml
from app.core.workbook.styles import add_quote_prefix_styles

EXCEL_CELL_LIMIT = 32_767
_SENTENCE_END = re.compile(r"[.!?:;]$")


def match_choice(answer: str, choices: Sequence[str]) -> str | None:
    """Return the list's own spelling of an answer (NA vs N/A vs Not Applicable), or None."""
    wanted = normalize_label(answer)
    for choice in choices:
        if normalize_label(choice) == wanted:
            return choice
    key = choice_key(answer)
    for choice in choices:
        if choice_key(choice) == key:
            return choice
    return None


def join_answer(answer: str, detail: str) -> str:
    """Join a short answer and its detail for a one-column sheet: "Yes. <detail>"."""
    if not detail.strip():
        return answer
    if not answer.strip():
        return detail
    answer, detail = answer.rstrip(), detail.strip()
    return f"{answer} {detail}" if _SENTENCE_END.search(answer) else f"{answer}. {detail}"


Edits = dict[tuple[int, int], str | None]  # (row, column) -> text, or None to empty the cell


def plan_answer_cells(
    question: DetectedRow,
    answer_columns: Sequence[int],
    marks: Sequence[str],
    answer: str,
    *,
    text: str,
    occupied: Callable[[int, int], bool],
    column_labels: Sequence[str] | None = None,
) -> tuple[str | None, Edits]:
    """Plan the answer cells' edits: mark a choice column, pick from a list, or write the text."""
    row = question.row
    edits: Edits = {}
    if len(answer_columns) > 1:
        # Each choice is its column's own header, blank ones included (column_labels, one per
        # column), so a mark can only land under the label it answers.
        labels = list(column_labels) if column_labels is not None else list(question.choices)
        named = [label for label in labels if label]
        chosen = match_choice(answer.strip(), named) if answer else None
        if chosen is None:
            listed = ", ".join(named)
            return f"answer {answer.strip()!r} matches none of the columns ({listed})", {}
        under = [position for position, label in enumerate(labels) if label == chosen]
        if len(under) != 1:
            return f"{len(under)} columns are headed {chosen!r}; mark one by hand", {}
        index = under[0]
        for position, column in enumerate(answer_columns):
            if position == index:
                edits[(row, column)] = marks[position] if position < len(marks) else DEFAULT_MARK
            elif occupied(row, column):
                edits[(row, column)] = None
    elif question.choices:
        if answer:
            chosen = match_choice(answer.strip(), question.choices)
            if chosen is None:
                listed = ", ".join(question.choices)
                return f"answer {answer.strip()!r} not in the cell's list ({listed})", {}
            edits[(row, answer_columns[0])] = chosen
    elif text:
        edits[(row, answer_columns[0])] = text
    return None, edits


@dataclass(frozen=True)
class RowPlan:
    """The edits that put one answer into a row, or why none are made (written is False)."""

    written: bool
    reason: str | None
    edits: Edits
    marked: str | None = None  # the answer cell written, where the choice put it


def plan_row_edits(
    question: DetectedRow,
    mapping: SheetMapping,
    answer: str,
    detail: str,
    *,
    overwrite: bool,
    text_at: Callable[[int, int], str],
    occupied: Callable[[int, int], bool],
    refusal_at: Callable[[int, list[int]], str | None],
    column_labels: Sequence[str],
    limit: int,
    limit_name: str = "",
    container: str,
) -> RowPlan:
    """Plan the answer and detail cells of one row, for sheets and plain tables alike."""
    # keep the text as written (a leading tab is content); strip only to match and to test emptiness
    answer = answer if answer.strip() else ""
    detail = detail if detail.strip() else ""
    if not answer and not detail:
        return RowPlan(False, "empty answer", {})
    row = question.row
    answer_columns = [column_index(letters) for letters in mapping.answer_columns]
    refused = refusal_at(row, answer_columns)
    if refused:
        return RowPlan(False, refused, {})
    held = [text_at(row, column) for column in answer_columns]
    if not overwrite and any(text and not is_placeholder(text) for text in held):
        return RowPlan(False, "kept existing answer", {})
    detail_column = parse_cell(question.detail_cell)[1] if question.detail_cell else None
    notes: list[str] = []
    refused, edits = plan_answer_cells(
        question,
        answer_columns,
        mapping.choice_marks,
        answer,
        text=answer if detail_column else join_answer(answer, detail),
        column_labels=column_labels,
        occupied=occupied,
    )
    if refused:
        return RowPlan(False, refused, {})
    if detail and detail_column:
        detail_refusal = refusal_at(row, [detail_column])
        if detail_refusal:
            notes.append(f"detail not written: {detail_refusal}")
        elif text_at(row, detail_column) and not overwrite:
            notes.append("kept existing detail")
        else:
            edits[(row, detail_column)] = detail
    elif detail and (question.choices or len(answer_columns) > 1):
        notes.append(f"detail not written: the {container} has no detail column")
    if any(text and len(text) > limit for text in edits.values()):
        return RowPlan(False, f"text longer than {limit_name}{limit:,} characters per cell", {})
    if not edits:
        return RowPlan(False, "; ".join(notes) or "nothing to write", {})
    marked = next(
        (cell_ref(r, c) for (r, c), text in edits.items() if c in answer_columns and text), None
    )
    return RowPlan(True, "; ".join(notes) or None, edits, marked)


def fill_workbook(
    data: bytes,
    detection: Detection,
    writes: Sequence[AnswerWrite],
    *,
    overwrite: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> FillResult:
    """Write answers into a copy of the workbook; report each outcome; prove nothing else moved."""
    with translate_errors():
        package = open_package(data, limits=limits)
        cells = WorkbookCells(package)
        rows = {(row.sheet, row.row): row for row in detection.rows}
        mappings = {mapping.sheet: mapping for mapping in detection.mappings}
        plans: dict[str, Edits] = {}
        # Which outcome claimed each cell, so a second write to it is a conflict, not an overwrite.
        claimed: dict[tuple[str, int, int], int] = {}
        outcomes: list[WriteOutcome] = []
        for write in writes:
            question = rows.get((write.sheet, write.row))
            if question is None:
                outcomes.append(
                    WriteOutcome(write.sheet, write.row, "", False, "not a detected question row")
                )
                continue
            outcome, edits = _plan_write(
                cells,
                question,
                mappings.get(write.sheet),
                write,
                overwrite=overwrite or write.replace,
            )
            clash = next(
                (
                    (cell, claimed[(write.sheet, *cell)])
                    for cell in edits
                    if (write.sheet, *cell) in claimed
                ),
                None,
            )
            if clash is not None:
                (row, column), first = clash
                ref = cell_ref(row, column)
                outcome = WriteOutcome(
                    write.sheet,
                    write.row,
                    question.answer_cell,
                    False,
                    f"conflict: cell {ref} is also written for row {outcomes[first].row}",
                )
                outcomes[first] = _note_conflict(outcomes[first], write, ref)
                edits = {}
            plans.setdefault(write.sheet, {}).update(edits)
            claimed.update({(write.sheet, *cell): len(outcomes) for cell in edits})
            outcomes.append(outcome)
        replacements = _render(cells, plans)
        filled = rebuild_zip(data, replacements) if replacements else data
        expected = {
            (sheet, cell_ref(row, column)): text
            for sheet, plan in plans.items()
            for (row, column), text in plan.items()
        }
        fidelity = check_fidelity(data, filled, intended=expected, expected=expected, limits=limits)
        return FillResult(filled, tuple(outcomes), fidelity, package.extension)


def _note_conflict(outcome: WriteOutcome, other: AnswerWrite, ref: str) -> WriteOutcome:
    """Add to the first write of a cell that a later write to it was refused."""
    note = f"conflict: row {other.row} also wanted cell {ref} and was not written"
    if outcome.reason and note in outcome.reason:
        return outcome
    return replace(outcome, reason=f"{outcome.reason}; {note}" if outcome.reason else note)


def _plan_write(
    cells: WorkbookCells,
    question: DetectedRow,
    mapping: SheetMapping | None,
    write: AnswerWrite,
    *,
    overwrite: bool,
) -> tuple[WriteOutcome, Edits]:
    def outcome(
        written: bool, reason: str | None, cell: str = question.answer_cell
    ) -> tuple[WriteOutcome, Edits]:
        return WriteOutcome(question.sheet, question.row, cell, written, reason), {}

    if question.locked_reason:
        return outcome(False, question.locked_reason)
    if mapping is None:
        return outcome(False, "no mapping for this sheet")
    grid = cells.grid(question.sheet)
    planned = plan_row_edits(
        question,
        mapping,
        write.answer,
        write.detail,
        overwrite=overwrite,
        text_at=grid.text,
        occupied=lambda line, column: bool(grid.text(line, column)) or (line, column) in grid.cells,
        refusal_at=lambda row, columns: refusal(cells, grid, row, columns),
        column_labels=choice_labels(grid, mapping),
        limit=EXCEL_CELL_LIMIT,
        limit_name="Excel's ",
        container="sheet",
    )
    if not planned.written:
        return outcome(False, planned.reason)
    return outcome(True, planned.reason, planned.marked or question.answer_cell)[0], planned.edits


def _render(cells: WorkbookCells, plans: dict[str, Edits]) -> dict[str, bytes]:
    """Turn the planned edits into replaced parts: the edited sheets and, if needed, styles.xml."""
    package = cells.package
    prefixed_styles: set[int] = set()
    for sheet, plan in plans.items():
        grid = cells.grid(sheet)
        for (row, column), text in plan.items():
            if text is not None and needs_quote_prefix(text):
                style = grid.style_at(row, column)
                if not cells.format_of(style).quote_prefix:
                    prefixed_styles.add(style)
    replacements: dict[str, bytes] = {}
    style_map: dict[int, int] = {}
    if prefixed_styles and package.styles_part is not None:
        styles_xml, style_map = add_quote_prefix_styles(
            package.read(package.styles_part), prefixed_styles
        )
        replacements[package.styles_part] = styles_xml
    for sheet, plan in plans.items():
        if not plan:
            continue
        info = package.sheet(sheet)
        assert info is not None
        grid = cells.grid(sheet)
        edits: dict[tuple[int, int], CellEdit] = {}
        defaults: dict[tuple[int, int], int] = {}
        for (row, column), text in plan.items():
            style = grid.style_at(row, column)
            defaults[(row, column)] = style
            new_style = (
                style_map.get(style) if text is not None and needs_quote_prefix(text) else None
            )
            edits[(row, column)] = CellEdit(text, new_style)
        replacements[info.part] = SheetXml(package.read(info.part)).apply(
            edits, default_styles=defaults
        )
    return replacements
