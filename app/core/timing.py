"""When what a question asks of happens: ever, at any time, already, in a plan, or at a time.

"Has the disaster recovery plan *ever* been invoked?" and "*Any* shared admin accounts?" ask
whether something is or happens at all, which a statement of practice answers only by saying
each of the question's words; "*Have* you *had* a breach …?" asks of events, "Do you *plan to*
launch a bug bounty?" of a plan, and "*When* was your last penetration test?" of a time, none of
which a statement's Yes or No says. claims.py holds such a match back, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.actor import DETERMINERS, SOME_OF
from app.core.answer_kind import ASKED_IN_PAST, marker_in, unsaid_word
from app.core.bank import Entry
from app.core.entry_says import words_written, yes_or_no
from app.core.intent import HOW_OFTEN
from app.core.normalise import NormalisedText, stem
from app.core.reasons import Elsewhere
from app.core.things import ARTICLES, names_any_of, words_before

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
    past = surface[1] in ASKED_IN_PAST or "last" in surface
    if past and tuple(wording.surface[:2]) in HOW_OFTEN:
        return "the question asks when it last happened; the entry answers how often"
    return None


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
        "involved",
    )
)  # fmt: skip
# What befalls the row's own subject, which is then the event's thing: "Have any
# *certifications* lapsed …?" asks of certifications, not of what follows. Read only for which
# event a row names: "Have user sessions expired after inactivity?" asks of a state a statement
# on session timeouts answers, with no word of when.
_BEFALLEN = frozenset(("lapsed", "suspended", "revoked", "expired", "withdrawn"))
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


# Words ending the event a question names: when or where it happened follows ("a breach *in*
# the last three years", "*within* the past year").
_EVENT_ENDS = frozenset(
    ("in", "within", "during", "over", "since", "at", "to", "that", "which", "where", "if")
)
_EVENT_WORDS = 8
_SUBJECT_WORDS = 2
# Words after a verb of what befalls a thing that put it to no object: "lapsed *or* been
# suspended", "expired *in* the past year".
_BEFALLEN_ALONE = _EVENT_ENDS | frozenset(("or", "and", "been", "ever", "recently"))
# Words of a subject naming nothing of the event: "Have *any of your* certifications *ever*
# *been* suspended …?".
_SUBJECT_ASIDE = frozenset(("of", "been", "ever"))


def event_unsaid(
    asked: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question asks whether an event happened and the statement never names it.

    "Has your organisation been involved in a merger, acquisition or change of ownership in the
    past three years?" is not answered No by "Have you had a security breach involving customer
    data in the past three years?": the time is shared, and the No denies a breach. The event,
    after the verb saying it happened and before when, must be named by one of its words
    (`names_any_of`: `said` is all the statement says, `terms` folds words as the question does).
    What befalls the row's subject with nothing after it ("Have any *certifications lapsed* …?")
    is named by the subject and the verb; put to an object ("Has any regulator suspended *your
    license* …?") it is read as any other event.
    """
    surface = asked.surface
    # Past a longer subject too: "Have any of your certifications *been* suspended …?".
    verb = _event_asked(surface, _HAPPENED | _BEFALLEN, _HAPPENED_WITHIN + _SUBJECT_WORDS)
    if verb is None:
        return None
    # Past a preposition the verb takes: "involved *in* a merger".
    at = surface.index(verb) + 1
    skipped = DETERMINERS | SOME_OF | ARTICLES
    if verb in _BEFALLEN and (at >= len(surface) or surface[at] in _BEFALLEN_ALONE):
        event = words_before(surface[1 : at - 1], _EVENT_ENDS, skipped | _SUBJECT_ASIDE) + [verb]
    else:
        while at < len(surface) and surface[at] in _EVENT_ENDS:
            at += 1
        event = words_before(surface[at : at + _EVENT_WORDS], _EVENT_ENDS, skipped)
    if not event or names_any_of(event, frozenset(asked.terms), said, terms, frame) is not False:
        return None
    return Elsewhere(
        f"the question asks whether it happened ('{' '.join(event)}'); the entry never names it"
    )


def _event_asked(
    surface: Sequence[str], verbs: frozenset[str] = _HAPPENED, within: int = _HAPPENED_WITHIN
) -> str | None:
    """Return the event verb by which a text asks whether something happened, if it does."""
    if not surface or surface[0] not in _PERFECT:
        return None
    return next((w for w in surface[1:within] if w in verbs), None)


# When a thing is done, as a question may ask two of them: on a schedule ("annually",
# "periodically" …), said by any (the frequency facet reads which), or on an event, said by its
# kind's words.
_SCHEDULE_WORDS = (
    "annually", "annual", "yearly", "year", "years", "quarterly", "quarter", "quarters",
    "monthly", "month", "months", "weekly", "week", "weeks", "daily", "day", "days",
    "continuously", "continuous", "continually", "ongoing", "periodically", "periodic",
    "regularly", "regular", "thereafter", "recurring",
)  # fmt: skip
_SCHEDULE = "schedule"
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
# Words before a unit of time making it a length, not a schedule: "every *12* months", "kept
# *for* one year", "*within* 30 days".
_LENGTH_WORDS = frozenset(("for", "within", "over", "than", "least", "most", "up"))
# How far before an event its "when" word may stand ("after *any* major change"), and how far
# apart two times joined by "and" may be.
_WHEN_WITHIN, _TIMES_APART = 3, 6
SCHEDULE_STEMS = frozenset(stem(w) for w in _SCHEDULE_WORDS)
_KINDS = {stem(w): kind for kind, ws in _EVENTS.items() for w in ws} | {
    s: _SCHEDULE for s in SCHEDULE_STEMS
}


def _times(surface: Sequence[str]) -> list[tuple[int, str]]:
    """Return where a question names when a thing is done, and which time, in order."""
    found = []
    for at, word in enumerate(surface):
        kind = _KINDS.get(stem(word))
        if kind is None:
            continue
        near = surface[max(0, at - 2) : at]
        if kind == _SCHEDULE:
            if not any(w in _LENGTH_WORDS or _is_number(w) for w in near):
                found.append((at, kind))
        elif _WHEN_WORDS.intersection(surface[max(0, at - _WHEN_WITHIN) : at]):
            found.append((at, kind))
    return found


_NUMBER_WORDS = frozenset(
    ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve")
)


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


def time_beside_another(asked: NormalisedText, entry: Entry) -> str | None:
    """Say so when a question asks of two times joined by "and" and the statement says one.

    "Are background checks performed at hire *and* periodically thereafter?" is not answered by
    a statement on screening new hires, nor "Is the incident response plan tested annually and
    upon customer request?" by one tested yearly: the Yes would claim the second time. Each
    must be written somewhere in the statement, its wordings, answer or detail
    (`entry_says.words_written`): a schedule by any schedule (the frequency facet reads which),
    an event by its kind's words. A unit after a number or "for" is a length ("every 12
    months", "retained for one year"), not a schedule.
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
    written = {stem(word) for word in words_written(entry)}
    for at, kind in asked_pair:
        if not any(_KINDS.get(s) == kind for s in written):
            (one, _), (other, _) = asked_pair
            return (
                f"the question asks of two times ('{surface[one]}' and '{surface[other]}'); "
                f"the entry never says '{surface[at]}'"
            )
    return None
