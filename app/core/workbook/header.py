"""Find a sheet's header row and the columns holding the question, answers, detail and ID."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from app.core.workbook.grid import SheetGrid
from app.core.workbook.labels import (
    NO,
    YES,
    choice_key,
    classify_label,
    is_choice_label,
    is_number,
    looks_like_id,
    normalize_label,
)
from app.core.workbook.model import SheetMapping
from app.core.workbook.refs import column_index, column_letters

HEADER_SEARCH_ROWS = 120
SAMPLE_ROWS = 60
MAX_BAND = 3
DEFAULT_MARK = "X"


@dataclass
class HeaderBand:
    """A candidate header band and the roles its labels suggest."""

    bottom: int
    roles: dict[int, str]
    choice_columns: tuple[int, ...] = ()
    score: int = 0


def detect_columns(grid: SheetGrid, sheet: str) -> tuple[SheetMapping | None, list[str], bool]:
    """Find a grid's header row and its columns; return the mapping, warnings and confidence."""
    header = best_header(grid)
    if header is None:
        return None, [], False
    return mapping_from_header(grid, sheet, header)


def header_labels_of(grid: SheetGrid, mapping: SheetMapping) -> tuple[str, ...]:
    """Return the normalized header labels of a mapping's columns, for the template fingerprint."""
    columns = [
        mapping.id_column,
        mapping.question_column,
        *mapping.answer_columns,
        mapping.detail_column,
    ]
    return tuple(
        normalize_label(grid.effective_text(mapping.header_row, column_index(letters)))
        for letters in columns
        if letters
    )


def choice_labels(grid: SheetGrid, mapping: SheetMapping) -> tuple[str, ...]:
    """Return the header label of each answer column, in column order ("" for a blank header)."""
    return tuple(
        grid.effective_text(mapping.header_row, column_index(letters))
        for letters in mapping.answer_columns
    )


def best_header(grid: SheetGrid) -> HeaderBand | None:
    """Return the highest-scoring header band of a grid, or None when none names an answer."""
    all_rows = grid.row_numbers()
    rows = all_rows[:HEADER_SEARCH_ROWS]
    last = rows[-1] if rows else 0
    by_row: dict[int, list[int]] = {}
    for row, column in grid.cells:
        if row <= last:
            by_row.setdefault(row, []).append(column)
    best: HeaderBand | None = None
    for bottom in rows:
        following = all_rows[bisect_right(all_rows, bottom) :][:SAMPLE_ROWS]
        for top in range(bottom, max(bottom - MAX_BAND, 0), -1):
            if top != bottom and top not in by_row:
                continue
            header = _score_band(grid, top, bottom, by_row, following)
            if header is not None and (best is None or header.score > best.score):
                best = header
    return best


def _score_band(
    grid: SheetGrid, top: int, bottom: int, by_row: dict[int, list[int]], following: list[int]
) -> HeaderBand | None:
    columns = sorted({column for row in range(top, bottom + 1) for column in by_row.get(row, ())})
    columns = [column for column in columns if column <= 1000]
    pieces_by_column: dict[int, list[str]] = {}
    for column in columns:
        pieces: list[str] = []
        for row in range(top, bottom + 1):
            text = grid.effective_text(row, column)
            if text and text not in pieces and len(text) <= 160:
                pieces.append(text)
        if pieces:
            pieces_by_column[column] = pieces
    if len(pieces_by_column) < 2:
        return None
    roles: dict[int, str] = {}
    for column, pieces in pieces_by_column.items():
        role = None
        for piece in reversed(pieces):
            role = classify_label(piece)
            if role is not None:
                break
        if role == "question" and not _holds_questions(grid, following, column):
            role = None  # a section title such as "Required Questions", not a column header
        if role is not None:
            roles[column] = role
    choice_columns = _choice_columns(grid, bottom, pieces_by_column, roles)
    if top != bottom and not choice_columns:
        # a band earns its extra rows only by naming the choice columns under an answer group
        return None
    has_answer = bool(choice_columns) or "answer" in roles.values()
    if not has_answer:
        return None
    score = 4 + (3 if "question" in roles.values() else 0)
    score += 1 if "detail" in roles.values() else 0
    score += 1 if "id" in roles.values() else 0
    score += 2 if choice_columns else 0
    return HeaderBand(bottom, roles, choice_columns, score)


def _choice_columns(
    grid: SheetGrid,
    bottom: int,
    pieces_by_column: dict[int, list[str]],
    roles: dict[int, str],
) -> tuple[int, ...]:
    """Return adjacent columns whose bottom labels are answer choices (Yes / No / N/A ...)."""
    runs: list[list[int]] = []
    for column in sorted(pieces_by_column):
        bottom_text = grid.effective_text(bottom, column)
        if not bottom_text or not is_choice_label(bottom_text):
            continue
        if runs and runs[-1][-1] == column - 1:
            runs[-1].append(column)
        else:
            runs.append([column])
    for run in runs:
        keys = {choice_key(grid.effective_text(bottom, column)) for column in run}
        if len(run) >= 2 and YES in keys and NO in keys:
            for column in run:
                roles[column] = "choice"
            return tuple(run)
    return ()


def mapping_from_header(
    grid: SheetGrid, sheet: str, header: HeaderBand
) -> tuple[SheetMapping | None, list[str], bool]:
    """Map a header band's roles to columns; return the mapping, warnings and confidence."""
    warnings: list[str] = []
    confident = True
    roles = header.roles
    header_row = header.bottom
    answer_columns: tuple[int, ...]
    if header.choice_columns:
        answer_columns = header.choice_columns
    else:
        candidates = [column for column, role in roles.items() if role == "answer"]
        answer_columns = (min(candidates),)
        if len(candidates) > 1:
            named = ", ".join(column_letters(column) for column in sorted(candidates))
            warnings.append(f"Sheet {sheet!r}: several answer columns ({named}); using the first")
            confident = False
    used = set(answer_columns)
    question_candidates = [
        column for column, role in roles.items() if role == "question" and column not in used
    ]
    data_rows = _data_rows(grid, header_row)
    if len(question_candidates) == 1:
        question_column = question_candidates[0]
    elif question_candidates:
        question_column = max(
            question_candidates, key=lambda column: _text_weight(grid, data_rows, column)
        )
    else:
        others = [
            column
            for column in range(1, max(answer_columns))
            if roles.get(column) in (None, "question") and not grid.column_hidden(column)
        ]
        if not others:
            return None, warnings, False
        question_column = max(others, key=lambda column: _text_weight(grid, data_rows, column))
        if _text_weight(grid, data_rows, question_column) == 0:
            return None, warnings, False
        if not _holds_questions(grid, data_rows, question_column):
            warnings.append(
                f"Sheet {sheet!r}: no 'Question' header; "
                f"guessed column {column_letters(question_column)}"
            )
            confident = False
    used.add(question_column)
    id_column = _pick_id_column(grid, header_row, data_rows, roles, question_column, used)
    if id_column is not None:
        used.add(id_column)
    detail_column = _pick_detail_column(roles, answer_columns, question_column, used)
    marks = _choice_marks(grid, data_rows, answer_columns) if header.choice_columns else ()
    mapping = SheetMapping(
        sheet=sheet,
        header_row=header_row,
        question_column=column_letters(question_column),
        answer_columns=tuple(column_letters(column) for column in answer_columns),
        detail_column=column_letters(detail_column) if detail_column else None,
        id_column=column_letters(id_column) if id_column else None,
        choice_marks=marks,
    )
    return mapping, warnings, confident


def _data_rows(grid: SheetGrid, header_row: int, limit: int = 400) -> list[int]:
    rows = grid.row_numbers()
    start = bisect_right(rows, header_row)
    return rows[start : start + limit]


def _holds_questions(grid: SheetGrid, rows: list[int], column: int) -> bool:
    texts = [grid.text(row, column) for row in rows]
    texts = [text for text in texts if text]
    prose = sum(1 for text in texts if not looks_like_id(text) and not is_number(text))
    return prose > 0 and prose >= 0.5 * len(texts)


def _text_weight(grid: SheetGrid, rows: list[int], column: int) -> int:
    total = 0
    for row in rows:
        text = grid.text(row, column)
        if text and not looks_like_id(text):
            total += min(len(text), 200) + (40 if text.endswith("?") else 0)
    return total


def _pick_id_column(
    grid: SheetGrid,
    header_row: int,
    rows: list[int],
    roles: dict[int, str],
    question_column: int,
    used: set[int],
) -> int | None:
    named = [column for column, role in roles.items() if role == "id" and column not in used]
    if named:

        def preference(column: int) -> tuple[int, int]:
            label = normalize_label(grid.effective_text(header_row, column))
            return (0 if "question" in label else 1, abs(question_column - column))

        return min(named, key=preference)
    question_rows = [row for row in rows if grid.text(row, question_column)]
    if not question_rows:
        return None
    best, best_share = None, 0.0
    for column in range(1, question_column):
        if column in used or roles.get(column) == "ignore":
            continue
        values = [grid.effective_text(row, column) for row in question_rows]
        share = sum(1 for value in values if value and looks_like_id(value)) / len(question_rows)
        if share > best_share:
            best, best_share = column, share
    return best if best_share >= 0.6 else None


def _pick_detail_column(
    roles: dict[int, str], answer_columns: tuple[int, ...], question_column: int, used: set[int]
) -> int | None:
    details = [column for column, role in roles.items() if role == "detail" and column not in used]
    right = [column for column in details if column > max(answer_columns)]
    if right:
        return min(right)
    left = [column for column in details if question_column < column < min(answer_columns)]
    return max(left) if left else None


def _choice_marks(grid: SheetGrid, rows: list[int], columns: tuple[int, ...]) -> tuple[str, ...]:
    per_column: list[Counter[str]] = []
    overall: Counter[str] = Counter()
    for column in columns:
        counter: Counter[str] = Counter()
        for row in rows:
            text = grid.text(row, column)
            if text and len(text) <= 16:
                counter[text] += 1
        per_column.append(counter)
        overall.update({mark: count for mark, count in counter.items() if len(mark) <= 2})
    fallback = overall.most_common(1)[0][0] if overall else DEFAULT_MARK
    return tuple(counter.most_common(1)[0][0] if counter else fallback for counter in per_column)
