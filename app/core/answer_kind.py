"""Whether the kind of answer a statement gives is the kind a question asks for.

A statement can be about just what a question asks and still not answer it: a person named
where the question asks whether a thing exists, a bare Yes or No where it asks who, how or
what. verdict.py holds such a match back, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.bank import Entry
from app.core.entry_says import describes, is_bare_yes_or_no
from app.core.intent import EXISTS, asks_openly
from app.core.normalise import NormalisedText

# Openings of a statement answered by a person or a time, never by itself a Yes (names_instead).
NAMING_OPENINGS = frozenset(("who", "when"))
# Openings of a question asking for a thing or a person: never answered by a frequency.
THING_OPENINGS = frozenset(("what", "which", "who"))


def asks_for_thing(surface: Sequence[str]) -> str | None:
    """Return the word by which a question asks for a thing or a person, if it opens so."""
    return surface[0] if surface and surface[0] in THING_OPENINGS else None


def names_instead(intent: str | None, stated: NormalisedText, entry: Entry) -> str | None:
    """Hold back a person or a time named in answer to a question asking whether a thing exists.

    "Who owns incident response?" "The CISO" says nothing of whether there is an incident
    response plan, though it shares the question's whole subject ("plan" frames it), and the
    cell would read "The CISO". A description ("How do you protect against DDoS?") may well say
    what a question asks; a person or a date does not.
    """
    if intent != EXISTS or not stated.surface or stated.surface[0] not in NAMING_OPENINGS:
        return None
    if not describes(entry.answer):
        return None
    return f"the entry answers '{stated.surface[0]}', the question whether one exists"


def bare_answer(asked: NormalisedText, entry: Entry) -> str | None:
    """Hold back a bare Yes or No with nothing more to say, given to an open question.

    "How do you notify us of changes?" is not answered by "Yes". With a detail, the detail is
    what the cell says (answering.cell_answer); without one, the statement has no answer to
    give this question.
    """
    if not asks_openly(asked.surface) or not is_bare_yes_or_no(entry.answer):
        return None
    if entry.detail.strip():
        return None
    return f"the question asks '{asked.surface[0]}', the entry answers only {entry.answer}"
