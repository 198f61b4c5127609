"""The curator's forms read and written: an entry's text boxes and a profile variable's value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import Form
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from app.core.bank import Entry
from app.core.errors import BankError
from app.models import BankEntry

FormText = Annotated[str, Form(max_length=40_000)]
FormShort = Annotated[str, Form(max_length=500)]


@dataclass(frozen=True)
class EntryText:
    """The entry form's text boxes, as typed."""

    question: str
    answer: str
    alternates: str = ""
    detail: str = ""
    tags: str = ""
    refs: str = ""
    owner: str = ""
    reviewed: str = ""
    review_every_days: str = ""

    def boxes(self) -> dict[str, str]:
        """Return the boxes by name, to show the form again as it was sent."""
        return asdict(self)

    def fields(self) -> dict[str, Any]:
        """Turn the boxes into entry fields, or refuse them with a BankError that says why."""
        every = self.review_every_days.strip()
        if every and not every.isdigit():
            raise BankError("'review every' must be a whole number of days")
        return {
            "question": self.question.strip(),
            "answer": self.answer.strip(),
            "alternates": _lines(self.alternates),
            "detail": self.detail.strip(),
            "tags": [t.strip() for t in self.tags.split(",") if t.strip()],
            "refs": _refs(self.refs),
            "owner": self.owner.strip() or None,
            "reviewed": self.reviewed.strip() or None,
            "review_every_days": int(every) if every else None,
        }


def entry_text(
    question: FormText,
    answer: FormText,
    alternates: FormText = "",
    detail: FormText = "",
    tags: FormShort = "",
    refs: FormText = "",
    owner: FormShort = "",
    reviewed: FormShort = "",
    review_every_days: FormShort = "",
) -> EntryText:
    """Read the entry form's text boxes (a dependency of the create and edit routes)."""
    return EntryText(
        question=question,
        answer=answer,
        alternates=alternates,
        detail=detail,
        tags=tags,
        refs=refs,
        owner=owner,
        reviewed=reviewed,
        review_every_days=review_every_days,
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _refs(text: str) -> dict[str, str]:
    refs: dict[str, str] = {}
    for line in _lines(text):
        scheme, sep, ref = line.partition(":")
        if not sep or not scheme.strip() or not ref.strip():
            raise BankError(
                f"reference '{line[:60]}' must read 'scheme: ID', e.g. 'caiq: IAM-14.1'"
            )
        refs[scheme.strip()] = ref.strip()
    return refs


def form_values(entry: Entry | BankEntry) -> dict[str, str]:
    """Lay out an entry as the entry form's text boxes."""
    return {
        "question": entry.question,
        "answer": entry.answer,
        "alternates": "\n".join(entry.alternates),
        "detail": entry.detail,
        "tags": ", ".join(entry.tags),
        "refs": "\n".join(f"{k}: {v}" for k, v in dict(entry.refs).items()),
        "owner": entry.owner or "",
        "reviewed": entry.reviewed.isoformat() if entry.reviewed else "",
        "review_every_days": str(entry.review_every_days or ""),
    }


def empty_form() -> dict[str, str]:
    """Return the new-entry form's boxes, all empty."""
    return {"id": "", **{name: "" for name in EntryText.__dataclass_fields__}}


def checked(value: str | None) -> bool:
    """Tell whether a query's checkbox was ticked."""
    return value in ("1", "on", "true", "yes")


def variable_text(value: Any) -> str:
    """Lay out a profile variable's value as its text box: a list one '- item' per line."""
    if isinstance(value, list):
        return "\n".join(f"- {item}" for item in value)
    return "" if value is None else str(value)


def parse_variable(text: str) -> Any:
    """Read a variable's value as typed: text, a number, or a list written as '- item' lines."""
    stripped = text.strip()
    if not stripped:
        return ""
    if stripped.startswith("- ") or stripped.startswith("["):
        try:
            value = YAML(typ="safe", pure=True).load(stripped)
        except YAMLError as exc:
            raise BankError("a list is written one '- item' per line") from exc
        return value
    if stripped.isdigit():
        return int(stripped)
    return stripped
