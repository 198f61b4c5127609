"""Read and fill the same questionnaire as .xlsx (the baseline), .docx and .csv; print medians.

Run: PYTHONPATH=. .venv/bin/python bench/bench_formats.py [ROWS]
"""

from __future__ import annotations

import csv
import io
import statistics
import sys
import time
from collections.abc import Callable

import openpyxl

from app.core.formats import fill_questionnaire_file, read_questionnaire_file
from app.core.workbook import AnswerWrite
from tests.core.document_fixtures import cell, header_row, package, row, run, table

RUNS = 3


def questions(count: int) -> list[tuple[str, str]]:
    """Return numbered questions of realistic length."""
    return [
        (f"Q-{n}", f"Question {n}: do you review control {n} and keep evidence of the review?")
        for n in range(1, count + 1)
    ]


def as_xlsx(items: list[tuple[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for identifier, question in items:
        sheet.append([identifier, question, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_docx(items: list[tuple[str, str]]) -> bytes:
    rows = [row(cell(run(i)), cell(run(q)), cell(), cell()) for i, q in items]
    return package(table(header_row(), *rows, columns=4))


def as_csv(items: list[tuple[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["ID", "Question", "Answer", "Comments"])
    writer.writerows([i, q, "", ""] for i, q in items)
    return buffer.getvalue().encode("utf-8")


def median_seconds(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    items = questions(count)
    print(f"{count} questions, median of {RUNS} runs (read = detect rows; fill = write every row)")
    print(f"{'format':8} {'bytes':>10} {'read s':>8} {'fill s':>8} {'rows':>6} {'fidelity':>9}")
    for name, build in (("xlsx", as_xlsx), ("docx", as_docx), ("csv", as_csv)):
        data = build(items)
        detection = read_questionnaire_file(data)
        writes = [AnswerWrite(r.sheet, r.row, "Yes", "Reviewed yearly.") for r in detection.rows]
        result = fill_questionnaire_file(data, detection, writes)
        read = median_seconds(lambda data=data: read_questionnaire_file(data))
        fill = median_seconds(
            lambda data=data, detection=detection, writes=writes: fill_questionnaire_file(
                data, detection, writes
            )
        )
        label = "baseline" if name == "xlsx" else ""
        print(
            f"{name:8} {len(data):>10,} {read:>8.2f} {fill:>8.2f} {len(detection.rows):>6}"
            f" {str(result.fidelity.ok):>9} {label}"
        )


if __name__ == "__main__":
    main()
