"""Locate the public questionnaires in ../shared; tests that need them skip where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOUCH_SHARED_DIR", REPO.parent / "shared"))
RAW = SHARED / "questionnaires" / "raw"

CAIQ_V4_TEMPLATE = (
    "csa-ccm-caiq-v4/CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx"
)
CAIQ_V4_WHITEPACT = "caiq-completed-whitepact/CAIQv4.0.3_WhitePact_completed.xlsx"
CAIQ_V31_QANDS = "caiq-v3.1-completed-qands/CAIQ_v3.1.xlsx"
HECVAT = "hecvat-4.1.4/HECVAT414.xlsx"
SAMPLE_BLANKS = "parsing-fixtures-xlsx/sample_questionnaire_with_headers_and_blanks.xlsx"
SAMPLE_TABLES = "parsing-fixtures-xlsx/sample_questionnaire.xlsx"


def raw(relative: str) -> Path:
    """Return a file under ../shared/questionnaires/raw, or skip the test saying what is missing."""
    path = RAW / relative
    if not path.is_file():
        pytest.skip(
            f"needs ../shared/questionnaires/raw/{relative} (public questionnaires not present)"
        )
    return path
