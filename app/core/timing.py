"""When what a question asks of happens: ever, at any time, already, in a plan, or at a time.

"Has the disaster recovery plan *ever* been invoked?" and "*Any* shared admin accounts?" ask
whether something is or happens at all, which a statement of practice answers only by saying
each of the question's words; "*Have* you *had* a breach …?" asks of events, "Do you *plan to*
launch a bug bounty?" of a plan, and "*When* was your last penetration test?" of a time, none of
which a statement's Yes or No says. claims.py holds such a match back, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.answer_kind import marker_in, unsaid_word
from app.core.bank import Entry
from app.core.entry_says import yes_or_no
from app.core.intent import HOW_OFTEN
from app.core.normalise import NormalisedText, stem, words

# How a question asks of a plan rather than a practice: "Do you *plan to* launch a bug bounty?",
# "Is SOC 2 Type II *on your roadmap*?".
_PLANNING = (
    ("plan", "to"),
    ("plans", "to"),
    ("planning", "to"),
    ("intend", "to"),
    ("intends", "to"),
    ("roadmap",),
)
_PLAN_WORDS = frozenset(marker[0] for marker in _PLANNING)
# What a statement says when it speaks of plans: not "plan", which names a document as often.
_PLANNED = frozenset(
    stem(w) for w in ("roadmap", "intend", "intends", "future", "upcoming", "planned", "scheduled")
)


def asks_of_a_plan(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Hold back a statement of what is done now from a question asking what is planned.

    "Do you plan to launch a public bug bounty programme in 2026?" is not answered No by "Do you
    run a bug bounty program?", nor "Are you planning to support SCIM provisioning?" Yes by the
    statement that it is supported: the cell would speak of a plan the statement never made.
    """
    if _PLAN_WORDS.isdisjoint(asked.surface):
        return None
    marker = marker_in(asked.surface, _PLANNING)
    if marker is None or _PLANNED & said():
        return None
    return f"the question asks of a plan ('{' '.join(marker)}'); the entry says what is done now"


_ASKING_WHEN = frozenset(
    ("was", "were", "did", "is", "are", "do", "does", "will", "has", "have", "would", "should")
)


def asks_when(asked: NormalisedText, wording: NormalisedText, entry: Entry) -> str | None:
    """Hold back a Yes or No, or how often, from a question asking when.

    "When was your last penetration test?" is not answered by "Yes, at least annually", nor
    "When was the incident response plan last tested?": a statement asking when itself ("When
    did you last exercise your disaster recovery plan?") may answer it.
    """
    surface = asked.surface
    # A question word before its verb; "*When* a deployment fails, is rollback automated?" sets
    # a condition.
    if len(surface) < 2 or surface[0] != "when" or surface[1] not in _ASKING_WHEN:
        return None
    if wording.surface and wording.surface[0] == "when":
        return None
    if yes_or_no(entry.answer) is not None:
        return "the question asks when; the entry answers whether"
    # "When was the information security policy last reviewed?" asks for a date, and "At least
    # annually" says how often; "When are access reviews performed?" may be answered so.
    past = surface[1] in _ASKED_IN_PAST or "last" in surface
    if past and tuple(wording.surface[:2]) in HOW_OFTEN:
        return "the question asks when it last happened; the entry answers how often"
    return None


# How a question asks when in the past ("When *were* the policies reviewed?").
_ASKED_IN_PAST = frozenset(("was", "were", "did"))


_EVER = stem("ever")
# How a question asks whether there are any of a thing: "*Any* shared admin accounts?", "*Are
# there any* exceptions to the patching policy?", "*Do you have any* open audit findings?", "*Do
# any* open-weight models run on your infrastructure?".
_ANY_OPENINGS = frozenset(
    (
        ("any",),
        ("are", "there", "any"),
        ("is", "there", "any"),
        ("do", "you", "have", "any"),
        # Not "Have any …": it asks whether something happened (asks_what_happened).
        *((verb, "any") for verb in ("do", "does", "is", "are")),
    )
)

# What "any" may ask of in place of "ever": "Are there any *circumstances* in which customer data
# may be used to train models?" asks what "Is customer data ever used …" does.
_OCCASIONS = frozenset(
    stem(w)
    for w in ("circumstance", "circumstances", "case", "cases", "situation", "situations",
              "instance", "instances", "scenario", "scenarios", "occasion", "occasions")
)  # fmt: skip


def _asks_whether_any(surface: Sequence[str]) -> bool:
    return any(tuple(surface[: len(opening)]) == opening for opening in _ANY_OPENINGS)


def asks_whether_ever(
    asked: NormalisedText, said: Callable[[], set[str]], frame: frozenset[str] = frozenset()
) -> str | None:
    """Hold back a statement from a question asking whether something ever happened or is done,
    or whether there are any of a thing ("*Any* shared admin accounts?").

    "Has the disaster recovery plan *ever* been invoked?" asks of an event, and a Yes to "Do you
    have a disaster recovery plan?" would say the plan was invoked; "Are private keys ever
    exported from the HSM?" is not answered by how keys are generated. Such a question is
    answered only by a statement saying each of its subject words somewhere (`said`: its
    wordings, answer and detail); its frame words (`frame`) say how it asks.
    """
    if _EVER not in asked.stems and not _asks_whether_any(asked.surface):
        return None
    word = unsaid_word(asked, set(asked.terms) - {_EVER} - _OCCASIONS - frame, said)
    if word is None:
        return None
    if _EVER not in asked.stems:
        return f"the question asks whether there are any; the entry does not say '{word}'"
    return f"the question asks whether it ever happens; the entry does not say '{word}'"


# How a question asks whether something happened: "*Have* you *had* a breach …", "*Has* any
# regulator *fined* you …", "*Have any of your* subprocessors *reported* a breach …": "have" or
# "has" opening it, one of these within its first words. Not every perfect: "Have you
# *implemented* MFA?" asks of a state a present statement answers.
_PERFECT = frozenset(("have", "has"))
# As written: a stem would take "detection" for "detected".
_HAPPENED = frozenset(
    (
        "had", "experienced", "suffered", "reported", "paid", "received", "occurred",
        "happened", "incurred", "invoked", "failed", "detected", "discovered", "breached",
        "fined", "sued", "penalized", "penalised", "sanctioned", "notified", "disclosed",
    )
)  # fmt: skip
_HAPPENED_WITHIN = 6
# What a statement says when it speaks of what happened, or of how often it does ("in the past
# three years", "history", "at least annually").
_PAST = frozenset(
    stem(w)
    for w in (
        "ever", "past", "last", "history", "previous", "prior", "recent", "annually", "year",
        "month", "quarter", "week", "daily",
    )
)  # fmt: skip


def asks_what_happened(
    asked: NormalisedText, wording: NormalisedText, said: Callable[[], set[str]]
) -> str | None:
    """Hold back a statement from a question asking whether an event happened, unless it says.

    "Have any of your subprocessors *reported* a breach affecting your customers' data?" asks
    of events, and "Within 72 hours of confirmation", how soon breaches are notified, says none
    happened or did not. The statement must ask the same of its own (`wording`: "Have you had a
    data breach?"), or speak of the past or of how often (`_PAST`, in any wording, its answer or
    its detail): "Have you had a breach in the past three years?" does.
    """
    verb = _event_asked(asked.surface)
    if verb is None or _event_asked(wording.surface) is not None or _PAST & said():
        return None
    return f"the question asks whether it happened ('{verb}'); the entry says nothing of when"


def _event_asked(surface: Sequence[str]) -> str | None:
    """Return the event verb by which a text asks whether something happened, if it does."""
    if not surface or surface[0] not in _PERFECT:
        return None
    return next((w for w in surface[1:_HAPPENED_WITHIN] if w in _HAPPENED), None)


# When a thing is done, as a question may ask two of them: on a schedule, or on an event. A kind
# is said by any of its words; "periodically" by any schedule.
_SCHEDULES = {
    "annually": ("annually", "annual", "yearly", "year", "years"),
    "quarterly": ("quarterly", "quarter", "quarters"),
    "monthly": ("monthly", "month", "months"),
    "weekly": ("weekly", "week", "weeks"),
    "daily": ("daily", "day", "days"),
    "continuously": ("continuously", "continuous", "continually", "ongoing"),
    "periodically": ("periodically", "periodic", "regularly", "regular", "thereafter", "recurring"),
}
_ANY_SCHEDULE = "periodically"
# Events named after a word saying when ("*after* major changes", "*at* hire", "*upon*
# suspected compromise"), not as the thing done ("Are *changes* approved?").
_EVENTS = {
    "change": ("change", "changes", "changed"),
    "hire": ("hire", "hiring", "onboarding", "joining", "start"),
    "release": ("release", "releases", "deployment", "deployments", "merge", "go-live"),
    "compromise": ("compromise", "compromised", "suspected"),
    "termination": ("termination", "offboarding", "departure", "leaving", "exit"),
    "request": ("request", "requested"),
}
_WHEN_WORDS = frozenset(
    ("after", "following", "upon", "on", "at", "before", "prior", "when", "each", "every", "per")
)
# How far before an event its "when" word may stand ("after *any* major change"), and how far
# apart two times joined by "and" may be.
_WHEN_WITHIN, _TIMES_APART = 3, 6
_SCHEDULE_STEMS = {stem(w): kind for kind, ws in _SCHEDULES.items() for w in ws}
_EVENT_STEMS = {stem(w): kind for kind, ws in _EVENTS.items() for w in ws}
_KINDS = _SCHEDULE_STEMS | _EVENT_STEMS


def _times(surface: Sequence[str]) -> list[tuple[int, str]]:
    """Return where a question names when a thing is done, and which time, in order."""
    found = []
    for at, word in enumerate(surface):
        word_stem = stem(word)
        if word_stem in _SCHEDULE_STEMS:
            found.append((at, _SCHEDULE_STEMS[word_stem]))
        elif word_stem in _EVENT_STEMS and _WHEN_WORDS.intersection(
            surface[max(0, at - _WHEN_WITHIN) : at]
        ):
            found.append((at, _EVENT_STEMS[word_stem]))
    return found


def time_beside_another(asked: NormalisedText, entry: Entry) -> str | None:
    """Say so when a question asks of two times joined by "and" and the statement says one.

    "Are background checks performed at hire *and* periodically thereafter?" is not answered by
    a statement on screening new hires, nor "Is the DR plan exercised annually and following
    major infrastructure changes?" by one exercised yearly: the Yes would claim the second
    time. Each must be written somewhere in the statement, its wordings, answer or detail, as
    written: a framework's "when significant changes occur" is boilerplate to the matcher, and
    still says when. A schedule says "periodically".
    """
    surface = asked.surface
    if "and" not in surface:
        return None
    times = _times(surface)
    asked_pair: tuple[tuple[int, str], tuple[int, str]] | None = None
    for first, second in zip(times, times[1:], strict=False):
        between = surface[first[0] + 1 : second[0]]
        if (
            first[1] != second[1]
            and second[0] - first[0] <= _TIMES_APART
            and "and" in between
            and "or" not in between
        ):
            asked_pair = (first, second)
            break
    if asked_pair is None:
        return None
    written = {
        stem(word)
        for text in (entry.question, entry.answer, entry.detail or "", *entry.alternates)
        for word in words(text)
    }
    for at, kind in asked_pair:
        if kind == _ANY_SCHEDULE:
            spoken = not written.isdisjoint(_SCHEDULE_STEMS)
        else:
            spoken = any(_KINDS.get(s) == kind for s in written)
        if not spoken:
            (one, _), (other, _) = asked_pair
            return (
                f"the question asks of two times ('{surface[one]}' and '{surface[other]}'); "
                f"the entry never says '{surface[at]}'"
            )
    return None
