"""What one request holds stays bounded by the caps, not by what a file could hold."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable

import openpyxl
import pytest

from app.config import Settings
from app.core.errors import WorkbookTooLarge
from app.services.workbooks import detect

QUESTION = "Is control number {n} documented, owned, reviewed yearly and tested? " * 4


def workbook_of(rows: int) -> bytes:
    """Return a workbook of that many question rows, each with a 300-character question."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Questions")
    sheet.append(["ID", "Question", "Answer"])
    for n in range(rows):
        sheet.append([f"Q-{n}", QUESTION.format(n=n), None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_while(call: Callable[[], object]) -> tuple[int, BaseException | None]:
    """Return the peak of memory Python allocated in this process during the call, and its error."""
    tracemalloc.start()
    error: BaseException | None = None
    try:
        call()
    except WorkbookTooLarge as exc:
        error = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


def test_rows_over_the_cap_are_refused_in_the_child_and_never_reach_the_request(
    settings: Settings,
) -> None:
    capped = settings.model_copy(update={"max_rows_per_questionnaire": 200})
    content = workbook_of(20_000)

    peak, error = peak_while(lambda: detect(content=content, settings=capped))

    assert isinstance(error, WorkbookTooLarge)
    assert "20000 question rows" in str(error) and "at most 200" in str(error)
    # 20,000 detected rows sent back would be about 32 MB of objects here; the refusal is not.
    assert peak < 1024 * 1024, f"{peak / 1_048_576:.1f} MB held by the request"


def test_the_biggest_allowed_detection_stays_near_its_cap_in_memory(settings: Settings) -> None:
    capped = settings.model_copy(update={"max_rows_per_questionnaire": 2_000})

    peak, error = peak_while(lambda: detect(content=workbook_of(2_000), settings=capped))

    assert error is None
    # Measured at about 1.6 KB a row of 300 characters: 50,000 rows (the default cap) ~ 80 MB.
    assert peak < 2_000 * 4 * 1024, f"{peak / 1_048_576:.1f} MB for 2,000 rows"


def test_one_row_over_the_cap_is_refused_with_both_numbers(settings: Settings) -> None:
    capped = settings.model_copy(update={"max_rows_per_questionnaire": 200})
    assert len(detect(content=workbook_of(200), settings=capped).rows) == 200
    with pytest.raises(WorkbookTooLarge, match=r"201 question rows.*at most 200"):
        detect(content=workbook_of(201), settings=capped)
