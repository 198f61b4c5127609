"""Find the questions in any questionnaire layout: header row, question, answer, detail, ID."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from app.core.workbook.detection import SheetResult, gather_detection
from app.core.workbook.grid import SheetGrid, WorkbookCells, asks_to_stay_blank, refusal
from app.core.workbook.header import (
    best_header,
    choice_labels,
    header_labels_of,
    mapping_from_header,
)
from app.core.workbook.labels import (
    id_shape,
    is_instruction,
    is_number,
    is_placeholder,
    normalize_label,
)
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.lists import dropdown_choices
from app.core.workbook.model import DetectedRow, Detection, SheetMapping
from app.core.workbook.package import SheetInfo, open_package, translate_errors
from app.core.workbook.refs import cell_ref, column_index, column_letters
from app.core.workbook.sections import banner_rows, context_columns, row_context

# Tabs the customer's own assessors fill in: never the vendor's to answer, whatever they hold.
_ASSESSOR_SHEET = re.compile(r"analyst|scoring|\bscores?\b")
# Names that usually mean no questions (instructions, lists, summaries). The content decides;
# a tab so named that does hold question rows is read, and the user is asked to confirm it.
_AUXILIARY_SHEET = re.compile(
    r"dashboard|change ?log|instruction|read ?me|lookup|\blists?\b|"
    r"drop ?downs?|guidance|glossary|definitions|cover|summary"
)


def read_questionnaire(
    data: bytes,
    *,
    mappings: Sequence[SheetMapping] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Detection:
    """Detect the question rows of every questionnaire sheet; given mappings override detection."""
    with translate_errors():
        package = open_package(data, limits=limits)
        cells = WorkbookCells(package)
        return detect(cells, mappings=mappings)


def detect(cells: WorkbookCells, *, mappings: Sequence[SheetMapping] | None = None) -> Detection:
    """Run detection over an opened workbook."""
    given = {mapping.sheet: mapping for mapping in mappings or ()}
    known = {sheet.name for sheet in cells.package.sheets}
    warnings = [
        f"Sheet {name!r}: no such sheet; mapping ignored" for name in given if name not in known
    ]
    fingerprint_parts = [sheet.name for sheet in cells.package.sheets]
    return gather_detection(
        (
            (sheet.name, _read_sheet(cells, sheet, given.get(sheet.name)))
            for sheet in cells.package.sheets
        ),
        warnings=warnings,
        fingerprint_parts=fingerprint_parts,
    )


def _read_sheet(cells: WorkbookCells, sheet: SheetInfo, given: SheetMapping | None) -> SheetResult:
    if sheet.state != "visible":
        result = SheetResult(None, skip_reason="hidden sheet")
        if given is not None:
            result.warnings.append(f"Sheet {sheet.name!r}: hidden sheets are never written")
        return result
    if given is None and _ASSESSOR_SHEET.search(sheet.name.casefold()):
        return SheetResult(
            None, skip_reason="not a questionnaire (its name says assessors fill or score it)"
        )
    grid = cells.grid(sheet.name)
    if given is not None:
        return _rows_for(
            cells, sheet, grid, given, confident=True, header_labels=header_labels_of(grid, given)
        )
    header = best_header(grid)
    if header is None:
        return SheetResult(None, skip_reason="no header row with question and answer columns")
    mapping, warnings, confident = mapping_from_header(grid, sheet.name, header)
    if mapping is None:
        return SheetResult(None, warnings=warnings, skip_reason="no question column found")
    result = _rows_for(
        cells,
        sheet,
        grid,
        mapping,
        confident=confident,
        header_labels=header_labels_of(grid, mapping),
    )
    result.warnings[:0] = warnings
    if not result.rows:
        return SheetResult(None, skip_reason="header found but no question rows under it")
    fillable = [row for row in result.rows if row.locked_reason is None]
    if not fillable and all(row.locked_reason == "formula cell" for row in result.rows):
        return SheetResult(
            None, skip_reason="every answer cell is a formula (a report or scoring tab)"
        )
    linked = [row.row for row in result.rows if row.locked_reason == "formula cell"]
    if linked:
        # An answer computed from another cell (HECVAT's vendor tabs repeat START HERE's rows
        # through VLOOKUP) is answered there: it is no question for anyone to decide.
        result.rows = [row for row in result.rows if row.locked_reason != "formula cell"]
        result.warnings.append(
            f"Sheet {sheet.name!r}: {len(linked)} rows whose answer cell is a formula, computed "
            f"from other cells, are not questions to answer and were left out "
            f"(rows {_row_ranges(linked)})"
        )
    if _AUXILIARY_SHEET.search(sheet.name.casefold()):
        result.confident = False
        result.warnings.append(
            f"Sheet {sheet.name!r}: its name suggests instructions, lists or a summary, but it "
            f"holds {len(result.rows)} question rows; confirm it is part of the questionnaire"
        )
    return result


def _row_ranges(rows: Sequence[int]) -> str:
    """Write row numbers as ranges: 13-21, 40."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


def _rows_for(
    cells: WorkbookCells,
    sheet: SheetInfo,
    grid: SheetGrid,
    mapping: SheetMapping,
    *,
    confident: bool,
    header_labels: tuple[str, ...],
) -> SheetResult:
    result = SheetResult(mapping, confident=confident, header_labels=header_labels)
    question_column = column_index(mapping.question_column)
    answer_columns = tuple(column_index(letters) for letters in mapping.answer_columns)
    detail_column = column_index(mapping.detail_column) if mapping.detail_column else None
    id_column = column_index(mapping.id_column) if mapping.id_column else None
    choice_layout = len(answer_columns) > 1
    header_question = normalize_label(grid.effective_text(mapping.header_row, question_column))
    header_answers = [
        normalize_label(grid.effective_text(mapping.header_row, column))
        for column in answer_columns
    ]
    candidate_rows = sorted(row for row, column in grid.cells if column == question_column)

    def control_id(row: int) -> str:
        return grid.effective_text(row, id_column) if id_column else ""

    below = [
        row
        for row in candidate_rows
        if row > mapping.header_row and grid.text(row, question_column)
    ]
    with_id = [row for row in below if control_id(row)]
    id_dense = bool(below) and len(with_id) >= 0.6 * len(below)
    shapes = Counter(id_shape(control_id(row)) for row in with_id)
    common_shapes = {shape for shape, count in shapes.items() if count >= 2}
    labels = list(choice_labels(grid, mapping))
    choices_by_layout = tuple(label for label in labels if label) if choice_layout else ()
    contexts = context_columns(
        grid,
        mapping.header_row,
        used={question_column, *answer_columns, detail_column, id_column},
    )
    banners = banner_rows(grid, mapping.header_row, question_column)
    next_banner = 0
    heading = ""
    for row in candidate_rows:
        while next_banner < len(banners) and banners[next_banner][0] < row:
            heading = banners[next_banner][1]
            next_banner += 1
        question = grid.text(row, question_column)
        if not question or is_number(question):
            continue
        identifier = control_id(row)
        if row <= mapping.header_row and not (
            id_dense and identifier and id_shape(identifier) in common_shapes
        ):
            continue  # above the header only rows numbered like the questions below count
        if normalize_label(question) == header_question and header_question:
            continue
        answers = [grid.text(row, column) for column in answer_columns]
        if all(answers) and [normalize_label(text) for text in answers] == header_answers:
            continue  # a repeated header row between sections
        answered = [text for text in answers if text and not is_placeholder(text)]
        holds_something = any(answers)
        merged = grid.merge_at(row, question_column)
        if (
            (merged is not None and merged.max_col >= min(answer_columns))
            # a banner across the answer column is a section heading
            or (id_dense and not identifier and not holds_something and not question.endswith("?"))
            # so is an unnumbered line between numbered questions
            or (
                not id_dense
                and not holds_something
                and _is_heading(cells, grid, row, question_column, question)
            )
        ):
            if not is_instruction(question):
                heading = question
            continue
        answer_cell = cell_ref(row, answer_columns[0])
        if choice_layout:
            marked = [
                labels[index] or column_letters(column)
                for index, column in enumerate(answer_columns)
                if answers[index]
            ]
            existing = ", ".join(marked) if marked else None
            choices = choices_by_layout
        else:
            existing = answered[0] if answered else None
            choices, unresolved = dropdown_choices(cells, sheet, grid, row, answer_columns[0])
            warning = f"Sheet {sheet.name!r}: a dropdown list could not be read ({unresolved})"
            if unresolved and warning not in result.warnings:
                result.warnings.append(warning)
        result.rows.append(
            DetectedRow(
                sheet=sheet.name,
                row=row,
                question=question,
                control_id=identifier or None,
                answer_cell=answer_cell,
                detail_cell=cell_ref(row, detail_column)
                if detail_column and not asks_to_stay_blank(grid, row, detail_column)
                else None,
                choices=choices,
                existing_answer=existing,
                locked_reason=refusal(cells, grid, row, answer_columns),
                context=row_context(grid, row, heading, contexts),
            )
        )
    return result


def _is_heading(cells: WorkbookCells, grid: SheetGrid, row: int, column: int, text: str) -> bool:
    if is_instruction(text) and not text.endswith("?"):
        return True
    cell = grid.cells.get((row, column))
    short = len(text.split()) <= 6 and not text.endswith("?")
    return bool(cell and short and cells.format_of(cell.style).bold)
