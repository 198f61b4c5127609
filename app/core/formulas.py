"""Text a spreadsheet would run as a formula: one list of triggers for every place Vouch writes."""

from __future__ import annotations

# A cell starting with one of these is taken for a formula (or smuggles one in) when a person
# re-enters or imports it (CWE-1236); "\0" ends the string early in some readers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def needs_quote_prefix(text: str) -> bool:
    """Tell whether text would be taken for a formula (or smuggle one) if a person re-entered it."""
    return text.startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe, so it stays text."""
    return "'" + text if needs_quote_prefix(text) else text
