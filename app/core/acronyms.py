"""Acronyms: spell out the ones a question uses, as a second wording of the same question.

Customers write "Do you have a BCP?" where a bank in framework wording says "business
continuity plan". The thesaurus's `acronyms` section maps each acronym to its long form; the
matcher matches the question as written and as spelt out and keeps, for each entry, the
better of the two, so an expansion can only add evidence, never take any away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# An acronym is matched as written (case-sensitive: "DR", not "dr" or "Dr"), alone or in the
# plural ("DPIAs"), between non-alphanumeric characters ("IDS/IPS").
_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_EDGE_AFTER = r"(?![A-Za-z0-9])"


@dataclass(frozen=True)
class AcronymExpander:
    """Spell out the acronyms of a text from a table of acronym → long form."""

    pattern: re.Pattern[str] | None
    long_forms: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, acronyms: Sequence[tuple[str, str]]) -> AcronymExpander:
        """Compile the table; the longest acronym wins where two start at one place."""
        table = tuple(sorted(acronyms, key=lambda pair: (-len(pair[0]), pair[0])))
        if not table:
            return cls(pattern=None, long_forms=())
        names = "|".join(re.escape(acronym) for acronym, _ in table)
        pattern = re.compile(f"{_EDGE_BEFORE}({names})(s?){_EDGE_AFTER}")
        return cls(pattern=pattern, long_forms=table)

    def expand(self, text: str) -> str | None:
        """Return the text with each known acronym spelt out, or None when it has none."""
        if self.pattern is None:
            return None
        forms = dict(self.long_forms)
        expanded, count = self.pattern.subn(lambda m: forms[m.group(1)] + m.group(2), text)
        return expanded if count else None
