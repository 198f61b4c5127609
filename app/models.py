"""SQLModel tables: accounts and keys, the answer bank with its versions and proposed alternates, questionnaires and the audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a random, unguessable identifier."""
    return uuid.uuid4().hex


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class WebSession(SQLModel, table=True):
    """A server-side login session; the cookie holds only a random id, stored here as a digest."""

    __tablename__ = "web_session"
    id_digest: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True, index=True)
    digest: str = Field(max_length=64)
    role: str = Field(max_length=16)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class BankEntry(SQLModel, table=True):
    """The current version of one answer-bank statement."""

    __tablename__ = "bank_entry"
    id: str = Field(primary_key=True, max_length=80)
    question: str = Field(sa_type=Text)
    answer: str = Field(sa_type=Text)
    alternates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    detail: str = Field(default="", sa_type=Text)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refs: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    owner: str | None = Field(default=None, max_length=200)
    status: str = Field(default="draft", max_length=16, index=True)
    reviewed: date | None = None
    review_every_days: int | None = None
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_by: str = Field(default="system", max_length=64)


class BankEntryVersion(SQLModel, table=True):
    """Every saved version of a statement, with who changed it, when and why."""

    __tablename__ = "bank_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=80, index=True)
    version: int
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    changed_by: str = Field(max_length=64)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    reason: str = Field(default="", max_length=500)


class ProposedAlternate(SQLModel, table=True):
    """A harvested row asking a statement's question, awaiting a curator.

    `kind` "alternate": the row answers as the statement does and its wording may join the
    statement's alternates. `kind` "update": the row answers differently or says more; `draft`
    holds the whole row as a draft statement, stored if the curator keeps the statement.
    """

    __tablename__ = "alternate_proposal"
    __table_args__ = (
        # One pending proposal per statement and wording; decided ones stay as history.
        Index(
            "uq_alternate_proposal_pending",
            "entry_id",
            "question_key",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=80, index=True)
    question: str = Field(sa_type=Text)
    # SHA-256 of the casefolded wording: wordings can be too long for an index entry.
    question_key: str = Field(max_length=64)
    answer: str = Field(sa_type=Text)
    detail: str = Field(default="", sa_type=Text)
    score: float
    answers_agree: bool
    source: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    created_by: str = Field(max_length=64)
    kind: str = Field(default="alternate", max_length=16)
    draft: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # pending | accepted (wording added, or the row's answer taken) | kept (the row saved as a
    # draft of its own, the statement unchanged) | dismissed
    status: str = Field(default="pending", max_length=16, index=True)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ProfileVariable(SQLModel, table=True):
    """A value statements render with (company, product, regions...)."""

    __tablename__ = "profile_variable"
    name: str = Field(primary_key=True, max_length=64)
    value: Any = Field(sa_column=Column(JSON, nullable=True))


class BankState(SQLModel, table=True):
    """A counter bumped on every bank change, so each process knows when to rebuild its index."""

    __tablename__ = "bank_state"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    # Random per database, so a cache never mistakes a recreated bank for the one it saw.
    epoch: str = Field(default_factory=new_id, max_length=32)


class StoredFile(SQLModel, table=True):
    """A file kept under a random name in the data directory; never overwritten."""

    __tablename__ = "stored_file"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    sha256: str = Field(max_length=64, index=True)
    size: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Questionnaire(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    filename: str = Field(max_length=255)
    owner: str = Field(max_length=64, index=True)
    status: str = Field(default="processing", max_length=16, index=True)
    error: str | None = Field(default=None, sa_type=Text)
    upload_id: str = Field(foreign_key="stored_file.id", max_length=32)
    filled_id: str | None = Field(default=None, foreign_key="stored_file.id", max_length=32)
    extension: str = Field(default=".xlsx", max_length=8)
    fingerprint: str | None = Field(default=None, max_length=64)
    detection: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fidelity: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # Review: each reopening after a sign-off starts a new revision; signed ones stay in SignOff.
    revision: int = 1


class SignOff(SQLModel, table=True):
    """One revision of a questionnaire as signed: the workbook generated once, its hash and the log."""

    __tablename__ = "sign_off"
    __table_args__ = (UniqueConstraint("questionnaire_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: str = Field(foreign_key="questionnaire.id", max_length=32, ondelete="CASCADE")
    revision: int
    file_id: str = Field(foreign_key="stored_file.id", max_length=32)
    sha256: str = Field(max_length=64)
    signed_by: str = Field(max_length=64)
    signed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    review_log: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reopened_by: str | None = Field(default=None, max_length=64)
    reopened_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class QuestionRow(SQLModel, table=True):
    """One question found in a questionnaire, with its match and what was written."""

    __tablename__ = "question_row"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "sheet", "row"),
        Index("ix_question_row_questionnaire_position", "questionnaire_id", "position"),
    )
    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: str = Field(foreign_key="questionnaire.id", max_length=32, ondelete="CASCADE")
    position: int
    sheet: str = Field(max_length=64)
    row: int
    question: str = Field(sa_type=Text)
    control_id: str | None = Field(default=None, max_length=64)
    # The row's section heading or control title, as the reader found it (matching ranks by it).
    context: str = Field(default="", sa_type=Text)
    answer_cell: str = Field(max_length=16)
    detail_cell: str | None = Field(default=None, max_length=16)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    existing_answer: str | None = Field(default=None, sa_type=Text)
    locked_reason: str | None = Field(default=None, max_length=200)
    entry_id: str | None = Field(default=None, max_length=80)
    entry_version: int | None = None
    score: float = 0.0
    band: str = Field(default="none", max_length=8)
    explanation: str = Field(default="", sa_type=Text)
    candidates: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    answer: str = Field(default="", sa_type=Text)
    detail: str = Field(default="", sa_type=Text)
    written: bool = False
    write_note: str | None = Field(default=None, sa_type=Text)
    # pending | accepted | chosen | edited | rejected | flagged
    review_status: str = Field(default="pending", max_length=16, index=True)
    reviewed_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    review_comment: str | None = Field(default=None, sa_type=Text)
    assignee: str | None = Field(default=None, max_length=64)
    # Bumped by every decision: a decision sent with an older version is refused as stale.
    version: int = 1


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StoredBlob(SQLModel, table=True):
    """File bytes kept in the database, so every instance of a multi-instance deployment sees them."""

    __tablename__ = "stored_blob"
    file_id: str = Field(primary_key=True, foreign_key="stored_file.id", max_length=32)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TemplateMapping(SQLModel, table=True):
    """A sheet mapping a user confirmed, remembered for every workbook built on the same template."""

    __tablename__ = "template_mapping"
    fingerprint: str = Field(primary_key=True, max_length=64)
    mappings: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    confirmed_by: str = Field(max_length=64)
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    uses: int = 0


class Job(SQLModel, table=True):
    """Background work on a questionnaire; a worker holds it under a lease that it keeps renewing."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_claim", "status", "available_at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(default="questionnaire.fill", max_length=32)
    questionnaire_id: str = Field(
        foreign_key="questionnaire.id", max_length=32, index=True, ondelete="CASCADE"
    )
    # queued | running | done | failed
    status: str = Field(default="queued", max_length=16)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    stage: str = Field(default="queued", max_length=32)
    progress: int = 0
    attempts: int = 0
    max_attempts: int = 3
    lease_token: str | None = Field(default=None, max_length=32)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    available_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WebhookSubscription(SQLModel, table=True):
    """A URL an API key wants told about its questionnaires, with the secret deliveries are signed by."""

    __tablename__ = "webhook_subscription"
    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Kept in clear because every delivery is signed with it; it is shown to the caller once.
    secret: str = Field(max_length=100)
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class WebhookDelivery(SQLModel, table=True):
    """One event to send to one subscription, with every attempt logged."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subscription_id: int = Field(
        foreign_key="webhook_subscription.id", index=True, ondelete="CASCADE"
    )
    event: str = Field(max_length=64)
    event_id: str = Field(max_length=32, index=True)
    questionnaire_id: str | None = Field(default=None, max_length=32, index=True)
    # The exact bytes signed and sent, so every retry carries the same body.
    body: str = Field(sa_type=Text)
    # pending | sending | delivered | failed
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    lease_expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    log: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST carrying an Idempotency-Key, replayed for repeats within a day."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=64)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    # None while the first request is still being served.
    status_code: int | None = None
    body: str = Field(default="", sa_type=Text)
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # While in progress: the process serving the request (host:pid:start), so a retry can tell a
    # request that died from one still running, and the token of that one reservation.
    owner: str | None = Field(default=None, max_length=200)
    token: str | None = Field(default=None, max_length=32)
    reserved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # What the request created, written in the same transaction that created it.
    resource_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), index=True
    )
