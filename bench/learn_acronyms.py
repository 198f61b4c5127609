"""Find the expansions public security texts give for acronyms: "long form (ACRONYM)".

The texts are those the term vectors are learned from (bench/build_term_vectors.py: NIST SP
800-53, CSF, AI RMF, the CISA SCRM template, VSAQ, a CC0 answer bank). An expansion counts when
the initials of its words (or of their parts: "multi-factor") spell the acronym. The script
prints, for each acronym asked for (default: those customers use most), every expansion found
and how often, so a curator can put them in the thesaurus's synonym groups.

    PYTHONPATH=. .venv/bin/python bench/learn_acronyms.py [ACRONYM ...]
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_common import require  # noqa: E402
from build_term_vectors import AI_600_1, YAML_SOURCES, corpus  # noqa: E402

ASKED = [
    "MFA",
    "SSO",
    "SAML",
    "SAST",
    "DAST",
    "DR",
    "BCP",
    "RTO",
    "RPO",
    "SDLC",
    "DPO",
    "MDM",
    "IDS",
    "IPS",
    "DDoS",
    "DoS",
    "SOC",
    "ISO",
    "SIEM",
    "DLP",
    "WAF",
    "PII",
    "HSM",
    "KMS",
    "VPN",
    "EDR",
]
_DEFINED = re.compile(r"((?:[A-Za-z][\w/-]*[\s-]+){1,7})\(([A-Za-z][A-Za-z0-9]{1,6})\)")


def initials(words: list[str]) -> str:
    """Spell the initials of words, counting each part of a hyphenated word."""
    return "".join(p[0] for w in words for p in re.split(r"[-/]", w) if p).lower()


def expansions(texts: list[str]) -> dict[str, Counter[str]]:
    """Map each defined acronym (lower case) to the long forms that define it."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for words_part, acronym in _DEFINED.findall(text):
            words = words_part.split()
            key = acronym.lower()
            for start in range(len(words)):
                tail = words[start:]
                # "Denial of Service (DoS)": short function words may have no letter in it.
                spelled = initials([w for w in tail if w.lower() not in ("of", "and", "the")])
                if spelled == key or initials(tail) == key:
                    found[key][" ".join(tail).lower()] += 1
                    break
    return found


def main() -> None:
    require(*YAML_SOURCES, AI_600_1)
    asked = sys.argv[1:] or ASKED
    found = expansions(list(corpus()))
    for acronym in asked:
        forms = found.get(acronym.lower())
        shown = ", ".join(f"{form} ({n})" for form, n in forms.most_common(4)) if forms else "—"
        print(f"{acronym}: {shown}")


if __name__ == "__main__":
    main()
