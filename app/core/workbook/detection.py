"""Gather what each sheet or table yielded into one Detection, with its template fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.core.workbook.model import DetectedRow, Detection, SheetMapping


@dataclass
class SheetResult:
    """What one sheet or table yielded: its mapping and rows, or why it was skipped."""

    mapping: SheetMapping | None
    rows: list[DetectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    confident: bool = True
    header_labels: tuple[str, ...] = ()  # normalized, for the fingerprint of the template


def gather_detection(
    results: Iterable[tuple[str, SheetResult]],
    *,
    warnings: list[str],
    fingerprint_parts: list[str],
) -> Detection:
    """Join each named result's rows and mapping; skipped ones are listed with their reason."""
    rows: list[DetectedRow] = []
    found: list[SheetMapping] = []
    skipped: list[str] = []
    confident = True
    for name, result in results:
        warnings.extend(result.warnings)
        if result.mapping is None:
            skipped.append(f"{name}: {result.skip_reason}")
            continue
        found.append(result.mapping)
        rows.extend(result.rows)
        confident = confident and result.confident
        fingerprint_parts.append(
            f"{name}|{result.mapping.header_row}|" + "|".join(result.header_labels)
        )
    if not rows:
        confident = False
        warnings.append("No question rows found; choose the header row and columns by hand")
    return Detection(
        rows=tuple(rows),
        mappings=tuple(found),
        warnings=tuple(warnings),
        skipped_sheets=tuple(skipped),
        fingerprint=hashlib.sha256("\n".join(fingerprint_parts).encode("utf-8")).hexdigest(),
        confident=confident,
    )
