"""Read any questionnaire layout, write only the answer cells, and prove nothing else changed."""

from app.core.workbook.fidelity import check_fidelity
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import (
    AnswerWrite,
    DetectedRow,
    Detection,
    FidelityReport,
    FillResult,
    SheetMapping,
    WriteOutcome,
)
from app.core.workbook.reader import read_questionnaire
from app.core.workbook.writer import fill_workbook

__all__ = [
    "DEFAULT_LIMITS",
    "AnswerWrite",
    "Detection",
    "FidelityReport",
    "FillResult",
    "Limits",
    "DetectedRow",
    "SheetMapping",
    "WriteOutcome",
    "check_fidelity",
    "fill_workbook",
    "read_questionnaire",
]
