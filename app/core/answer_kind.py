"""Whether the kind of answer a statement gives is the kind a question asks for.

A statement can be about just what a question asks and still not answer it: a person named
where the question asks whether a thing exists, a bare Yes or No where it asks who, how or
what. verdict.py holds such a match back, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.bank import Entry
from app.core.entry_says import describes, is_bare_yes_or_no, yes_or_no
from app.core.intent import EXISTS, description_asked_by, intent_of
from app.core.normalise import NormalisedText, shared_with_phrases, stem, written_as

# Openings of a statement answered by a person or a time, never by itself a Yes (names_instead).
NAMING_OPENINGS = frozenset(("who", "when"))
# Openings of a question asking for a thing or a person: never answered by a frequency.
THING_OPENINGS = frozenset(("what", "which", "who"))
# What a question may ask to exist that governs a practice: a No to the practice is no answer.
GOVERNING = frozenset(
    stem(w) for w in ("policy", "procedure", "standard", "plan", "process", "program")
)


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

    "How do you notify us of changes?" (or "Describe how you notify us of changes") is not
    answered by "Yes". With a detail, the detail is what the cell says (answering.cell_answer);
    without one, the statement has no answer to give this question.
    """
    opening = description_asked_by(asked.surface)
    if opening is None or not is_bare_yes_or_no(entry.answer) or entry.detail.strip():
        return None
    return f"the question asks '{opening}', the entry answers only {entry.answer}"


def denies_practice(asked: NormalisedText, stated: NormalisedText, entry: Entry) -> str | None:
    """Hold back a No to a practice given to a question whether a policy on it exists.

    "Do you have a BYOD policy?" is not answered by "Are personally owned devices allowed to
    access company data?" "No": a company forbidding personal devices has a policy saying so.
    The question asks for the document ("policy", "procedure", "plan" … frame its subject and
    weigh little in the score); a No says the practice is absent, not the rule on it. Read on
    questions of any length: a long one asks the same ("Do you have a BYOD policy that defines
    the devices allowed?").
    """
    if yes_or_no(entry.answer) != "no" or intent_of(asked.stems, asked.surface) != EXISTS:
        return None
    governing = [s for s in asked.stems if s in GOVERNING]
    if not governing or set(governing) & set(stated.stems):
        return None
    if intent_of(stated.stems, stated.surface) == EXISTS:
        return None
    return (
        f"the question asks whether a {written_as(asked, governing[0])} exists, "
        "the entry's No is about the practice"
    )


_EVER = stem("ever")


def asks_whether_ever(
    asked: NormalisedText, said: Callable[[], set[str]], frame: frozenset[str] = frozenset()
) -> str | None:
    """Hold back a statement from a question asking whether something ever happened or is done.

    "Has the disaster recovery plan *ever* been invoked?" asks of an event, and a Yes to "Do you
    have a disaster recovery plan?" would say the plan was invoked; "Are private keys ever
    exported from the HSM?" is not answered by how keys are generated. Such a question is
    answered only by a statement saying each of its subject words somewhere (`said`: its
    wordings, answer and detail); its frame words (`frame`) say how it asks.
    """
    if _EVER not in asked.stems:
        return None
    unsaid = set(asked.terms) - {_EVER} - frame
    if unsaid:
        unsaid -= shared_with_phrases(unsaid, said())
    if not unsaid:
        return None
    word = written_as(asked, min(unsaid))
    return f"the question asks whether it ever happens; the entry does not say '{word}'"
