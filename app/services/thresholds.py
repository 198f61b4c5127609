"""The matching thresholds a deployment sets, built over the matcher's calibrated defaults."""

from __future__ import annotations

from app.config import Settings
from app.core.matching import DEFAULT_AUTO, DEFAULT_SUGGEST, Thresholds


def thresholds_for(settings: Settings) -> Thresholds | None:
    """Builds the thresholds the settings ask for, or None for the calibrated defaults."""
    if settings.auto_threshold is None and settings.suggest_threshold is None:
        return None
    auto = DEFAULT_AUTO if settings.auto_threshold is None else settings.auto_threshold
    suggest = DEFAULT_SUGGEST if settings.suggest_threshold is None else settings.suggest_threshold
    if suggest > auto:
        raise ValueError(
            f"VOUCH_SUGGEST_THRESHOLD ({suggest}) must not exceed VOUCH_AUTO_THRESHOLD ({auto})"
        )
    return Thresholds(auto=auto, suggest=suggest)
