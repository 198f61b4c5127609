"""What a header label or a cell's text says: a column's role, an answer choice, an ID."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
_IGNORE = re.compile(
    r"analyst|evaluat|\bscor(e|ed|es|ing)\b|weight|importance|compliant|guidance|override|"
    r"non-negotiable|institution|internal use|reviewer|auditor|assessor"
)
_ID = re.compile(r"(^|\b)(id|ids|no\.|nr\.?|ref\.?|reference|index|number|num|code|s/n|sn)(\b|$)|#")
_QUESTION = re.compile(
    r"\bquestions?\b|\brequirements?\b|\bcontrol (statement|question)s?\b|\bcriteri(a|on)\b|"
    r"\bquery\b|\bqueries\b"
)
_ANSWER = re.compile(
    r"\banswers?\b|\bresponses?\b|\breply\b|\byes\s*/\s*no\b|\bselection\b|\bresponse status\b"
)
_DETAIL = re.compile(
    r"\bcomments?\b|\bnotes?\b|\bdetails?\b|\bexplanation\b|\bevidence\b|\badditional info|"
    r"\bdescription\b|\bjustification\b|\bremarks?\b|\bdocumentation\b|\bsupporting\b|"
    r"\belaborat|\bclarification\b|\bcontext\b"
)
YES, NO, NOT_APPLICABLE = "yes", "no", "na"
CHOICE_SYNONYMS: dict[str, str] = {
    "yes": YES,
    "y": YES,
    "true": YES,
    "no": NO,
    "n": NO,
    "false": NO,
    "na": NOT_APPLICABLE,
    "n/a": NOT_APPLICABLE,
    "n.a": NOT_APPLICABLE,
    "not applicable": NOT_APPLICABLE,
    "not-applicable": NOT_APPLICABLE,
    "notapplicable": NOT_APPLICABLE,
    "does not apply": NOT_APPLICABLE,
}
_OTHER_CHOICE_LABELS = frozenset(
    {"partial", "partially", "planned", "in progress", "unknown", "other", "not implemented"}
)
_PLACEHOLDER = re.compile(r"^<[^<>]{1,200}>$")
_INSTRUCTION = re.compile(r"^(please|note:|instructions?\b|n\.b\.)", re.IGNORECASE)


def normalize_label(text: str) -> str:
    """Lower-case a label and collapse its whitespace, for matching."""
    return _SPACES.sub(" ", text).strip().strip(":*").strip().casefold()


def choice_key(text: str) -> str:
    """Return the canonical key of an answer choice ("yes", "no", "na") or its normalized text."""
    normalized = normalize_label(text).rstrip(".")
    return CHOICE_SYNONYMS.get(normalized, normalized)


def is_choice_label(text: str) -> bool:
    """Tell whether a header label names an answer choice (Yes, No, N/A, Partial...)."""
    normalized = normalize_label(text).rstrip(".")
    return normalized in CHOICE_SYNONYMS or normalized in _OTHER_CHOICE_LABELS


def classify_label(text: str) -> str | None:
    """Return the role a header label suggests: id, question, answer, detail, ignore or None."""
    label = normalize_label(text)
    if not label:
        return None
    if _IGNORE.search(label):
        return "ignore"
    words = len(label.split())
    if _ID.search(label) and words <= 4 and not _ANSWER.search(label):
        return "id"
    has_answer = bool(_ANSWER.search(label))
    if _QUESTION.search(label) and not has_answer:
        return "question"
    if has_answer:
        return "detail" if _DETAIL.search(label) else "answer"
    if _DETAIL.search(label):
        return "detail"
    return None


def id_shape(value: str) -> str:
    """Return the shape of an ID ("A&A-01.1" and "BCR-11.7" -> "A-9.9") to spot its siblings."""
    return re.sub(r"[A-Z&]+", "A", re.sub(r"\d+", "9", value.strip()))


def looks_like_id(value: str) -> bool:
    """Tell whether a short token with digits reads as an ID ("CC-01.2") rather than prose."""
    text = value.strip()
    return 0 < len(text) <= 24 and " " not in text and any(ch.isdigit() for ch in text)


def is_placeholder(text: str) -> bool:
    """Tell whether an answer cell holds a template prompt such as "<Customer name 1>"."""
    return bool(_PLACEHOLDER.match(text))


def is_number(text: str) -> bool:
    """Tell whether a cell's text is a number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_instruction(text: str) -> bool:
    """Tell whether a line reads as an instruction to the reader ("Please...", "Note:")."""
    return bool(_INSTRUCTION.match(text))
