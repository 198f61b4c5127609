"""The answer bank in the database: import from files, versions, and the matcher over it."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from app.config import Settings
from app.core.bank import Bank, Entry
from app.core.embeddings import Embedder, load_embedder
from app.core.index_store import IndexStore
from app.core.matching import Matcher, Thresholds, load_thesaurus
from app.core.normalise import Thesaurus, shipped_thesaurus
from app.core.question_forms import QuestionForms
from app.core.semantic import term_vectors_fingerprint
from app.db import insert_missing, locked
from app.models import BankEntry, BankEntryVersion, BankState, ProfileVariable, new_id, utcnow
from app.services.thresholds import thresholds_for

THESAURUS_FILE = "thesaurus.yaml"


def to_entry(row: BankEntry) -> Entry:
    """Translates a table row into the core's entry."""
    return Entry(
        id=row.id,
        question=row.question,
        answer=row.answer,
        alternates=tuple(row.alternates or ()),
        detail=row.detail or "",
        tags=tuple(row.tags or ()),
        refs=dict(row.refs or {}),
        owner=row.owner,
        status=row.status,
        reviewed=row.reviewed,
        review_every_days=row.review_every_days,
        version=row.version,
    )


def snapshot(entry: Entry) -> dict[str, Any]:
    """Returns an entry as plain JSON-ready data, as stored in its version history."""
    data = asdict(entry)
    data["alternates"] = list(entry.alternates)
    data["tags"] = list(entry.tags)
    data["refs"] = dict(entry.refs)
    data["reviewed"] = entry.reviewed.isoformat() if entry.reviewed else None
    return data


def _fields(entry: Entry) -> dict[str, Any]:
    data = snapshot(entry)
    data.pop("version")
    data["reviewed"] = entry.reviewed
    return data


def lock_bank(*, db_session: Session) -> BankState:
    """Lock the bank for a change until the transaction ends; take it before any entry's row.

    Every transaction that changes the bank (entries, versions, variables, imports, proposals,
    alternates learned in review) takes this lock first, so on PostgreSQL bank changes run one at
    a time in one lock order (no deadlock) and checks across entries hold at commit. SQLite write
    transactions hold the database's lock already.
    """
    state = locked(db_session, BankState, 1)
    if state is None:
        # The first change of a new database: make the row without racing another first change.
        insert_missing(db_session, BankState, id=1, revision=0, epoch=new_id())
        state = locked(db_session, BankState, 1)
        assert state is not None
    return state


def bump_revision(*, db_session: Session) -> int:
    """Marks the bank as changed so every process rebuilds its index."""
    state = lock_bank(db_session=db_session)
    state.revision += 1
    db_session.add(state)
    return state.revision


def revision(*, db_session: Session) -> int:
    """Returns the bank's change counter."""
    state = db_session.get(BankState, 1)
    return state.revision if state else 0


def _state_key(db_session: Session) -> tuple[str, int]:
    state = db_session.get(BankState, 1)
    return (state.epoch, state.revision) if state else ("", 0)


def next_version(row: BankEntry, *, actor: str) -> None:
    """Stamps the row as the next version of its entry, changed now by this actor."""
    row.version += 1
    row.updated_at = utcnow()
    row.updated_by = actor


def save_version(*, db_session: Session, row: BankEntry, actor: str, reason: str) -> None:
    """Records the row's current content as a version in its history."""
    db_session.add(
        BankEntryVersion(
            entry_id=row.id,
            version=row.version,
            snapshot=snapshot(to_entry(row)),
            changed_by=actor,
            reason=reason,
        )
    )


def is_empty(*, db_session: Session) -> bool:
    """Tells whether the bank holds no entries yet."""
    return db_session.exec(select(BankEntry.id).limit(1)).first() is None


def profile(*, db_session: Session) -> dict[str, Any]:
    """Returns the profile variables statements render with."""
    return {v.name: v.value for v in db_session.exec(select(ProfileVariable))}


def list_entries(
    *,
    db_session: Session,
    include_retired: bool = False,
    query: str | None = None,
    status: str | None = None,
) -> list[BankEntry]:
    """Lists entries by id, optionally filtered by status or a text search."""
    statement = select(BankEntry).order_by(BankEntry.id)
    if not include_retired and status != "retired":
        statement = statement.where(BankEntry.status != "retired")
    if status:
        statement = statement.where(BankEntry.status == status)
    rows = list(db_session.exec(statement))
    if query:
        needle = query.lower()
        rows = [
            r
            for r in rows
            if needle
            in " ".join(
                [r.id, r.question, r.answer, r.detail, *r.alternates, *r.tags, *r.refs.values()]
            ).lower()
        ]
    return rows


def get_entry(*, db_session: Session, entry_id: str, for_update: bool = False) -> BankEntry | None:
    """Gets an entry by its id; for_update takes the bank's lock and then the entry's row."""
    if not for_update:
        return db_session.get(BankEntry, entry_id)
    lock_bank(db_session=db_session)
    return locked(db_session, BankEntry, entry_id)


def history(*, db_session: Session, entry_id: str) -> list[BankEntryVersion]:
    """Lists an entry's versions, newest first."""
    return list(
        db_session.exec(
            select(BankEntryVersion)
            .where(BankEntryVersion.entry_id == entry_id)
            .order_by(col(BankEntryVersion.version).desc())
        )
    )


def current_bank(*, db_session: Session) -> Bank:
    """Returns the live bank (every entry but the retired) with its profile."""
    entries = tuple(to_entry(r) for r in list_entries(db_session=db_session))
    return Bank(entries=entries, profile=profile(db_session=db_session))


@dataclass(frozen=True)
class MatchContext:
    """A matcher built over one revision of the bank, with the entries and profile it used."""

    revision: int
    matcher: Matcher
    entries: dict[str, Entry]
    profile: dict[str, Any]


def _file_digest(path: Path) -> str:
    """Return a digest of a file's bytes ('' when it does not exist)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


class MatcherCache:
    """Keeps one matcher per process and rebuilds it when anything that changes an answer moves.

    That is the bank (its epoch and revision), the day (staleness), the thesaurus file, the band
    thresholds, the default review period, the term vectors and the sentence-embedding model.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._context: MatchContext | None = None
        self._key: tuple[object, ...] | None = None
        self._model: tuple[Path, Embedder] | None = None

    def get(
        self,
        *,
        db_session: Session,
        bank_dir: Path,
        thresholds: Thresholds | None,
        default_review_days: int | None,
        index_dir: Path | None = None,
        embedding_model: Path | None = None,
    ) -> MatchContext:
        """Returns the matcher for the bank's current revision and the given settings.

        With `index_dir`, the built index is kept there for the next process (and read from
        there when another process built it over the same entries).
        """
        epoch, rev = _state_key(db_session)
        today = date.today()
        thesaurus_path = bank_dir / THESAURUS_FILE
        key = (
            str(db_session.get_bind().engine.url),
            epoch,
            rev,
            today,
            thresholds or Thresholds(),
            default_review_days,
            _file_digest(thesaurus_path),
            term_vectors_fingerprint(),
            str(embedding_model) if embedding_model else None,
        )
        with self._lock:
            if self._context is not None and self._key == key:
                return self._context
            bank = current_bank(db_session=db_session)
            thesaurus = _thesaurus_at(thesaurus_path)
            matcher = Matcher(
                bank.entries,
                thresholds=thresholds,
                thesaurus=thesaurus,
                today=today,
                default_review_days=default_review_days,
                index_store=IndexStore(index_dir) if index_dir else None,
                # The concepts' index outlives bank revisions: its own directory is never pruned
                # by theirs.
                concept_store=IndexStore(index_dir / "concepts") if index_dir else None,
                embedder=self._embedder(embedding_model),
            )
            self._context = MatchContext(rev, matcher, bank.by_id(), dict(bank.profile))
            self._key = key
            return self._context

    def _embedder(self, directory: Path | None) -> Embedder | None:
        """Load the sentence model once per process (it is read again only if the path changes)."""
        if directory is None:
            return None
        if self._model is None or self._model[0] != directory:
            self._model = (directory, load_embedder(directory))
        return self._model[1]

    def clear(self) -> None:
        """Forgets the cached matcher."""
        with self._lock:
            self._context = None
            self._key = None


matchers = MatcherCache()


def question_forms(*, settings: Settings) -> QuestionForms:
    """How the matcher reads a question, over the bank's thesaurus (kept while it is unchanged).

    Review learns a confirmed wording as the matcher read it (QuestionForms.as_learned); this
    needs the thesaurus alone, not a matcher over the bank's current revision.
    """
    path = settings.bank_dir / THESAURUS_FILE
    return _forms_for(path, _file_digest(path))


@lru_cache(maxsize=4)
def _forms_for(path: Path, digest: str) -> QuestionForms:
    """The forms over one version of a thesaurus file (`digest` keys the cache)."""
    return QuestionForms.of_thesaurus(_thesaurus_at(path))


def _thesaurus_at(path: Path) -> Thesaurus:
    """The bank's thesaurus file, or the shipped one where the bank has none."""
    return load_thesaurus(path) if path.exists() else shipped_thesaurus()


def match_context(*, db_session: Session, settings: Settings) -> MatchContext:
    """Returns the matcher over the bank's current revision, with the settings' thresholds."""
    return matchers.get(
        db_session=db_session,
        bank_dir=settings.bank_dir,
        thresholds=thresholds_for(settings),
        default_review_days=settings.default_review_days,
        index_dir=settings.data_dir / "index",
        embedding_model=settings.embedding_model,
    )


def count_by_status(*, db_session: Session) -> dict[str, int]:
    """Counts entries per status."""
    counts = db_session.exec(select(BankEntry.status, func.count()).group_by(BankEntry.status))
    return {status: int(n) for status, n in counts}
