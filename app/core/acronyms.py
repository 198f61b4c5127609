"""Acronyms and shortened words: spell out the ones a question uses, as a second wording.

Customers write "Do you have a BCP?" where a bank in framework wording says "business
continuity plan", and "how often r vuln scans done" where it says "vulnerability scans". The
thesaurus's `acronyms` section maps each acronym to its long form, its `abbreviations` section
each shortened word ("vuln", "prod", "pw"); the matcher matches the question as written and as
spelt out and keeps, for each entry, the better of the two, so an expansion can only add
evidence, never take any away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.normalise import Thesaurus

# An acronym is matched as written (case-sensitive: "DR", not "dr" or "Dr"), alone or in the
# plural ("DPIAs"), between non-alphanumeric characters ("IDS/IPS").
_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_EDGE_AFTER = r"(?![A-Za-z0-9])"


@dataclass(frozen=True)
class AcronymExpander:
    """Spell out the acronyms and shortened words of a text from tables of them → long form."""

    pattern: re.Pattern[str] | None
    long_forms: tuple[tuple[str, str], ...]
    # Shortened words are matched in any case ("Vuln", "PROD"), whole and as listed: their
    # plurals are listed too ("devs"), since a plural "s" would make a word of many of them.
    shortened: re.Pattern[str] | None = None
    short_forms: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        acronyms: Sequence[tuple[str, str]],
        abbreviations: Sequence[tuple[str, str]] = (),
    ) -> AcronymExpander:
        """Compile the tables; the longest acronym wins where two start at one place."""
        table = tuple(sorted(acronyms, key=lambda pair: (-len(pair[0]), pair[0])))
        short = tuple(sorted(((a.lower(), f) for a, f in abbreviations), key=_longest_first))
        pattern = shortened = None
        if table:
            names = "|".join(re.escape(acronym) for acronym, _ in table)
            pattern = re.compile(f"{_EDGE_BEFORE}({names})(s?){_EDGE_AFTER}")
        if short:
            words = "|".join(re.escape(word) for word, _ in short)
            shortened = re.compile(f"{_EDGE_BEFORE}({words}){_EDGE_AFTER}", re.IGNORECASE)
        return cls(pattern=pattern, long_forms=table, shortened=shortened, short_forms=short)

    @classmethod
    def of_thesaurus(cls, thesaurus: Thesaurus) -> AcronymExpander:
        """The expander of a thesaurus's acronyms and abbreviations."""
        return cls.of(thesaurus.acronyms, thesaurus.abbreviations)

    def expand(self, text: str) -> str | None:
        """Return the text with each known acronym and shortened word spelt out, or None when
        it has none."""
        count = 0
        if self.pattern is not None:
            forms = dict(self.long_forms)
            text, count = self.pattern.subn(lambda m: forms[m.group(1)] + m.group(2), text)
        if self.shortened is not None:
            words = dict(self.short_forms)
            text, more = self.shortened.subn(lambda m: words[m.group(1).lower()], text)
            count += more
        return text if count else None


def _longest_first(pair: tuple[str, str]) -> tuple[int, str]:
    return (-len(pair[0]), pair[0])
