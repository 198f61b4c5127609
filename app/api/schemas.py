"""Request and response bodies of the HTTP API, as declared in its OpenAPI schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class Candidate(BaseModel):
    entry_id: str
    score: float
    band: str
    explanation: str | None = None


class RowOut(BaseModel):
    sheet: str
    row: int
    question: str
    control_id: str | None
    context: str | None = Field(
        default=None,
        description="The row's section heading or control title, if the sheet has one.",
    )
    entry_id: str | None
    entry_version: int | None = None
    score: float = Field(ge=0, le=1)
    band: str
    answer: str | None
    detail: str | None = None
    answer_cell: str
    written: bool
    note: str | None = None
    explanation: str
    candidates: list[Candidate] = []


class JobOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | done | failed")
    stage: str = Field(
        description="what the worker is doing: detecting, matching, filling, saving…"
    )
    progress: int = Field(ge=0, le=100, description="percent done")
    attempts: int
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class QuestionnaireOut(BaseModel):
    id: str
    filename: str
    status: str
    error: str | None = None
    created_at: datetime
    summary: dict[str, Any]
    fidelity: dict[str, Any]
    detection: dict[str, Any]
    workbook_url: str | None = None
    job: JobOut | None = None


class QuestionnaireDetail(QuestionnaireOut):
    rows: list[RowOut]


class QuestionnaireList(BaseModel):
    items: list[QuestionnaireOut]
    total: int
    limit: int
    offset: int


class MatchQuery(BaseModel):
    question: str = Field(min_length=1, max_length=32_767)
    control_id: str | None = Field(default=None, max_length=64)
    context: str | None = Field(
        default=None,
        max_length=1_000,
        description="The row's section heading, domain or control title; a hint to its subject.",
    )


# A bare question obeys the same bounds as MatchQuery.question; an empty one was a 500.
QuestionText = Annotated[str, StringConstraints(min_length=1, max_length=32_767)]


# A column is one to three letters (A to XFD); a sheet name is at most 31 characters in Excel.
ColumnLetters = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,3}$")]
MAX_MAPPING_CHARS = 65_536
MAX_MAPPED_SHEETS = 100


class SheetMappingIn(BaseModel):
    """Where one sheet's questions are, as a person states it when detection guessed wrong."""

    sheet: str = Field(min_length=1, max_length=31)
    header_row: int = Field(ge=1, le=1_048_576)
    question_column: ColumnLetters
    answer_columns: list[ColumnLetters] = Field(min_length=1, max_length=16)
    detail_column: ColumnLetters | None = None
    id_column: ColumnLetters | None = None


class MatchRequest(BaseModel):
    questions: list[QuestionText | MatchQuery] = Field(min_length=1, max_length=2_000)
    top: int = Field(default=3, ge=1, le=50)


class MatchOut(BaseModel):
    entry_id: str
    score: float = Field(ge=0, le=1)
    band: str
    explanation: str | None = None


class MatchResult(BaseModel):
    question: str
    matches: list[MatchOut]


class EntryOut(BaseModel):
    id: str
    question: str
    alternates: list[str]
    answer: str
    detail: str
    rendered_detail: str | None = None
    tags: list[str]
    refs: dict[str, str]
    owner: str | None
    status: str
    reviewed: date | None
    review_every_days: int | None
    version: int
    updated_at: datetime
    updated_by: str


class ConceptLinkOut(BaseModel):
    concept_id: str
    question: str = Field(description="The concept's question, in customer words")
    by: str = Field(description="'ref' (a framework ID in common) or 'wording' (a confident match)")
    how: str = Field(description="How it is linked, e.g. 'by ref caiq: IAM-14.1'")
    refs: list[str] = Field(description="The shared refs, or the concept's refs for a wording link")
    score: float | None = Field(default=None, description="The wording match's score")


class EntryDetailOut(EntryOut):
    concepts: list[ConceptLinkOut] = Field(
        default_factory=list, description="The concepts the entry is linked to, and how"
    )


class EntryList(BaseModel):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int
