"""Matching thresholds: built in one place from the settings, over the calibrated defaults."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.core.matching import DEFAULT_AUTO, DEFAULT_SUGGEST, Thresholds
from app.db import Database
from app.services.thresholds import thresholds_for


def test_no_threshold_set_means_the_calibrated_defaults(settings: Settings) -> None:
    assert thresholds_for(settings) is None


def test_one_threshold_set_keeps_the_default_of_the_other(settings: Settings) -> None:
    stricter = settings.model_copy(update={"auto_threshold": 0.7})
    assert thresholds_for(stricter) == Thresholds(auto=0.7, suggest=DEFAULT_SUGGEST)
    looser = settings.model_copy(update={"suggest_threshold": 0.3})
    assert thresholds_for(looser) == Thresholds(auto=DEFAULT_AUTO, suggest=0.3)


def test_a_suggest_threshold_above_the_default_auto_one_is_refused_by_name(
    settings: Settings,
) -> None:
    above = settings.model_copy(update={"suggest_threshold": min(1.0, DEFAULT_AUTO + 0.1)})
    with pytest.raises(ValueError, match="VOUCH_SUGGEST_THRESHOLD .* must not exceed VOUCH_AUTO"):
        thresholds_for(above)


def test_the_app_refuses_to_start_with_thresholds_out_of_order(
    settings: Settings, database: Database
) -> None:
    from app.main import create_app

    crossed = settings.model_copy(update={"auto_threshold": 0.5, "suggest_threshold": 0.8})
    with pytest.raises(ValueError, match="must not exceed"):
        create_app(crossed, database)
