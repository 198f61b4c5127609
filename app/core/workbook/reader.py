"""Find the questions in any questionnaire layout: header row, question, answer, detail, ID."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.workbook.grid import SheetGrid, WorkbookCells, asks_to_stay_blank, refusal
from app.core.workbook.model import Detection, QuestionRow, SheetMapping
from app.core.workbook.package import (
    DEFAULT_LIMITS,
    Limits,
    SheetInfo,
    open_package,
    translate_errors,
)
from app.core.workbook.refs import cell_ref, column_index, column_letters, parse_range

HEADER_SEARCH_ROWS = 120
SAMPLE_ROWS = 60
MAX_BAND = 3
MAX_LIST_CELLS = 1000
DEFAULT_MARK = "X"

_SPACES = re.compile(r"\s+")
_IGNORE = re.compile(
    r"analyst|evaluat|\bscor(e|ed|es|ing)\b|weight|importance|compliant|guidance|override|"
    r"non-negotiable|institution|internal use|reviewer|auditor|assessor"
)
_ID = re.compile(r"(^|\b)(id|ids|no\.|nr\.?|ref\.?|reference|index|number|num|code|s/n|sn)(\b|$)|#")
_QUESTION = re.compile(
    r"\bquestions?\b|\brequirements?\b|\bcontrol (statement|question)s?\b|\bcriteri(a|on)\b|"
    r"\bquery\b|\bqueries\b"
)
_ANSWER = re.compile(
    r"\banswers?\b|\bresponses?\b|\breply\b|\byes\s*/\s*no\b|\bselection\b|\bresponse status\b"
)
_DETAIL = re.compile(
    r"\bcomments?\b|\bnotes?\b|\bdetails?\b|\bexplanation\b|\bevidence\b|\badditional info|"
    r"\bdescription\b|\bjustification\b|\bremarks?\b|\bdocumentation\b|\bsupporting\b|"
    r"\belaborat|\bclarification\b|\bcontext\b"
)
# Tabs the customer's own assessors fill in: never the vendor's to answer, whatever they hold.
_ASSESSOR_SHEET = re.compile(r"analyst|scoring|\bscores?\b")
# Names that usually mean no questions (instructions, lists, summaries). The content decides;
# a tab so named that does hold question rows is read, and the user is asked to confirm it.
_AUXILIARY_SHEET = re.compile(
    r"dashboard|change ?log|instruction|read ?me|lookup|\blists?\b|"
    r"drop ?downs?|guidance|glossary|definitions|cover|summary"
)
YES, NO, NOT_APPLICABLE = "yes", "no", "na"
CHOICE_SYNONYMS: dict[str, str] = {
    "yes": YES,
    "y": YES,
    "true": YES,
    "no": NO,
    "n": NO,
    "false": NO,
    "na": NOT_APPLICABLE,
    "n/a": NOT_APPLICABLE,
    "n.a": NOT_APPLICABLE,
    "not applicable": NOT_APPLICABLE,
    "not-applicable": NOT_APPLICABLE,
    "notapplicable": NOT_APPLICABLE,
    "does not apply": NOT_APPLICABLE,
}
_OTHER_CHOICE_LABELS = frozenset(
    {"partial", "partially", "planned", "in progress", "unknown", "other", "not implemented"}
)
# Header labels of columns that say what a row is about: "Control Domain", "Category", "Section"…
HEADER_BAND_ROWS = 3  # how far above the header row a column's label may sit
MAX_CONTEXT_CELL = 200  # longer text in a "section" cell is prose, not a heading
_CONTEXT = re.compile(
    r"\b(domains?|categor(y|ies)|sections?|topics?|areas?|famil(y|ies)|themes?|titles?|"
    r"control names?|subject)\b"
)
_PLACEHOLDER = re.compile(r"^<[^<>]{1,200}>$")
_INSTRUCTION = re.compile(r"^(please|note:|instructions?\b|n\.b\.)", re.IGNORECASE)
_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")
_NAME = re.compile(r"^[A-Za-z_\\][\w.\\]*$")


def normalize_label(text: str) -> str:
    """Lower-case a label and collapse its whitespace, for matching."""
    return _SPACES.sub(" ", text).strip().strip(":*").strip().casefold()


def choice_key(text: str) -> str:
    """Return the canonical key of an answer choice ("yes", "no", "na") or its normalized text."""
    normalized = normalize_label(text).rstrip(".")
    return CHOICE_SYNONYMS.get(normalized, normalized)


def is_choice_label(text: str) -> bool:
    """Tell whether a header label names an answer choice (Yes, No, N/A, Partial...)."""
    normalized = normalize_label(text).rstrip(".")
    return normalized in CHOICE_SYNONYMS or normalized in _OTHER_CHOICE_LABELS


def classify_label(text: str) -> str | None:
    """Return the role a header label suggests: id, question, answer, detail, ignore or None."""
    label = normalize_label(text)
    if not label:
        return None
    if _IGNORE.search(label):
        return "ignore"
    words = len(label.split())
    if _ID.search(label) and words <= 4 and not _ANSWER.search(label):
        return "id"
    has_answer = bool(_ANSWER.search(label))
    if _QUESTION.search(label) and not has_answer:
        return "question"
    if has_answer:
        return "detail" if _DETAIL.search(label) else "answer"
    if _DETAIL.search(label):
        return "detail"
    return None


def id_shape(value: str) -> str:
    """Return the shape of an ID ("A&A-01.1" and "BCR-11.7" -> "A-9.9") to spot its siblings."""
    return re.sub(r"[A-Z&]+", "A", re.sub(r"\d+", "9", value.strip()))


def _looks_like_id(value: str) -> bool:
    text = value.strip()
    return 0 < len(text) <= 24 and " " not in text and any(ch.isdigit() for ch in text)


@dataclass
class _Header:
    """A candidate header band and the roles its labels suggest."""

    bottom: int
    roles: dict[int, str]
    choice_columns: tuple[int, ...] = ()
    score: int = 0


@dataclass
class _SheetResult:
    mapping: SheetMapping | None
    rows: list[QuestionRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    confident: bool = True
    header_labels: tuple[str, ...] = ()


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
    rows: list[QuestionRow] = []
    found: list[SheetMapping] = []
    skipped: list[str] = []
    confident = True
    fingerprint_parts = [sheet.name for sheet in cells.package.sheets]
    for sheet in cells.package.sheets:
        result = _read_sheet(cells, sheet, given.get(sheet.name))
        warnings.extend(result.warnings)
        if result.mapping is None:
            skipped.append(f"{sheet.name}: {result.skip_reason}")
            continue
        found.append(result.mapping)
        rows.extend(result.rows)
        confident = confident and result.confident
        fingerprint_parts.append(
            f"{sheet.name}|{result.mapping.header_row}|" + "|".join(result.header_labels)
        )
    if not rows:
        confident = False
        warnings.append("No question rows found; choose the header row and columns by hand")
    fingerprint = hashlib.sha256("\n".join(fingerprint_parts).encode("utf-8")).hexdigest()
    return Detection(
        rows=tuple(rows),
        mappings=tuple(found),
        warnings=tuple(warnings),
        skipped_sheets=tuple(skipped),
        fingerprint=fingerprint,
        confident=confident,
    )


def _read_sheet(cells: WorkbookCells, sheet: SheetInfo, given: SheetMapping | None) -> _SheetResult:
    if sheet.state != "visible":
        result = _SheetResult(None, skip_reason="hidden sheet")
        if given is not None:
            result.warnings.append(f"Sheet {sheet.name!r}: hidden sheets are never written")
        return result
    if given is None and _ASSESSOR_SHEET.search(sheet.name.casefold()):
        return _SheetResult(
            None, skip_reason="not a questionnaire (its name says assessors fill or score it)"
        )
    grid = cells.grid(sheet.name)
    if given is not None:
        return _rows_for(
            cells, sheet, grid, given, confident=True, header_labels=_labels_of(grid, given)
        )
    header = _best_header(grid)
    if header is None:
        return _SheetResult(None, skip_reason="no header row with question and answer columns")
    mapping, warnings, confident = _mapping_from_header(grid, sheet.name, header)
    if mapping is None:
        return _SheetResult(None, warnings=warnings, skip_reason="no question column found")
    result = _rows_for(
        cells, sheet, grid, mapping, confident=confident, header_labels=_labels_of(grid, mapping)
    )
    result.warnings[:0] = warnings
    if not result.rows:
        return _SheetResult(None, skip_reason="header found but no question rows under it")
    fillable = [row for row in result.rows if row.locked_reason is None]
    if not fillable and all(row.locked_reason == "formula cell" for row in result.rows):
        return _SheetResult(
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


def detect_columns(grid: SheetGrid, sheet: str) -> tuple[SheetMapping | None, list[str], bool]:
    """Find a grid's header row and its columns; return the mapping, warnings and confidence."""
    header = _best_header(grid)
    if header is None:
        return None, [], False
    return _mapping_from_header(grid, sheet, header)


def _labels_of(grid: SheetGrid, mapping: SheetMapping) -> tuple[str, ...]:
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


def _best_header(grid: SheetGrid) -> _Header | None:
    all_rows = grid.row_numbers()
    rows = all_rows[:HEADER_SEARCH_ROWS]
    last = rows[-1] if rows else 0
    by_row: dict[int, list[int]] = {}
    for row, column in grid.cells:
        if row <= last:
            by_row.setdefault(row, []).append(column)
    best: _Header | None = None
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
) -> _Header | None:
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
    return _Header(bottom, roles, choice_columns, score)


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


def _mapping_from_header(
    grid: SheetGrid, sheet: str, header: _Header
) -> tuple[SheetMapping | None, list[str], bool]:
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
    prose = sum(1 for text in texts if not _looks_like_id(text) and not _is_number(text))
    return prose > 0 and prose >= 0.5 * len(texts)


def _text_weight(grid: SheetGrid, rows: list[int], column: int) -> int:
    total = 0
    for row in rows:
        text = grid.text(row, column)
        if text and not _looks_like_id(text):
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
        share = sum(1 for value in values if value and _looks_like_id(value)) / len(question_rows)
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


def _rows_for(
    cells: WorkbookCells,
    sheet: SheetInfo,
    grid: SheetGrid,
    mapping: SheetMapping,
    *,
    confident: bool,
    header_labels: tuple[str, ...],
) -> _SheetResult:
    result = _SheetResult(mapping, confident=confident, header_labels=header_labels)
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
    context_columns = _context_columns(
        grid,
        mapping.header_row,
        used={question_column, *answer_columns, detail_column, id_column},
    )
    banners = _banner_rows(grid, mapping.header_row, question_column)
    next_banner = 0
    heading = ""
    for row in candidate_rows:
        while next_banner < len(banners) and banners[next_banner][0] < row:
            heading = banners[next_banner][1]
            next_banner += 1
        question = grid.text(row, question_column)
        if not question or _is_number(question):
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
            if not _INSTRUCTION.match(question):
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
            choices, unresolved = _dropdown_choices(cells, sheet, grid, row, answer_columns[0])
            warning = f"Sheet {sheet.name!r}: a dropdown list could not be read ({unresolved})"
            if unresolved and warning not in result.warnings:
                result.warnings.append(warning)
        result.rows.append(
            QuestionRow(
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
                context=_row_context(grid, row, heading, context_columns),
            )
        )
    return result


def _banner_rows(grid: SheetGrid, header_row: int, question_column: int) -> list[tuple[int, str]]:
    """Find section headings written left of or across an empty question cell, in row order."""
    banners = []
    for row in grid.row_numbers():
        if row < header_row or (row > header_row and grid.text(row, question_column)):
            continue
        text = next(
            (t for column in range(1, question_column + 1) if (t := _own_text(grid, row, column))),
            "",
        )
        text = " ".join(text.split())
        if (
            text
            and len(text) <= MAX_CONTEXT_CELL
            and not _looks_like_id(text)
            and not _is_number(text)
            and not _INSTRUCTION.match(text)
            # the header row names the first section only where its label is not a column's
            and (row > header_row or _names_a_section(text))
        ):
            banners.append((row, text))
    return banners


def _own_text(grid: SheetGrid, row: int, column: int) -> str:
    """Return a cell's text, or a merged range's where the range starts on this row."""
    merged = grid.merge_at(row, column)
    if merged is None:
        return grid.text(row, column)
    return grid.text(*merged.anchor) if merged.min_row == row else ""


def _names_a_section(text: str) -> bool:
    """Tell a section title on the header row ("Company Information") from a column's label."""
    return classify_label(text) is None and not _CONTEXT.search(normalize_label(text))


def _context_columns(grid: SheetGrid, header_row: int, *, used: set[int | None]) -> tuple[int, ...]:
    """Find the columns whose header says what a row is about (domain, category, title)."""
    band = range(max(1, header_row - HEADER_BAND_ROWS + 1), header_row + 1)
    columns = sorted({column for row, column in grid.cells if row in band} - used)
    found = []
    for column in columns:
        # The nearest label above the data: a two-row header keeps it in its upper row.
        label = next(
            (text for row in reversed(band) if (text := grid.effective_text(row, column))), ""
        )
        if _CONTEXT.search(normalize_label(label)) and classify_label(label) is None:
            found.append(column)
    return tuple(found)


def _row_context(grid: SheetGrid, row: int, heading: str, columns: tuple[int, ...]) -> str:
    """Join the row's section heading and its context cells, each once, shortest form."""
    parts: list[str] = []
    for text in (heading, *(grid.effective_text(row, column) for column in columns)):
        text = " ".join(text.split())
        if text and len(text) <= MAX_CONTEXT_CELL and text not in parts:
            parts.append(text)
    return "; ".join(parts)


def is_placeholder(text: str) -> bool:
    """Tell whether an answer cell holds a template prompt such as "<Customer name 1>"."""
    return bool(_PLACEHOLDER.match(text))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_heading(cells: WorkbookCells, grid: SheetGrid, row: int, column: int, text: str) -> bool:
    if _INSTRUCTION.match(text) and not text.endswith("?"):
        return True
    cell = grid.cells.get((row, column))
    short = len(text.split()) <= 6 and not text.endswith("?")
    return bool(cell and short and cells.format_of(cell.style).bold)


def _dropdown_choices(
    cells: WorkbookCells, sheet: SheetInfo, grid: SheetGrid, row: int, column: int
) -> tuple[tuple[str, ...], str | None]:
    """Return the cell's list-validation choices and, if the list could not be read, why."""
    for rule in grid.validations_at(row, column):
        if rule.kind != "list" or not rule.formula:
            continue
        return resolve_list(cells, sheet, rule.formula)
    return (), None


def resolve_list(
    cells: WorkbookCells, sheet: SheetInfo, formula: str
) -> tuple[tuple[str, ...], str | None]:
    """Resolve a list-validation source: a literal list, a range, or a defined name for either."""
    key = (sheet.name, formula)
    if key not in cells.lists:
        cells.lists[key] = _resolve_list(cells, sheet, formula)
    return cells.lists[key]


def _resolve_list(
    cells: WorkbookCells, sheet: SheetInfo, formula: str
) -> tuple[tuple[str, ...], str | None]:
    text = formula.strip().lstrip("=")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        items = text[1:-1].replace('""', '"').split(",")
        return tuple(item.strip() for item in items if item.strip()), None
    for _ in range(4):
        if not _NAME.match(text):
            break
        key = text.casefold()
        target = cells.package.defined_names.get(
            (key, sheet.position)
        ) or cells.package.defined_names.get((key, None))
        if target is None:
            return (), f"unknown name {text}"
        text = target.strip().lstrip("=")
    match = _SHEET_REF.match(text)
    if match:
        sheet_name = (match.group(1) or match.group(2) or "").replace("''", "'")
        reference = match.group(3)
    else:
        sheet_name, reference = sheet.name, text
    source = cells.package.sheet(sheet_name)
    if source is None:
        return (), f"no sheet {sheet_name!r}"
    try:
        cell_range = parse_range(reference)
    except ValueError:
        return (), f"unsupported formula {formula}"
    size = (cell_range.max_row - cell_range.min_row + 1) * (
        cell_range.max_col - cell_range.min_col + 1
    )
    if size > MAX_LIST_CELLS:
        return (), f"list range {reference} is too large"
    source_grid = cells.grid(source.name)
    items = [
        source_grid.text(row, column)
        for row in range(cell_range.min_row, cell_range.max_row + 1)
        for column in range(cell_range.min_col, cell_range.max_col + 1)
    ]
    return tuple(item for item in items if item), None
