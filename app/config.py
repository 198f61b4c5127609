"""Settings read from the environment (and `.env`), in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"


class Settings(BaseSettings):
    """Vouch's configuration; every field maps to a `VOUCH_*` environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="VOUCH_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    environment: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    database_url: str = ""
    bank_dir: Path = Path("answer_bank")
    secret_key: str = DEFAULT_SECRET

    auto_threshold: float | None = Field(default=None, ge=0, le=1)
    suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    default_review_days: int | None = Field(default=None, gt=0)
    # A local directory holding a saved sentence-transformers model (the `embeddings` extra).
    embedding_model: Path | None = None

    max_upload_bytes: int = 40 * 1024 * 1024
    # Rows of one questionnaire Vouch takes: review, storage and memory grow with them.
    max_rows_per_questionnaire: int = Field(default=50_000, ge=1)
    parse_timeout_seconds: float = 60.0
    parse_memory_bytes: int = 2 * 1024**3
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    login_attempts_per_minute: int = 10
    api_requests_per_minute: int = 600
    four_eyes: bool = False

    # Jobs: an upload not done within sync_wait_seconds is answered 202 and finished in the background.
    sync_wait_seconds: float = Field(default=5.0, ge=0, le=120)
    worker_threads: int = Field(default=2, ge=0, le=64)
    job_lease_seconds: float = Field(default=180.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # Backpressure: uploads beyond this many waiting jobs get 429 (0: no limit), in all and per
    # API key or user, so a burst waits at the client instead of in an ever longer queue.
    queue_limit: int = Field(default=60, ge=0)
    queue_limit_per_key: int = Field(default=10, ge=0)
    # An Idempotency-Key held by a request in a process Vouch cannot check (another host) is
    # taken over after this long; on this host a dead process releases it at once.
    idempotency_lease_seconds: float = Field(default=150.0, gt=0)
    # Webhooks: loopback and private networks are refused unless an admin allows them.
    webhook_allow_private: bool = False
    # Threads that only send deliveries, so events go out while the job queue is busy.
    webhook_threads: int = Field(default=2, ge=1, le=16)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    public_url: str = ""
    secure_cookies: bool | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in ("", DEFAULT_SECRET):
            raise ValueError(
                "VOUCH_SECRET_KEY is left at its default; set a long random value in production"
            )
        return self

    @model_validator(mode="after")
    def _embedding_model_is_a_local_directory(self) -> Settings:
        if self.embedding_model is not None and not self.embedding_model.is_dir():
            raise ValueError(
                f"VOUCH_EMBEDDING_MODEL ({self.embedding_model}) is not a directory: name a "
                "local directory holding a saved model; Vouch never downloads one"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vouch.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        """Return where uploads and filled workbooks are stored, outside any static mount."""
        return self.data_dir / "files"

    @property
    def cookies_secure(self) -> bool:
        """Tell whether cookies carry the Secure flag (always, outside local development)."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
