"""Questions in plain tables of text (CSV files, Word tables): detect columns, plan answer edits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.workbook.grid import Cell, SheetGrid
from app.core.workbook.header import detect_columns
from app.core.workbook.labels import classify_label, is_placeholder, normalize_label
from app.core.workbook.model import Detection, QuestionRow, SheetMapping, WriteOutcome
from app.core.workbook.refs import CellRange, cell_ref, column_index, column_letters, parse_cell
from app.core.workbook.writer import Edits, join_answer, plan_answer_cells

MAX_HEADING_WORDS = 8
MAX_CONTEXT = 200


@dataclass
class TextTable:
    """One table of text: cells by (row, column), 1-based, and what the source knows of them."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    heading: str = ""  # the nearest heading above the table
    emphasis: set[tuple[int, int]] = field(default_factory=set)  # bold cells: likely headings
    choices: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    selected: dict[tuple[int, int], str] = field(default_factory=dict)  # of a cell's choices
    locked: dict[tuple[int, int], str] = field(default_factory=dict)
    width: int = 0  # columns the widest row holds

    def text(self, row: int, column: int) -> str:
        """Return a cell's text, stripped, "" when absent."""
        return self.cells.get((row, column), "").strip()

    def answer(self, row: int, column: int) -> str:
        """Return the answer a cell holds: its chosen option, its text, "" for an empty box."""
        if (row, column) in self.choices:
            return self.selected.get((row, column), "")
        text = self.text(row, column)
        return "" if text in UNTICKED else text

    def grid(self) -> SheetGrid:
        """Return the table as the grid the workbook detector reads."""
        grid = SheetGrid()
        for key, text in self.cells.items():
            if text.strip():
                grid.cells[key] = Cell(text, "s", False, 0)
        grid.merges = list(self.merges)
        return grid


@dataclass
class TableResult:
    """What one table yielded: its mapping and rows, or why it was skipped."""

    mapping: SheetMapping | None
    rows: list[QuestionRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    confident: bool = True
    skip_reason: str | None = None


def detect_tables(
    tables: Sequence[TextTable],
    *,
    mappings: Sequence[SheetMapping] | None = None,
    add_answer_columns: bool = False,
) -> Detection:
    """Detect the question rows of every table; a given mapping overrides detection for its table."""
    given = {mapping.sheet: mapping for mapping in mappings or ()}
    known = {table.name for table in tables}
    warnings = [
        f"Table {name!r}: no such table; mapping ignored" for name in given if name not in known
    ]
    rows: list[QuestionRow] = []
    found: list[SheetMapping] = []
    skipped: list[str] = []
    confident = True
    fingerprint_parts: list[str] = []
    for table in tables:
        result = read_table(table, given.get(table.name), add_answer_columns=add_answer_columns)
        warnings.extend(result.warnings)
        if result.mapping is None:
            skipped.append(f"{table.name}: {result.skip_reason}")
            continue
        found.append(result.mapping)
        rows.extend(result.rows)
        confident = confident and result.confident
        labels = [
            normalize_label(table.text(result.mapping.header_row, column_index(letters)))
            for letters in (result.mapping.question_column, *result.mapping.answer_columns)
        ]
        fingerprint_parts.append(f"{table.name}|{result.mapping.header_row}|" + "|".join(labels))
    if not rows:
        confident = False
        warnings.append("No question rows found; choose the header row and columns by hand")
    return Detection(
        rows=tuple(rows),
        mappings=tuple(found),
        warnings=tuple(warnings),
        skipped_sheets=tuple(skipped),
        fingerprint=hashlib.sha256("\n".join(fingerprint_parts).encode("utf-8")).hexdigest(),
        confident=confident,
    )


def read_table(
    table: TextTable, given: SheetMapping | None, *, add_answer_columns: bool = False
) -> TableResult:
    """Find one table's header and columns (or take the given ones) and read its question rows."""
    grid = table.grid()
    if given is not None:
        return _rows_for(table, grid, given, confident=True)
    mapping, warnings, confident = detect_columns(grid, table.name)
    if mapping is None and add_answer_columns:
        mapping, warnings, confident = _mapping_with_added_columns(table)
    if mapping is None:
        return TableResult(
            None, warnings=warnings, skip_reason="no header row with question and answer columns"
        )
    result = _rows_for(table, grid, mapping, confident=confident)
    result.warnings[:0] = [warning.replace("Sheet ", "Table ", 1) for warning in warnings]
    if not result.rows:
        return TableResult(None, skip_reason="header found but no question rows under it")
    return result


def _mapping_with_added_columns(
    table: TextTable,
) -> tuple[SheetMapping | None, list[str], bool]:
    """Map a file that has a question column but no answer column: answers go in new columns."""
    rows = sorted({row for row, _ in table.cells})[:20]
    for row in rows:
        roles = {
            column: classify_label(table.text(row, column))
            for (line, column) in table.cells
            if line == row
        }
        questions = [column for column, role in roles.items() if role == "question"]
        if not questions:
            continue
        ids = [column for column, role in roles.items() if role == "id"]
        details = [column for column, role in roles.items() if role == "detail"]
        answer = table.width + 1
        detail = details[0] if details else answer + 1
        mapping = SheetMapping(
            sheet=table.name,
            header_row=row,
            question_column=column_letters(min(questions)),
            answer_columns=(column_letters(answer),),
            detail_column=column_letters(detail),
            id_column=column_letters(ids[0]) if ids else None,
        )
        note = (
            f"Table {table.name!r}: no answer column; answers go into a new column "
            f"{column_letters(answer)}"
            + ("" if details else f" and details into a new column {column_letters(detail)}")
        )
        return mapping, [note], True
    return None, [], False


def _rows_for(
    table: TextTable, grid: SheetGrid, mapping: SheetMapping, *, confident: bool
) -> TableResult:
    result = TableResult(mapping, confident=confident)
    question_column = column_index(mapping.question_column)
    answer_columns = tuple(column_index(letters) for letters in mapping.answer_columns)
    detail_column = column_index(mapping.detail_column) if mapping.detail_column else None
    id_column = column_index(mapping.id_column) if mapping.id_column else None
    choice_layout = len(answer_columns) > 1
    header_question = normalize_label(table.text(mapping.header_row, question_column))
    header_answers = [normalize_label(table.text(mapping.header_row, c)) for c in answer_columns]
    labels = [table.text(mapping.header_row, column) for column in answer_columns]
    columns_of: dict[int, list[int]] = {}
    for line, column in table.cells:
        columns_of.setdefault(line, []).append(column)
    row_numbers = sorted(line for line in columns_of if line > mapping.header_row)

    def control_id(row: int) -> str:
        return table.text(row, id_column) if id_column else ""

    below = [row for row in row_numbers if table.text(row, question_column)]
    with_id = [row for row in below if control_id(row)]
    id_dense = bool(below) and len(with_id) >= 0.6 * len(below)
    heading = ""
    for row in row_numbers:
        question = " ".join(table.text(row, question_column).split())
        merged = grid.merge_at(row, question_column)
        spans_answers = merged is not None and merged.max_col >= min(answer_columns)
        if not question and spans_answers and merged is not None and merged.min_row == row:
            question = " ".join(grid.text(*merged.anchor).split())  # a banner across the row
        if not question or _is_number(question):
            continue
        if header_question and normalize_label(question) == header_question:
            continue  # a header row repeated on every page, or between sections
        answers = [table.text(row, column) for column in answer_columns]
        if all(answers) and [normalize_label(text) for text in answers] == header_answers:
            continue
        others = [
            table.text(row, column) for column in columns_of[row] if column != question_column
        ]
        plain_line = not any(others) and not question.endswith("?")
        if (
            spans_answers
            or (id_dense and not control_id(row) and plain_line)
            or (
                plain_line
                and (row, question_column) in table.emphasis
                and len(question.split()) <= MAX_HEADING_WORDS
            )
        ):
            if len(question) <= MAX_CONTEXT:
                heading = question
            continue
        identifier = control_id(row)
        if choice_layout:
            marked = [
                labels[i] or column_letters(c)
                for i, c in enumerate(answer_columns)
                if table.answer(row, c)
            ]
            existing = ", ".join(marked) if marked else None
            choices = tuple(label for label in labels if label)
        else:
            choices = table.choices.get((row, answer_columns[0]), ())
            given = table.answer(row, answer_columns[0])
            existing = given if given and not is_placeholder(given) else None
        context_parts = [part for part in (table.heading, heading) if part]
        result.rows.append(
            QuestionRow(
                sheet=table.name,
                row=row,
                question=question,
                control_id=identifier or None,
                answer_cell=cell_ref(row, answer_columns[0]),
                detail_cell=cell_ref(row, detail_column) if detail_column else None,
                choices=choices,
                existing_answer=existing,
                locked_reason=next(
                    (table.locked[(row, c)] for c in answer_columns if (row, c) in table.locked),
                    None,
                ),
                context="; ".join(dict.fromkeys(context_parts)),
                existing_detail=table.text(row, detail_column) if detail_column else "",
            )
        )
    return result


# Text check boxes: ticked and unticked marks as Word and its users type them.
TICKED = ("☒", "☑", "✓", "✔", "✗", "✘", "■", "[x]", "[X]")
UNTICKED = ("☐", "□", "[ ]")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def plan_write(
    question: QuestionRow,
    mapping: SheetMapping | None,
    answer: str,
    detail: str,
    plan: Edits,
    *,
    current: Callable[[int, int], str],
    overwrite: bool,
    locked: Mapping[tuple[int, int], str] | None = None,
    limit: int,
) -> WriteOutcome:
    """Plan the cell edits that put one answer into a table row, or say why it is not written."""

    def outcome(written: bool, reason: str | None) -> WriteOutcome:
        return WriteOutcome(question.sheet, question.row, question.answer_cell, written, reason)

    if question.locked_reason:
        return outcome(False, question.locked_reason)
    if mapping is None:
        return outcome(False, "no mapping for this table")
    locked = locked or {}
    answer = answer if answer.strip() else ""
    detail = detail if detail.strip() else ""
    if not answer and not detail:
        return outcome(False, "empty answer")
    row = question.row
    answer_columns = [column_index(letters) for letters in mapping.answer_columns]
    held = [current(row, column) for column in answer_columns]
    held = [text for text in held if text and not is_placeholder(text)]
    if not overwrite and held:
        return outcome(False, "kept existing answer")
    detail_column = parse_cell(question.detail_cell)[1] if question.detail_cell else None
    edits: Edits = {}
    notes: list[str] = []
    refused, answer_edits = plan_answer_cells(
        question,
        answer_columns,
        mapping.choice_marks,
        answer,
        text=answer if detail_column else join_answer(answer, detail),
        occupied=lambda line, column: bool(current(line, column)),
    )
    if refused:
        return outcome(False, refused)
    edits.update(answer_edits)
    if detail and detail_column:
        if locked.get((row, detail_column)):
            notes.append(f"detail not written: {locked[(row, detail_column)]}")
        elif current(row, detail_column) and not overwrite:
            notes.append("kept existing detail")
        else:
            edits[(row, detail_column)] = detail
    elif detail and (question.choices or len(answer_columns) > 1):
        notes.append("detail not written: the table has no detail column")
    if any(text and len(text) > limit for text in edits.values()):
        return outcome(False, f"text longer than {limit:,} characters per cell")
    if not edits:
        return outcome(False, "; ".join(notes) or "nothing to write")
    plan.update(edits)
    return outcome(True, "; ".join(notes) or None)
