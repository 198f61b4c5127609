"""Questions in plain tables of text (CSV files, Word tables): detect columns, plan answer edits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.workbook.detection import SheetResult, gather_detection
from app.core.workbook.grid import Cell, SheetGrid
from app.core.workbook.header import detect_columns
from app.core.workbook.labels import classify_label, is_number, is_placeholder, normalize_label
from app.core.workbook.model import DetectedRow, Detection, SheetMapping, WriteOutcome
from app.core.workbook.refs import CellRange, cell_ref, column_index, column_letters
from app.core.workbook.writer import Edits, plan_row_edits

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
    return gather_detection(
        (
            (
                table.name,
                read_table(table, given.get(table.name), add_answer_columns=add_answer_columns),
            )
            for table in tables
        ),
        warnings=warnings,
        fingerprint_parts=[],
    )


def read_table(
    table: TextTable, given: SheetMapping | None, *, add_answer_columns: bool = False
) -> SheetResult:
    """Find one table's header and columns (or take the given ones) and read its question rows."""
    grid = table.grid()
    if given is not None:
        return _rows_for(table, grid, given, confident=True)
    mapping, warnings, confident = detect_columns(grid, table.name)
    if mapping is None and add_answer_columns:
        mapping, warnings, confident = _mapping_with_added_columns(table)
    if mapping is None:
        return SheetResult(
            None, warnings=warnings, skip_reason="no header row with question and answer columns"
        )
    result = _rows_for(table, grid, mapping, confident=confident)
    result.warnings[:0] = [warning.replace("Sheet ", "Table ", 1) for warning in warnings]
    if not result.rows:
        return SheetResult(None, skip_reason="header found but no question rows under it")
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
) -> SheetResult:
    # The question's and the answers' labels name the template, as a sheet's do.
    labels_seen = (mapping.question_column, *mapping.answer_columns)
    result = SheetResult(
        mapping,
        confident=confident,
        header_labels=tuple(
            normalize_label(table.text(mapping.header_row, column_index(letters)))
            for letters in labels_seen
        ),
    )
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
        if not question or is_number(question):
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
            DetectedRow(
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


def plan_write(
    question: DetectedRow,
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

    def outcome(written: bool, reason: str | None, cell: str | None = None) -> WriteOutcome:
        return WriteOutcome(
            question.sheet, question.row, cell or question.answer_cell, written, reason
        )

    if question.locked_reason:
        return outcome(False, question.locked_reason)
    if mapping is None:
        return outcome(False, "no mapping for this table")
    held_back = locked or {}

    def refusal_at(row: int, columns: list[int]) -> str | None:
        return next((held_back[(row, c)] for c in columns if (row, c) in held_back), None)

    planned = plan_row_edits(
        question,
        mapping,
        answer,
        detail,
        overwrite=overwrite,
        text_at=current,
        occupied=lambda line, column: bool(current(line, column)),
        refusal_at=refusal_at,
        # Each choice column is named by its own header, blank ones included, as in a workbook.
        column_labels=[
            current(mapping.header_row, column_index(letters)) for letters in mapping.answer_columns
        ],
        limit=limit,
        container="table",
    )
    plan.update(planned.edits)
    return outcome(planned.written, planned.reason, planned.marked)
