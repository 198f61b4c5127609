"""The ceilings every upload is read under: size, unzipped size, compression, parts and cells."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Ceilings applied to every upload; the service layer may pass its own."""

    max_upload_bytes: int = 40 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_compression_ratio: int = 200
    ratio_floor_bytes: int = 1024 * 1024  # smaller parts cannot be bombs worth refusing
    max_entries: int = 10_000
    max_cells: int = 1_000_000
    max_shared_strings: int = 1_000_000


DEFAULT_LIMITS = Limits()
