"""Find the expansions public security texts give for acronyms: "long form (ACRONYM)".

The texts are every text file of the public questionnaires, standards and crosswalks in
../shared (CSV, JSON, YAML, Markdown: NIST, CSF, AI RMF, the CISA SCRM template, VSAQ, a CC0
answer bank, OWASP ASVS, BSI C5, CAIQ/CCM, HECVAT, SCF crosswalks…). An expansion counts when
the initials of its words (or of their parts: "multi-factor") spell the acronym. The script
prints, for each acronym asked for (default: those customers use most), its most frequent
expansion and how often each was found, as lines for the thesaurus's `acronyms` section; a
curator reviews them before they ship.

    PYTHONPATH=. .venv/bin/python bench/learn_acronyms.py [ACRONYM ...]
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_common import RAW, require  # noqa: E402

# As customers write them; matching in questions is case-sensitive ("DR", not "dr").
ASKED = [
    "MFA",
    "SSO",
    "SAML",
    "SCIM",
    "SAST",
    "DAST",
    "DR",
    "DRP",
    "BCP",
    "BCM",
    "BIA",
    "RTO",
    "RPO",
    "SDLC",
    "DPO",
    "DPIA",
    "MDM",
    "IDS",
    "IPS",
    "DDoS",
    "DoS",
    "WAF",
    "SOC",
    "ISO",
    "SIEM",
    "DLP",
    "PII",
    "HSM",
    "KMS",
    "PAM",
    "EDR",
    "VPN",
    "CCTV",
    "NTP",
    "CVSS",
    "XSS",
    "CSRF",
    "ISMS",
]
_DEFINED = re.compile(r"((?:[A-Za-z][\w/-]*[\s-]+){1,7})\(([A-Za-z][A-Za-z0-9]{1,6})\)")
_TEXT_FILES = ("*.csv", "*.json", "*.yaml", "*.yml", "*.md")
_FUNCTION_WORDS = ("of", "and", "the", "a", "an", "for", "to", "in")


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
                if tail[0].lower() in _FUNCTION_WORDS:
                    continue
                # "Denial of Service (DoS)": short function words may have no letter in it.
                spelled = initials([w for w in tail if w.lower() not in _FUNCTION_WORDS])
                if spelled == key or initials(tail) == key:
                    found[key][" ".join(tail).lower()] += 1
                    break
    return found


def corpus(root: Path) -> Iterator[str]:
    """Every line of every text file under root (spreadsheets are left out)."""
    for pattern in _TEXT_FILES:
        for path in sorted(root.rglob(pattern)):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            # JSON and CSV escape line breaks and quotes inside one physical line.
            yield from text.replace("\\n", "\n").splitlines()


def main() -> None:
    require(RAW / "nist" / "nist-sp-800-53-rev5.yaml")
    asked = sys.argv[1:] or ASKED
    found = expansions(list(corpus(RAW)))
    print("acronyms:")
    for acronym in asked:
        forms = found.get(acronym.lower())
        if not forms:
            print(f"  # {acronym}: not defined in the public texts")
            continue
        (best, _), *_ = forms.most_common(1)
        seen = ", ".join(f"{form} ({n})" for form, n in forms.most_common(3))
        print(f"  {acronym}: {best}  # {seen}")


if __name__ == "__main__":
    main()
