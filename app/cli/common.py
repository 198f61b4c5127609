"""What the `vouch` commands share: their error, the bank they read, the database they migrate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from app.config import Settings


class CliError(Exception):
    """A problem to report on stderr with exit status 2, without a traceback."""


def bank_dir(given: str | None, settings: Settings) -> Path:
    """Return the bank directory to read, or say where Vouch looked and how to name another."""
    directory = Path(given) if given else settings.bank_dir
    if not directory.is_dir():
        source = "--bank" if given else "VOUCH_BANK_DIR (default ./answer_bank)"
        raise CliError(
            f"no answer bank at {directory.resolve()} (from {source}); "
            "name one with --bank DIR or VOUCH_BANK_DIR=DIR"
        )
    return directory


def migrate(settings: Settings) -> None:
    """Bring the database to the latest revision, creating the SQLite data directory if needed."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.migrations import upgrade
    from app.services.storage import READ_ONLY, directory_unwritable, sqlite_directory

    url = settings.resolved_database_url
    try:
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(url)
    except (SQLAlchemyError, OSError) as exc:
        directory = sqlite_directory(url)
        failure = directory_unwritable(directory) if directory and directory.is_dir() else None
        if failure is not None:
            # SQLite only says "unable to open database file"; the probe tells why.
            state, remedy = (
                ("read-only", "make it writable")
                if failure is READ_ONLY
                else ("full", "free space")
            )
            raise CliError(
                f"the data directory {directory} is {state}: Vouch cannot keep anything there; "
                f"{remedy}, or set VOUCH_DATA_DIR to another directory"
            ) from exc
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(
            f"cannot bring the database up to date ({reason}); "
            "check VOUCH_DATABASE_URL or VOUCH_DATA_DIR, then run `vouch db upgrade`"
        ) from exc


def matcher_for(
    bank_dir: Path, settings: Settings, *, need_bank: bool = True
) -> tuple[Any, Any, Callable[[], object]]:
    """Return the bank, its matcher, and a call that stores a freshly built index.

    The bank is None when it was not needed and the index was read from the store. The index is kept in the data directory under a digest of the bank's files; a warm start
    reads it back without parsing the bank at all when only the matcher is needed.
    """
    from app.core.bank import load_bank
    from app.core.embeddings import load_embedder
    from app.core.index_store import IndexStore, bank_files_digest
    from app.core.matching import Matcher, load_thesaurus
    from app.services.thresholds import thresholds_for

    thesaurus_path = bank_dir / "thesaurus.yaml"
    options: dict[str, Any] = {
        "thresholds": thresholds_for(settings),
        "thesaurus": load_thesaurus(thesaurus_path) if thesaurus_path.exists() else None,
        "today": date.today(),
        "default_review_days": settings.default_review_days,
        "embedder": load_embedder(settings.embedding_model) if settings.embedding_model else None,
    }
    store = IndexStore(settings.data_dir / "index")
    # The starter bank's concepts do not change with the bank: their index has its own directory,
    # so storing the bank's revisions never prunes it.
    options["concept_store"] = IndexStore(settings.data_dir / "index" / "concepts")
    source = bank_files_digest(bank_dir) if bank_dir.is_dir() else None
    if source and not need_bank:
        restored = Matcher.restore(store, index_source=source, **options)
        if restored is not None:
            return None, restored, lambda: None
    # Matching never renders a detail: `vouch match` leaves that check to `bank check` and fill.
    bank = load_bank(bank_dir, check_details=need_bank)
    matcher = Matcher(bank.entries, **options)
    # Files edited while they were read must not be stored under the digest of either version.
    if source is None or source != bank_files_digest(bank_dir):
        return bank, matcher, lambda: None

    def keep_indexes() -> None:
        # A process that built the bank's index also readies the concepts' (built only when
        # missing), so the next one finds both.
        matcher.keep_index(store, index_source=source)
        matcher.load_concepts()

    return bank, matcher, keep_indexes
