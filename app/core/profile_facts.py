"""Answer rows that ask for the vendor's own identity and contact facts from the profile."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A fact is asked as a label ("Solution Provider Name") or a short request ("What is your
# company's website?"), never as a yes/no question or a request to describe a practice: "Do you
# keep a register of contact names?" asks about a control, not for a name.
MAX_FACT_WORDS = 12
_ASKS_SOMETHING_ELSE = re.compile(
    r"^(do|does|did|is|are|was|were|have|has|had|can|could|will|would|shall|should|may|must"
    r"|describe|explain|list|outline|detail|indicate whether)\b"
)
_WORDS = re.compile(r"[^\w@./-]+")
# "Accessibility Contact Name" asks for another person than the vendor's contact.
_OTHER_CONTACT = re.compile(
    r"\b(accessibility|billing|emergency|technical|support|sales|legal|incident|escalation"
    r"|data protection|dpo|executive|account|alternate|secondary|backup) contact\b"
)


@dataclass(frozen=True)
class FactPattern:
    """A profile variable and the wordings that ask for it."""

    variable: str
    pattern: re.Pattern[str]


def _fact(variable: str, pattern: str) -> FactPattern:
    return FactPattern(variable, re.compile(pattern))


# Most specific first: "Solution Provider Contact Email" asks for an email, not a name.
FACTS: tuple[FactPattern, ...] = (
    _fact("security_email", r"\bsecurity contact\b.*\be-?mail\b|\bsecurity e-?mail\b"),
    _fact("privacy_email", r"\bprivacy contact\b.*\be-?mail\b|\bprivacy e-?mail\b"),
    _fact("contact_email", r"\bcontact\b.*\be-?mail\b|\be-?mail\b.*\bcontact\b"),
    _fact("contact_phone", r"\bcontact\b.*\b(tele)?phone\b|\b(tele)?phone\b.*\bcontact\b"),
    _fact("contact_title", r"\bcontact\b.*\b(title|role|position|job title)\b"),
    _fact(
        "contact_name", r"\bcontact\b.*\bname\b|\bname of (the|your) contact\b|^point of contact$"
    ),
    _fact("headquarters", r"\bheadquarter(s|ed)?\b|\bhead office\b"),
    _fact("year_founded", r"\b(year|date)\b.*\b(founded|established|incorporated)\b"),
    _fact(
        "employees",
        r"\b(number of|how many|total)\b.*\b(employees|staff|personnel)\b|\bheadcount\b"
        r"|\bemployee count\b",
    ),
    _fact("website", r"\b(company |corporate |your )?(web ?site|homepage|web address)\b"),
    _fact(
        "address",
        r"\b(street|mailing|postal|business|company|office|physical|registered) address\b"
        r"|^address$",
    ),
    _fact("product_description", r"^(solution|product|service) description$"),
    _fact(
        "product",
        r"\b(solution|product|service|application) name\b"
        r"|\bname of (the|your) (solution|product|service|application)\b",
    ),
    _fact(
        "company",
        r"\b(solution provider|vendor|supplier|company|organi[sz]ation|legal entity|legal"
        r"|business|provider) name\b"
        r"|\bname of (the|your) (company|organi[sz]ation|vendor|supplier|business)\b",
    ),
)


@dataclass(frozen=True)
class ProfileFact:
    """A row answered from a profile variable, or the variable to add when it has no value."""

    variable: str
    value: str | None

    @property
    def reason(self) -> str:
        """Say where the answer comes from, or what to add to the profile."""
        if self.value is None:
            return f"Add it to the profile: the row asks for '{self.variable}', which has no value."
        return f"From the profile: {self.variable}."


def _normalised(question: str) -> str:
    return " ".join(_WORDS.sub(" ", question.casefold().replace("’", "'")).split())


def asked_fact(question: str) -> str | None:
    """Name the profile variable a row asks for, or None when it asks something else."""
    text = _normalised(question).rstrip("?:. ")
    if not text or len(text.split()) > MAX_FACT_WORDS or _ASKS_SOMETHING_ELSE.match(text):
        return None
    for fact in FACTS:
        if fact.pattern.search(text):
            if fact.variable.startswith("contact_") and _OTHER_CONTACT.search(text):
                return None
            return fact.variable
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        items = [text for item in value if (text := _as_text(item))]
        return ", ".join(items) or None
    text = str(value).strip()
    return text or None


def profile_fact(question: str, profile: Mapping[str, Any]) -> ProfileFact | None:
    """Answer a row asking for the vendor's identity or contact facts from the profile."""
    variable = asked_fact(question)
    if variable is None:
        return None
    return ProfileFact(variable=variable, value=_as_text(profile.get(variable)))
