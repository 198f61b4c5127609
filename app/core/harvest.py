"""Turn a questionnaire the company already answered into bank drafts and proposals, losing no row."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.core.bank import ENTRY_ID_PATTERN, MAX_TEXT, Entry, render_detail, same_wording
from app.core.detail_template import escape_template
from app.core.errors import BankError, UnreadableWorkbook
from app.core.formats import questionnaire_kind, read_questionnaire_file
from app.core.matching import Match, Matcher
from app.core.workbook.grid import WorkbookCells
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import DetectedRow
from app.core.workbook.package import open_package, translate_errors
from app.core.workbook.reader import detect
from app.core.workbook.refs import parse_cell

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
    # The workbook the row came from, when several are harvested at once.
    source_file: str = ""

    @property
    def where(self) -> str:
        """Name the row as a person finds it in the workbook."""
        return f"{self.sheet}!{self.row}"

    @property
    def located(self) -> str:
        """Name the row with its workbook, when the harvest read several."""
        return f"{self.source_file}!{self.where}" if self.source_file else self.where


@dataclass(frozen=True)
class AlternateProposal:
    """A harvested row asking a statement's question: another wording of it, or an update to it.

    `kind` is "alternate" when the row answers as the statement does (its wording may join the
    statement's alternates) and "update" when it answers differently or says more (a curator
    takes the row's answer as the statement's new version, or keeps the statement and the row
    becomes `draft`, or dismisses it).
    """

    entry_id: str
    question: str
    answer: str
    existing_answer: str
    score: float
    source: str
    detail: str = ""
    control_id: str | None = None
    kind: str = "alternate"
    existing_detail: str = ""
    draft: Entry | None = None
    source_file: str = ""

    @property
    def answers_agree(self) -> bool:
        """Tell whether the harvested answer is the statement's answer (else a curator decides)."""
        return self.answer.casefold() == self.existing_answer.casefold()


@dataclass(frozen=True)
class RepeatedQuestion:
    """A row asking a question already harvested from an earlier row (of this workbook or another)."""

    source: str
    first: str
    same_answer: bool


@dataclass(frozen=True)
class Harvest:
    """What one completed questionnaire yields: each answered row is a draft, a proposal or a repeat."""

    answered_rows: int
    unanswered_rows: int
    drafts: tuple[Entry, ...]
    alternates: tuple[AlternateProposal, ...]
    repeated: tuple[RepeatedQuestion, ...]
    updates: tuple[AlternateProposal, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def conflicts(self) -> tuple[RepeatedQuestion, ...]:
        """The repeated questions answered differently the second time: a person must choose."""
        return tuple(r for r in self.repeated if not r.same_answer)

    def counts(self) -> dict[str, int]:
        """Summarise the harvest in numbers."""
        return {
            "files": max(len(self.files), 1),
            "answered_rows": self.answered_rows,
            "unanswered_rows": self.unanswered_rows,
            "drafts": len(self.drafts),
            "alternates": len(self.alternates),
            "updates": len(self.updates),
            "repeated": len(self.repeated),
            "conflicts": len(self.conflicts),
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
    """Read a completed questionnaire's answered rows with their details; count the unanswered."""
    with translate_errors():
        cells: WorkbookCells | None = None
        if questionnaire_kind(data) == "workbook":
            cells = WorkbookCells(open_package(data, limits=limits))
            detection = detect(cells)
        else:
            detection = read_questionnaire_file(data, limits=limits)
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
                    detail=_detail_text(cells, row) if cells else row.existing_detail,
                    context=row.context,
                )
            )
    return answered, unanswered


def _detail_text(cells: WorkbookCells, row: DetectedRow) -> str:
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


def _literal(text: str) -> str:
    # Cutting the escaped form could break its raw blocks; cut the text by what overflows instead
    # (escaping a shorter text never grows it).
    escaped = escape_template(text)
    excess = len(escaped) - MAX_TEXT
    return escaped if excess <= 0 else escape_template(text[: len(text) - excess])


def harvest_rows(
    rows: Sequence[AnsweredRow],
    *,
    source_name: str,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    unanswered_rows: int = 0,
    profile: Mapping[str, Any] | None = None,
) -> Harvest:
    """Make a draft per answered question, or a proposal when the bank asks the same question."""
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
                    source=row.located,
                    first=first.located,
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
    updates: list[AlternateProposal] = []
    for row, found in zip(unique, matches, strict=True):
        row_prefix = id_prefix(row.source_file) if row.source_file else prefix
        draft = _draft(row, prefix=row_prefix, taken=taken, owner=owner)
        best = found[0] if found else None
        if best is None or matcher is None or best.entry_id not in bank:
            drafts.append(draft)
            continue
        if not asks_the_same(best, auto_threshold=matcher.thresholds.auto):
            drafts.append(draft)
            continue
        existing = bank[best.entry_id]
        existing_detail = _rendered(existing, profile)
        same = row.answer.casefold() == existing.answer.casefold() and _detail_agrees(
            row.detail, existing.detail, existing_detail
        )
        proposal = AlternateProposal(
            entry_id=existing.id,
            question=_fits(row.question),
            answer=row.answer,
            existing_answer=existing.answer,
            score=best.score,
            source=row.where,
            detail=_fits(row.detail),
            control_id=row.control_id,
            kind="alternate" if same else "update",
            existing_detail=existing_detail,
            # The row kept whole, for a curator who keeps the statement as it is.
            draft=None if same else draft,
            source_file=row.source_file,
        )
        if same:
            taken.discard(draft.id)
            alternates.append(proposal)
        else:
            updates.append(proposal)
    return Harvest(
        answered_rows=len(rows),
        unanswered_rows=unanswered_rows,
        drafts=tuple(drafts),
        alternates=tuple(alternates),
        repeated=tuple(repeated),
        updates=tuple(updates),
        files=tuple(dict.fromkeys(r.source_file for r in rows if r.source_file)),
    )


def asks_the_same(match: Match, *, auto_threshold: float) -> bool:
    """Tell whether a match means the same question by the matcher's own standard for auto.

    The score reaches the auto threshold and no guard holds it back. Whether the statement may
    fill a cell (a draft, a stale one) does not matter here: that is about its answer, not about
    whether the two wordings ask one thing.
    """
    return match.score >= auto_threshold and match.explanation.guard is None


def _rendered(entry: Entry, profile: Mapping[str, Any] | None) -> str:
    if profile is None:
        return entry.detail
    try:
        return render_detail(entry, profile)
    except BankError:
        return entry.detail


def _detail_agrees(harvested: str, template: str, rendered: str) -> bool:
    """Tell whether a row's detail says nothing the statement does not say already."""
    if not harvested.strip():
        return True
    said = same_wording(harvested)
    return said in (same_wording(template), same_wording(rendered))


def _draft(row: AnsweredRow, *, prefix: str, taken: set[str], owner: str | None) -> Entry:
    refs = {"control": row.control_id} if row.control_id else {}
    return Entry(
        id=_entry_id(prefix, row, taken),
        question=_fits(row.question),
        answer=_fits(row.answer),
        # Customer text is not a template: escape braces so it renders as written.
        detail=_literal(row.detail),
        tags=("harvested", *_context_tags(row.context)),
        refs=refs,
        owner=owner,
        status="draft",
    )


def _context_tags(context: str) -> tuple[str, ...]:
    """Turn a row's context ("Key Generation; Cryptography, Encryption & Key Management") into tags."""
    parts = [_clean(part) for part in context.split(";")]
    return tuple(dict.fromkeys(p for p in parts if p and len(p) <= MAX_TAG))[:MAX_CONTEXT_TAGS]


def harvest_workbook(
    data: bytes,
    *,
    source_name: str,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    profile: Mapping[str, Any] | None = None,
) -> Harvest:
    """Read a completed questionnaire and harvest its answered rows against the bank."""
    return harvest_workbooks(
        [(source_name, data)],
        bank=bank,
        matcher=matcher,
        owner=owner,
        limits=limits,
        profile=profile,
    )


def harvest_workbooks(
    workbooks: Sequence[tuple[str, bytes]],
    *,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    profile: Mapping[str, Any] | None = None,
) -> Harvest:
    """Harvest several completed questionnaires as one: a question they share is met once."""
    read = [(name, *read_answered_rows(data, limits=limits)) for name, data in workbooks]
    return harvest_read(read, bank=bank, matcher=matcher, owner=owner, profile=profile)


def harvest_read(
    read: Sequence[tuple[str, Sequence[AnsweredRow], int]],
    *,
    bank: Mapping[str, Entry],
    matcher: Matcher | None,
    owner: str | None = None,
    profile: Mapping[str, Any] | None = None,
) -> Harvest:
    """Harvest rows already read from one or more workbooks (name, answered rows, unanswered)."""
    if not read:
        raise UnreadableWorkbook("no questionnaire given to harvest")
    for name, rows, _ in read:
        if not rows:
            raise UnreadableWorkbook(f"{name}: no answered questions found to harvest")
    several = len(read) > 1
    rows = [
        replace(row, source_file=name) if several else row
        for name, found, _ in read
        for row in found
    ]
    return harvest_rows(
        rows,
        source_name=read[0][0],
        bank=bank,
        matcher=matcher,
        owner=owner,
        unanswered_rows=sum(unanswered for _, _, unanswered in read),
        profile=profile,
    )
