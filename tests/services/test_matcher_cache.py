"""The process's matcher cache: whatever changes an answer gives a new matcher, nothing else does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.config import Settings
from app.core.matching import Thresholds
from app.core.verdict import SHORT_AUTO_RELIEF, WHOLE_SUBJECT_RELIEF
from app.db import Database
from app.services import bank as bank_service
from app.services import bank_transfer
from app.services.bank import MatchContext, matchers

QUESTION = "Are administrators required to use multi-factor authentication?"


@pytest.fixture
def loaded(database: Database, settings: Settings) -> Iterator[Database]:
    """The approved starter bank in the database, its entries on the default review period."""
    for path in settings.bank_dir.glob("*.yaml"):
        content = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^\s*review_every_days: \d+\n", "", content), encoding="utf-8")
    matchers.clear()
    with database.session(write=True) as db_session:
        bank_transfer.import_directory(
            db_session=db_session, directory=settings.bank_dir, actor="test"
        )
    yield database
    matchers.clear()


def context(
    database: Database,
    settings: Settings,
    *,
    thresholds: Thresholds | None = None,
    default_review_days: int | None = None,
) -> MatchContext:
    with database.session() as db_session:
        return matchers.get(
            db_session=db_session,
            bank_dir=settings.bank_dir,
            thresholds=thresholds,
            default_review_days=default_review_days,
        )


def best_band(ctx: MatchContext) -> tuple[float, str]:
    best = ctx.matcher.match(QUESTION, top=1)[0]
    return best.score, best.band


def test_the_same_settings_reuse_the_matcher(loaded: Database, settings: Settings) -> None:
    first = context(loaded, settings)
    assert context(loaded, settings) is first
    assert context(loaded, settings, thresholds=Thresholds()) is first


def test_raising_the_auto_threshold_changes_answers_without_a_bank_change(
    loaded: Database, settings: Settings
) -> None:
    score, band = best_band(context(loaded, settings))
    assert band == "auto" and score < 1.0
    # A short question's clear match fills SHORT_AUTO_RELIEF below the threshold, an entry
    # saying all a question asks about WHOLE_SUBJECT_RELIEF below it.
    relief = max(SHORT_AUTO_RELIEF, WHOLE_SUBJECT_RELIEF)
    stricter = Thresholds(auto=min(1.0, score + relief + 0.01), suggest=0.3)
    assert best_band(context(loaded, settings, thresholds=stricter)) == (score, "suggest")
    assert best_band(context(loaded, settings)) == (score, "auto")


def test_a_default_review_period_makes_reviewed_entries_stale_at_once(
    loaded: Database, settings: Settings
) -> None:
    ctx = context(loaded, settings)
    best = ctx.matcher.match(QUESTION, top=1)[0]
    reviewed = ctx.entries[best.entry_id].reviewed
    assert best.band == "auto" and reviewed is not None
    days = max(1, (date.today() - reviewed).days // 2) if reviewed < date.today() else None
    if days is None:
        pytest.skip("the starter bank was reviewed today: no period makes it stale")
    stale = context(loaded, settings, default_review_days=days).matcher.match(QUESTION, top=1)[0]
    assert stale.band == "suggest"
    assert "stale" in (stale.explanation.note or "")


def test_an_edited_thesaurus_is_read_again(loaded: Database, settings: Settings) -> None:
    before = context(loaded, settings)
    path: Path = settings.bank_dir / bank_service.THESAURUS_FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "synonyms:\n", "synonyms:\n  - [quokka, wombat]\n", 1
        ),
        encoding="utf-8",
    )
    after = context(loaded, settings)
    assert after is not before
    assert ("quokka", "wombat") in after.matcher.thesaurus.synonyms


def test_another_process_reads_the_index_the_first_one_built(
    loaded: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.matching import Matcher
    from app.services.bank import MatcherCache

    index_dir = settings.data_dir / "index"

    def fresh_process() -> MatchContext:
        with loaded.session() as db_session:
            return MatcherCache().get(
                db_session=db_session,
                bank_dir=settings.bank_dir,
                thresholds=None,
                default_review_days=None,
                index_dir=index_dir,
            )

    first = fresh_process()
    assert sorted(p.suffix for p in index_dir.iterdir()) == [".bin", ".json"]
    builds: list[int] = []
    original = Matcher._build
    monkeypatch.setattr(
        Matcher,
        "_build",
        # The concepts' own matcher (concepts=False) is built on use and not stored.
        lambda self, live: (
            (self._concept_source is not False and builds.append(1)) or original(self, live)
        ),
    )
    second = fresh_process()
    assert builds == []
    assert second.matcher.match(QUESTION) == first.matcher.match(QUESTION)
    with loaded.session(write=True) as db_session:
        row = bank_service.get_entry(db_session=db_session, entry_id="IAM-MFA-01")
        assert row is not None
        row.alternates = [*row.alternates, "Are quokkas kept on site?"]
        db_session.add(row)
        bank_service.bump_revision(db_session=db_session)
    third = fresh_process()
    assert builds == [1]
    assert third.matcher.match("Are quokkas kept on site?")[0].entry_id == "IAM-MFA-01"
