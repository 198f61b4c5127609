"""Whether the kind of answer a statement gives is the kind a question asks for.

A statement can be about just what a question asks and still not answer it: a person named
where the question asks whether a thing exists, a bare Yes or No where it asks who, how or
what. verdict.py holds such a match back, and says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.core.bank import Entry
from app.core.entry_says import describes, is_bare_yes_or_no, yes_or_no
from app.core.intent import EXISTS, OPEN_OPENINGS, asks_openly, description_asked_by, intent_of
from app.core.normalise import (
    NormalisedText,
    shared_with_phrases,
    stem,
    terms_either_side,
    words,
    written_as,
)
from app.core.reasons import Elsewhere

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


# Words by which a question asks whether one thing takes another's place ("sign *our* DPA
# *instead of* your standard one").
_INSTEAD = (("instead", "of"), ("rather", "than"), ("in", "place", "of"))


def asks_instead(asked: NormalisedText, entry: Entry, said: Callable[[], set[str]]) -> str | None:
    """Hold back a Yes or a No given to a question asking whether one thing replaces another.

    "Will you sign our data processing agreement instead of your standard DPA?" asks which
    agreement; "Will you sign a data processing agreement?" answered Yes says only that one is
    signed, and its Yes in the cell would accept the customer's own. A statement speaking of
    the choice itself (its wordings, answer or detail, `said`) may answer it.
    """
    if yes_or_no(entry.answer) is None:
        return None
    marker = marker_in(asked.surface, _INSTEAD)
    if marker is None or stem(marker[0]) in said():
        return None
    return f"the question asks what is used {' '.join(marker)} what; the entry does not say"


def marker_in(surface: Sequence[str], markers: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Return the first of `markers` the words hold in a row, if any."""
    found = _find(surface, markers)
    return found[1] if found else None


def _find(
    surface: Sequence[str], markers: Sequence[tuple[str, ...]]
) -> tuple[int, tuple[str, ...]] | None:
    """Return where the words first hold one of `markers` in a row, and which."""
    for i, word in enumerate(surface):
        for marker in markers:
            if word == marker[0] and tuple(surface[i : i + len(marker)]) == marker:
                return i, marker
    return None


# Words by which a question asks of anything besides what it names ("any purpose *other than*
# providing the service"), and the word by which a statement confines itself to it.
_BEYOND = (("other", "than"), ("apart", "from"), ("besides",), ("except",))
_ONLY_STEM = stem("only")


def asks_beyond(asked: NormalisedText, stated: NormalisedText) -> str | None:
    """Hold back a statement saying "only" given to a question asking of anything else.

    "Will our data be used for any purpose other than providing the contracted service?" asks
    of other purposes; "Is personal data processed only for the declared purposes?" answered
    Yes says there are none, and its Yes in the cell would say the opposite.
    """
    if _ONLY_STEM not in stated.stems or _ONLY_STEM in asked.stems:
        return None
    marker = marker_in(asked.surface, _BEYOND)
    if marker is None:
        return None
    return f"the question asks of anything {' '.join(marker)} it; the entry says 'only'"


def asks_whether_only(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Hold back a statement never saying "only" from a question ending on it.

    "Is MFA enforced on privileged accounts only?" asks whether it stops there: a Yes from "Is
    multi-factor authentication required for remote and privileged access?" would say staff
    sign in to everything else without it. "Only" inside a question states the restriction it
    asks of ("Is access granted only on a need-to-know basis?") and is not read.
    """
    if not asked.surface or asked.surface[-1] != "only" or _ONLY_STEM in said():
        return None
    return "the question asks whether it is so only there; the entry never says 'only'"


# Verbs opening a closed question: after "and", a second question of its own ("…, and *can* a
# developer approve their own change?"); a terse row opens with none (answering.py).
CLOSED_OPENINGS = frozenset(
    ("can", "do", "does", "is", "are", "will", "has", "have", "may", "must", "could", "would")
)
# What a terse row names when it asks for a value rather than a Yes or No ("Status page URL",
# "Insurance limits", "Pen test - last date", "Password requirements", "Pen test firm", "EDR
# product", "Background checks - scope").
_VALUES = frozenset(
    (
        "url", "link", "address", "limit", "limits", "amount", "date", "dates", "name", "names",
        "version", "versions", "length", "location", "locations", "contact", "email", "number",
        "requirements", "frequency", "period", "duration", "interval", "cadence", "timeline",
        "timelines", "timeframe", "schedule", "level", "method", "methods", "algorithm",
        "algorithms", "provider", "providers", "region", "regions", "country", "countries",
        "type", "types", "scope", "firm", "firms", "tool", "tools", "product", "products",
        "freq",
    )
)  # fmt: skip
# What a closed question opens with, an answer format ("Y/N: …") among them; a terse row has
# neither.
_CLOSED_OR_FORMAT = CLOSED_OPENINGS | frozenset(("y", "n", "yes", "no"))
_TERSE_WORDS = 6


def names_a_value(surface: Sequence[str]) -> bool:
    """Tell whether a terse row, a few words with no verb to open it, names a value.

    Such a row asks for the value, as an open question does: a Yes does not answer it, and a
    statement's Yes does not answer it by implication ("Password requirements" is not answered
    by "Yes" from "Are password requirements revisited every year?"). The value word may come
    before what it is of ("Key rotation freq - data keys"), not first ("Name of DPO" opens with
    what is asked, and so do all rows whose first word is the value).
    """
    return (
        0 < len(surface) <= _TERSE_WORDS
        and surface[0] not in _CLOSED_OR_FORMAT
        and not _VALUES.isdisjoint(surface[1:])
    )


# What opens a follow-up asked only on a Yes ("If so, at what level …?").
_IF_SO = frozenset((("if", "so"), ("if", "yes")))
_IF_NOT = frozenset((("if", "not"), ("if", "no")))


def _condition(surface: Sequence[str], before: int) -> tuple[int, tuple[str, ...]] | None:
    """Return where the nearest "if …" before a word stands, and its two words ("if", "so")."""
    for i in range(before - 1, -1, -1):
        if surface[i] == "if":
            return i, tuple(surface[i : i + 2])
    return None


# Words by which a second question names its subject right after its verb: "and can *a*
# developer …", "and are *you* …". A participle there continues the first ("… and is stored").
_SUBJECT_OPENINGS = frozenset(
    (
        "a",
        "an",
        "the",
        "you",
        "your",
        "any",
        "all",
        "each",
        "every",
        "there",
        "we",
        "our",
        "they",
        "their",
        "it",
        "this",
        "these",
        "those",
        "staff",
        "employees",
        "customers",
        "users",
    )
)


def _opens_subject(surface: Sequence[str], at: int) -> int | None:
    """Return where a second question's predicate may be, when it names its subject at `at`.

    One of the words that open one (no predicate to leave out: -1), or a noun its participle
    follows within a few words ("and is *integrity* verified with hashing?", "and are risks
    *assigned* owners?": the participle's position); a participle right after the verb
    continues the first question ("… and is stored in the EU"): None.
    """
    word = surface[at]
    if word in _SUBJECT_OPENINGS:
        return -1
    if word.endswith(_PARTICIPLE) or not word.isalpha():
        return None
    return next(
        (
            k
            for k in range(at + 1, min(at + 1 + _NOUN_WORDS, len(surface)))
            if surface[k].endswith(_PARTICIPLE)
        ),
        None,
    )


# Words after which a modal does not open a new question: a clause ("if *we* …", "that you
# …"), a follow-up's condition ("if yes, *can* we …"), a join read as such ("and can …").
_NOT_AGAIN = frozenset(("if", "that", "and", "or", "yes", "so", "not", "no"))


def _asks_again(surface: Sequence[str], at: int) -> bool:
    """Tell whether a second closed question opens at `at`, past the first's own words.

    A modal ("can", "will", "must" …) followed by a word naming its subject ("a", "the", "you"
    …), in a row that opens as a question (not "If our regulator requires it, *can* staff …"),
    not as its first words nor inside a question of another kind ("What data *can the* model
    see?"). "Is", "do" or "have" there is as often the first question's own verb
    ("Does every user *have a* unique ID?"), and is left alone.
    """
    return (
        at >= 3
        and (surface[0] in CLOSED_OPENINGS or surface[0] in _ASKING_WORDS)
        and surface[at] in _MODALS
        and surface[at - 1] not in _NOT_AGAIN
        and _ASKING_WORDS.isdisjoint(surface[max(0, at - _WITHIN) : at])
        and at + 1 < len(surface)
        and surface[at + 1] in _SUBJECT_OPENINGS
    )


_MODALS = frozenset(("can", "could", "will", "would", "may", "must", "should"))
_ASKING_WORDS = OPEN_OPENINGS | {"whether"}
# How far back a question word makes a modal its own ("what encryption algorithms *can* …").
_WITHIN = 4


# How a participle ends, and how many words a second question's subject may take before it.
_PARTICIPLE = ("ed", "en")
_NOUN_WORDS = 3


def second_question(
    asked: NormalisedText,
    entry: Entry,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Hold back a Yes or No given to a row asking two closed questions, when it says only one.

    "Are code reviews mandatory before merge, and can a developer approve and merge their own
    change?" answered Yes by "Is every code change reviewed?" would say that developers can
    approve their own changes. A statement saying the second question's words somewhere (its
    wordings, answer or detail) may answer both; one that never does answers the first only.
    `wording`: the statement's wording that matched.
    """
    if yes_or_no(entry.answer) is None:
        return None
    surface = asked.surface
    for i in range(1, len(surface) - 2):
        if (
            # "…, or do you plan to?" offers an alternative, which either Yes answers.
            surface[i] == "and"
            and surface[i + 1] in CLOSED_OPENINGS
            and (predicate := _opens_subject(surface, i + 2)) is not None
        ):
            break
        if _asks_again(surface, i + 1):
            # "Is all code peer-reviewed before merging? Can a single developer push a change
            # to production alone?": a second question in a sentence of its own.
            predicate = -1
            break
    else:
        return None
    # "Is the service PCI DSS compliant? If so, at what level, and can you provide the AoC?":
    # what follows "if so" is asked only on a Yes, and a No to the first question answers the
    # row. A No to the follow-up does not: "Do you use AI with customer data? If yes, which
    # models, and is our data used for training?" is not answered No by "Is customer data used
    # to train AI models?", whose wording says what only the follow-up asks.
    condition = _condition(surface, i)
    if_so = condition[0] if condition is not None and condition[1] in _IF_SO else None
    if yes_or_no(entry.answer) == "no" and if_so is not None:
        _, only_follow = terms_either_side(asked, if_so, 2)
        if not (only_follow - frame) & set(wording.key.split()):
            return None
        return "the entry's No answers the row's follow-up, not its first question"
    # A predicate after a named subject may be said in other words ("are risks *assigned*
    # owners?" by "risks are tracked with an owner"): its nouns tell what is asked.
    second = {s for k, s in enumerate(asked.stems[i + 1 :], i + 1) if k != predicate}
    asked_second = {t for t in asked.terms if all(p in second for p in t.split("_"))} - frame
    if unsaid_word(asked, asked_second, said) is None:
        return None
    shown = " ".join(surface[i + 1 :])
    return f"the row asks a second question the entry does not answer: '{shown}'"


def follow_up_answered(
    asked: NormalisedText,
    entry: Entry,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    frame: frozenset[str],
) -> str | None:
    """Hold back a Yes whose wording asks only what a row asks on a Yes.

    "Is BYOD permitted? If yes, attach your BYOD policy." is not answered Yes by "Do you have a
    policy on personally owned devices?": the cell's Yes answers the first question, and the
    policy forbids them. A statement saying a word of the first question alone anywhere (`said`:
    its wordings, answer and detail) may answer it ("Is the business continuity plan tested?"
    for "Do you have a BCP? If yes, is it tested?"; "Do you have a process for approving
    exceptions to security policy?" for "… a formal exceptions process for deviations from
    security policy? If so, how are exceptions approved?").
    """
    surface = asked.surface
    if "if" not in surface or yes_or_no(entry.answer) != "yes":
        return None
    at = next((i for i in range(1, len(surface) - 1) if tuple(surface[i : i + 2]) in _IF_SO), None)
    if at is None:
        return None
    only_first, only_follow = terms_either_side(asked, at, 2)
    only_first -= frame
    # The follow-up's frame words count: "attach your *policy*" asks for the policy.
    if not only_first or not only_follow & set(wording.key.split()):
        return None
    if shared_with_phrases(only_first, said()):
        return None
    return "the entry's Yes answers the row's follow-up, not its first question"


# Openings of a wording answered by a place, a person, a time or a thing named: such an answer
# says nothing of a closed question's words it leaves out. "How …" and "what …" answers describe
# a practice, which may well answer a closed question in other words ("Is personal data
# transferred securely?" "Encryption and Standard Contractual Clauses").
_NAMING_WORDINGS = frozenset(("where", "who", "when", "which"))
# Words joining a second question to a first: "…, *and* how long are logs kept?".
_JOINING = frozenset(("and", "or", "also"))
# Two-word openings asking for a value as such: a span of time or a count.
_NAMING_PAIRS = frozenset((("how", "long"), ("how", "many")))


def _naming_opening(surface: Sequence[str]) -> tuple[str, ...] | None:
    """Return the words a wording opens with when it asks for a place, person, time, span or count."""
    if surface and surface[0] in _NAMING_WORDINGS:
        return (surface[0],)
    if tuple(surface[:2]) in _NAMING_PAIRS:
        return tuple(surface[:2])
    return None


def free_answer_unsaid(
    asked: NormalisedText,
    wording: NormalisedText,
    entry: Entry,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Hold back a place, person or time named in answer to a closed question it does not cover.

    "Is customer data stored on employee laptops?" is not answered by "Where is customer data
    stored?" "United States and European Union": the cell would name regions where the question
    asks whether laptops hold data. A free answer answers a closed question only as a condition
    of it ("Are access reviews quarterly?" "Quarterly"), so the statement must say each of the
    question's subject words somewhere (`said`: its wordings, answer and detail); its frame
    words (`frame`) say how it asks.
    """
    if asks_openly(asked.surface) or description_asked_by(asked.surface) is not None:
        return None
    opening = _naming_opening(wording.surface)
    if opening is None:
        return None
    found = _find(asked.surface, (opening,))
    if found is not None and found[0] > 0 and asked.surface[found[0] - 1] in _JOINING:
        # A question asking it too ("Do you log security events, *and how long* are logs
        # retained?") is answered by the value; one naming it as what is done ("Can we
        # *configure how long* logs are kept?") is not.
        return None
    if not describes(entry.answer):
        return None
    word = unsaid_word(asked, set(asked.terms) - frame, said)
    if word is None:
        return None
    reason = f"the entry answers '{' '.join(opening)}' and does not say '{word}'"
    # About something else, as a runner-up too (verdict._set_apart): a closed question's subject
    # word is what it asks of. A terse row naming a value asks for one, which such an answer
    # gives, and the word it leaves unsaid may be the statement's reading of another thing.
    return reason if names_a_value(asked.surface) else Elsewhere(reason)


# Units of a span of time short enough to be a setting ("sessions end after *15 minutes*"),
# not a period a statement words otherwise ("12 months" is "a year").
_SHORT_UNITS = frozenset(
    stem(w) for w in ("second", "seconds", "minute", "minutes", "hour", "hours", "day", "days")
)


# An amount's magnitude ("USD *10 million*") and the currencies an amount is named in ("*USD* 5
# million"): a sum a statement never names is not answered by its Yes either.
_MAGNITUDES = frozenset(stem(w) for w in ("thousand", "million", "billion", "mn", "bn"))
_CURRENCIES = frozenset(
    ("usd", "eur", "gbp", "aud", "cad", "chf", "nzd", "sgd", "jpy", "inr", "dollars", "euros")
)
# A sum written short, as one word: "$*50m*", "USD *10mm*", "*2bn*".
_ABBREVIATED_SUM = re.compile(r"(\d+)(?:k|m|mm|mn|bn)")


def number_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Hold back a statement never saying the span (minutes, hours, days) or sum a question asks.

    "Are user sessions terminated after 15 minutes of inactivity?" is not answered Yes by "Do
    user sessions time out after inactivity?", whose timeout the tenant sets; nor "Do you carry
    cyber insurance with limits of at least USD 10 million?" by "Do you carry cyber liability
    insurance?". A number the thesaurus folds into a phrase ("24 hours a day" is around the
    clock) is not read.
    """
    surface = asked.surface
    if not any(word[:1].isdigit() for word in surface):
        return None
    terms = set(asked.terms)
    for before, number, unit in zip(("", *surface[:-1]), surface, (*surface[1:], ""), strict=True):
        if not number[:1].isdigit() or number not in terms:
            continue
        if (abbreviated := _ABBREVIATED_SUM.fullmatch(number)) is not None:
            named, number = number, abbreviated.group(1)
        elif not number.isdigit():
            continue
        elif stem(unit) in _SHORT_UNITS or stem(unit) in _MAGNITUDES:
            named = f"{number} {unit}"
        elif before in _CURRENCIES:
            named = f"{before} {number}"
        else:
            continue
        if number not in said():
            return f"the question asks for {named}; the entry never says {number}"
    return None


# How a question asks for a count or a share ("*How many* employees …", "*What percentage* of
# staff …"): answered only by a number.
_QUANTITY = (
    ("how", "many"),
    ("how", "much"),
    ("what", "percentage"),
    ("what", "percent"),
    ("what", "proportion"),
    ("what", "share"),
    ("what", "number"),
    ("what", "fraction"),
)


def quantity_unsaid(asked: NormalisedText, entry: Entry) -> str | None:
    """Hold back a statement giving no number to a question asking how many or what share.

    "What percentage of employees completed security training in the last 12 months?" is not
    answered by "Do all employees complete security awareness training?" "Yes, at hire and
    annually": the cell would hold a Yes where a figure is asked for. The statement's answer or
    detail must give a number; a statement asking the count itself ("How many …?") is its own
    answer.
    """
    surface = asked.surface
    found = _find(surface, _QUANTITY)
    if found is None:
        return None
    at, marker = found
    # Asked only on the other answer: "…? If not, how many staff hold admin rights?" answered Yes.
    found_if = _condition(surface, at)
    condition = found_if[1] if found_if is not None else None
    answer = yes_or_no(entry.answer)
    if (condition in _IF_NOT and answer == "yes") or (condition in _IF_SO and answer == "no"):
        return None
    text = f"{entry.answer} {entry.detail}"
    if any(ch.isdigit() for ch in text):
        return None
    if marker_in(words(entry.question), _QUANTITY) is not None:
        return None
    return f"the question asks '{' '.join(marker)}'; the entry gives no number"


# Words naming who does something: a statement answering "who" names one of them somewhere.
# Not "owned": its stem is "own", which "the data's own region" says.
_ROLES = frozenset(
    stem(w)
    for w in (
        "owner", "owners", "lead", "officer", "manager", "managers", "team", "teams",
        "committee", "board", "ciso", "cto", "ceo", "cio", "dpo", "head", "director",
        "engineer", "engineers", "administrator", "administrators", "staff", "personnel",
        "employee", "employees", "legal", "department", "function", "person", "individual",
        "executive", "executives", "leadership", "founder", "steward", "custodian", "council",
        "role", "roles", "accountable",
    )
)  # fmt: skip
# Parties a "who" question may name as what it asks for ("Who is your data center provider?").
_PARTIES = frozenset(
    stem(w) for w in ("provider", "vendor", "supplier", "auditor", "firm", "partner", "processor")
)


def who_unnamed(
    asked: NormalisedText, wording: NormalisedText, said: Callable[[], set[str]]
) -> str | None:
    """Hold back a statement naming no one, given to a question asking who.

    "Who is responsible for AI governance in your organisation?" is not answered by "Do you
    have an AI governance policy?" and its detail on what the policy sets: the cell would
    describe the policy where a person or a team is asked for. A statement asking who itself,
    or naming a role, a team or a party anywhere (`said`: its wordings, answer and detail),
    may answer it.
    """
    if not asked.surface or asked.surface[0] != "who":
        return None
    if wording.surface and wording.surface[0] == "who":
        return None
    said_words = {part for term in said() for part in term.split("_")}
    if _ROLES & said_words:
        return None
    # A party of the kind the question names: "Who is your data center *provider*?" is answered
    # by a statement naming the hosting provider.
    if _PARTIES.intersection(asked.stems) & said_words:
        return None
    # It never says what is asked: a statement naming who may be the answer (ranking.rank).
    return Elsewhere("the question asks who; the entry names no one")


def unsaid_word(asked: NormalisedText, terms: set[str], said: Callable[[], set[str]]) -> str | None:
    """Return, as the question writes it, the first of its terms the statement never says."""
    unsaid = terms - shared_with_phrases(terms, said()) if terms else terms
    return written_as(asked, min(unsaid)) if unsaid else None
