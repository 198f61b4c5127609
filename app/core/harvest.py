"""Turn a questionnaire the company already answered into draft bank entries, without duplicates."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.bank import ENTRY_ID_PATTERN, MAX_TEXT, Entry
from app.core.errors import UnreadableWorkbook
from app.core.matching import Matcher
from app.core.workbook.grid import WorkbookCells
from app.core.workbook.model import QuestionRow
from app.core.workbook.package import DEFAULT_LIMITS, Limits, open_package, translate_errors
from app.core.workbook.reader import detect
from app.core.workbook.refs import parse_cell

# A harvested question this close to an existing statement is the same question asked in other
# words: it becomes a proposed alternate of that statement, not a second statement. The figure
# is the matcher's calibrated auto threshold, where its precision holds at 99% on bench/.
NEAR_DUPLICATE_SCORE = 0.60
HARVEST_ANSWERS = {
    "yes": "Yes",
    "y": "Yes",
    "no": "No",
    "n": "No",
    "n/a": "N/A",
    "na": "N/A",
    "not applicable": "N/A",
}
_SPACES = re.compile(r"\s+")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._&-]+")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PREFIX = 40
MAX_TAG = 80
MAX_CONTEXT_TAGS = 3


@dataclass(frozen=True)
class AnsweredRow:
    """One questionnaire row the company answered: its question, short answer and detail text."""

    sheet: str
    row: int
    question: str
    control_id: str | None
    answer: str
    detail: str
    # The row's section heading or control title: kept as the draft's tags so the statement is
    # found by subject later. Near-duplicates are still judged on the question alone.
    context: str = ""

    @property
    def where(self) -> str:
        """Name the row as a person finds it in the workbook."""
        return f"{self.sheet}!{self.row}"


@dataclass(frozen=True)
class AlternateProposal:
    """A harvested question close to an existing statement, proposed as one of its alternates."""

    entry_id: str
    question: str
    answer: str
    existing_answer: str
    score: float
    source: str
    detail: str = ""
    control_id: str | None = None

    @property
    def answers_agree(self) -> bool:
        """Tell whether the harvested answer is the statement's answer (else a curator decides)."""
        return self.answer.casefold() == self.existing_answer.casefold()


@dataclass(frozen=True)
class RepeatedQuestion:
    """A row asking a question already harvested from an earlier row of the same workbook."""

    source: str
    first: str
    same_answer: bool


@dataclass(frozen=True)
class Harvest:
    """What one completed questionnaire yields: drafts, alternate proposals, and rows left out."""

    answered_rows: int
    unanswered_rows: int
    drafts: tuple[Entry, ...]
    alternates: tuple[AlternateProposal, ...]
    repeated: tuple[RepeatedQuestion, ...]

    def counts(self) -> dict[str, int]:
        """Summarise the harvest in numbers."""
        return {
            "answered_rows": self.answered_rows,
            "unanswered_rows": self.unanswered_rows,
            "drafts": len(self.drafts),
            "alternates": len(self.alternates),
            "repeated": len(self.repeated),
        }


def _clean(text: str) -> str:
    """Collapse the line breaks and runs of spaces questionnaires use for layout."""
    return _SPACES.sub(" ", _CONTROL_CHARS.sub(" ", text)).strip()


def canonical_answer(text: str) -> str:
    """Spell a short answer the way the bank does (Yes, No, N/A), leaving other text as it is."""
    cleaned = _clean(text)
    return HARVEST_ANSWERS.get(cleaned.casefold().rstrip("."), cleaned)


def read_answered_rows(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[AnsweredRow], int]:
    """Read a completed workbook's answered rows with their detail cells, and count the unanswered."""
    with translate_errors():
        cells = WorkbookCells(open_package(data, limits=limits))
        detection = detect(cells)
        answered: list[AnsweredRow] = []
        unanswered = 0
        for row in detection.rows:
            if not row.existing_answer or not row.existing_answer.strip():
                unanswered += 1
                continue
            answered.append(
                AnsweredRow(
                    sheet=row.sheet,
                    row=row.row,
                    question=_clean(row.question),
                    control_id=row.control_id,
                    answer=canonical_answer(row.existing_answer),
                    detail=_detail_text(cells, row),
                    context=row.context,
                )
            )
    return answered, unanswered


def _detail_text(cells: WorkbookCells, row: QuestionRow) -> str:
    if not row.detail_cell:
        return ""
    line, column = parse_cell(row.detail_cell)
    return cells.grid(row.sheet).text(line, column)


def id_prefix(source_name: str) -> str:
    """Derive the id prefix of harvested entries from the workbook's file name."""
    stem = source_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    prefix = _ID_UNSAFE.sub("-", stem).strip("-._&")[:MAX_PREFIX].strip("-._&")
    return prefix or "harvest"


def _entry_id(prefix: str, row: AnsweredRow, taken: set[str]) -> str:
    local = _ID_UNSAFE.sub("-", row.control_id or "").strip("-._&") or f"{row.sheet}-r{row.row}"
    base = _ID_UNSAFE.sub("-", f"{prefix}-{local}")[:76].strip("-._&")
    candidate, n = base, 2
    while candidate in taken or not ENTRY_ID_PATTERN.match(candidate):
        candidate = f"{base[:72]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _fits(text: str) -> str:
    return text[:MAX_TEXT]


def harvest_rows(
    rows: Sequence[AnsweredRow],
    *,
    source_name: str,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    unanswered_rows: int = 0,
) -> Harvest:
    """Make a draft per answered question; a question close to a bank statement is an alternate."""
    prefix = id_prefix(source_name)
    taken = set(bank)
    first_by_text: dict[str, AnsweredRow] = {}
    repeated: list[RepeatedQuestion] = []
    unique: list[AnsweredRow] = []
    for row in rows:
        if not row.question:
            continue
        key = row.question.casefold()
        first = first_by_text.get(key)
        if first is not None:
            repeated.append(
                RepeatedQuestion(
                    source=row.where,
                    first=first.where,
                    same_answer=first.answer.casefold() == row.answer.casefold(),
                )
            )
            continue
        first_by_text[key] = row
        unique.append(row)
    matches = (
        # No context here: a near-duplicate is the same question, not one on the same subject.
        matcher.match_many([(r.question, r.control_id) for r in unique], top=1)
        if matcher is not None and bank
        else [[] for _ in unique]
    )
    drafts: list[Entry] = []
    alternates: list[AlternateProposal] = []
    for row, found in zip(unique, matches, strict=True):
        best = found[0] if found else None
        if best is not None and best.score >= NEAR_DUPLICATE_SCORE and best.entry_id in bank:
            existing = bank[best.entry_id]
            alternates.append(
                AlternateProposal(
                    entry_id=existing.id,
                    question=_fits(row.question),
                    answer=row.answer,
                    existing_answer=existing.answer,
                    score=best.score,
                    source=row.where,
                    detail=_fits(row.detail),
                    control_id=row.control_id,
                )
            )
            continue
        refs = {"control": row.control_id} if row.control_id else {}
        drafts.append(
            Entry(
                id=_entry_id(prefix, row, taken),
                question=_fits(row.question),
                answer=_fits(row.answer),
                # Customer text is not a template: escape braces so it renders as written.
                detail=_fits(escape_template(row.detail)),
                tags=("harvested", *_context_tags(row.context)),
                refs=refs,
                owner=owner,
                status="draft",
            )
        )
    return Harvest(
        answered_rows=len(rows),
        unanswered_rows=unanswered_rows,
        drafts=tuple(drafts),
        alternates=tuple(alternates),
        repeated=tuple(repeated),
    )


def _context_tags(context: str) -> tuple[str, ...]:
    """Turn a row's context ("Key Generation; Cryptography, Encryption & Key Management") into tags."""
    parts = [_clean(part) for part in context.split(";")]
    return tuple(dict.fromkeys(p for p in parts if p and len(p) <= MAX_TAG))[:MAX_CONTEXT_TAGS]


def escape_template(text: str) -> str:
    """Make text render literally through the detail template engine."""
    if not any(mark in text for mark in ("{{", "{%", "{#")):
        return text
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}"


def harvest_workbook(
    data: bytes,
    *,
    source_name: str,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Harvest:
    """Read a completed questionnaire and harvest its answered rows against the bank."""
    rows, unanswered = read_answered_rows(data, limits=limits)
    if not rows:
        raise UnreadableWorkbook(f"{source_name}: no answered questions found to harvest")
    return harvest_rows(
        rows,
        source_name=source_name,
        bank=bank,
        matcher=matcher,
        owner=owner,
        unanswered_rows=unanswered,
    )
