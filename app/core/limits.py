"""Size limits that bank entries and their rendered details share."""

from __future__ import annotations

CELL_LIMIT = 32_767  # Excel's limit for one cell, and so for any text Vouch writes into one
