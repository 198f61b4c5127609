"""A row asking which product, provider, firm or format: answered only by a statement naming one.

"Do you use a web application firewall? If yes, which product?" is not answered by "DDoS
protection, WAF and threat detection" and a detail naming no product, nor "Was a third party
engaged to red-team your AI systems? Name the firm." by the red-teaming a statement describes:
the cell would answer what is done where a name is asked for. A statement names one by a
profile variable for a supplier or a service ("{{ hosting_provider }}"), or by a name written
with a capital past a sentence's first word ("Amazon Web Services", "CycloneDX"), not one the
row names what it asks of by nor a kind of tool ("SIEM", "WAF"); a format or an algorithm by a
figure too ("AES-256").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.bank import Entry
from app.core.entry_says import yes_or_no
from app.core.normalise import NormalisedText

# What a row may ask to be named, as written ("which *product*"); follow_ups.py leaves these
# to this module.
ASKED_TO_NAME = frozenset(
    (
        "product", "products", "tool", "tools", "vendor", "vendors", "provider", "providers",
        "platform", "platforms", "solution", "solutions", "firm", "firms", "company", "brand",
        "format", "formats", "algorithm", "algorithms",
    )
)  # fmt: skip
# What a figure names: "AES-256", "SPDX 2.3".
_BY_FIGURE = frozenset(("format", "formats", "algorithm", "algorithms"))
# Words by which a row asks for a name: "*which* product", "*name the* firm", "*state the*
# format"; how far past them the thing named may stand ("which SIEM *product*").
_ASKING = frozenset(("which", "what", "name", "state", "specify", "identify"))
_WITHIN = 3
# Words a row asks by only as a request of its own ("*Name* the firm."), and those before them
# that make them what someone does instead ("Do you *specify* the format of exports?").
_REQUESTS = frozenset(("name", "state", "specify", "identify"))
# Not "do": "If you *do*, name the firm." asks as much as "Name the firm."
_DONE_BY = frozenset(("you", "we", "they", "to", "can", "will", "must", "should", "always"))
# Words past which the thing is another clause's: "which is *used* by your *vendors*".
_CLAUSE = frozenset(("is", "are", "do", "does", "was", "were", "has", "have", "and", "or"))

# Profile variables naming a supplier or a service, as a statement writes them.
_NAMING_VARIABLES = re.compile(
    r"\{\{\s*(?:hosting_provider|identity_provider|key_management_service|ai_model_providers|"
    r"certifications)\b"
)
# A word written with a capital, not opening a sentence or a clause.
_CAPITALISED = re.compile(r"(?<=[^\s.;:!?])\s+[(\"']?([A-Z][\w.+-]*)")
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]+s?(?:-\w+)?")
# Kinds of tool or practice written in capitals, which name none of their makers.
_KINDS = frozenset(
    (
        "waf", "ddos", "siem", "edr", "xdr", "mdr", "mfa", "sso", "api", "apis", "hsm", "hsms",
        "kms", "vpn", "ids", "ips", "tls", "ssl", "dlp", "mdm", "soc", "sast", "dast", "sca",
        "sbom", "cdn", "ai", "llm", "owasp", "saml", "scim",
    )
)  # fmt: skip


def _asked_name(surface: Sequence[str]) -> tuple[int, str] | None:
    """Return where a row asks for a name, and the thing it asks to be named, if it does.

    "Do you use a WAF? If yes, *which product*?": "product", asked at "which".
    """
    for at, word in enumerate(surface):
        if word not in _ASKING:
            continue
        if word in _REQUESTS and at and surface[at - 1] in _DONE_BY:
            continue
        for thing in surface[at + 1 : at + 1 + _WITHIN]:
            if thing in _CLAUSE:
                break
            if thing in ASKED_TO_NAME:
                return at, thing
    return None


def names_one(entry: Entry, before: Sequence[str], *, figures: bool) -> bool:
    """Tell whether a statement's answer or detail names something by a name or a variable.

    `before`: the row's words before it asks, which name what it asks of, not an answer; the
    options it offers after ("State the format (SPDX, CycloneDX)") may be the answer.
    `figures`: a figure names it too ("AES-256" names an algorithm).
    """
    text = f"{entry.answer}. {entry.detail or ''}"
    if _NAMING_VARIABLES.search(text):
        return True
    if figures and any(ch.isdigit() for ch in text):
        return True
    # An acronym ("USB", "IT", "SaaS") names a kind of thing far more often than a maker.
    return any(
        name.casefold().rstrip(".") not in _KINDS
        and name.casefold() not in before
        and not _ACRONYM.fullmatch(name.rstrip("."))
        for name in _CAPITALISED.findall(text)
    )


def name_unsaid(asked: NormalisedText, entry: Entry) -> str | None:
    """Hold back a statement naming nothing, given to a row asking which product or firm.

    A No answers the row: what is not done has no product ("Do you run a bug bounty? If so, on
    which platform?").
    """
    found = _asked_name(asked.surface)
    if found is None or yes_or_no(entry.answer) == "no":
        return None
    at, thing = found
    if names_one(entry, asked.surface[:at], figures=thing in _BY_FIGURE):
        return None
    return f"the row asks which {thing}; the entry names none"
