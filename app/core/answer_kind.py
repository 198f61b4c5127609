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
from app.core.intent import (
    EXISTS,
    asks_openly,
    description_asked_by,
    intent_of,
    opens_as_request,
)
from app.core.normalise import (
    NormalisedText,
    shared_with_phrases,
    stem,
    words,
    written_as,
)
from app.core.reasons import Elsewhere

# Openings of a statement answered by a person or a time, never by itself a Yes (names_instead).
NAMING_OPENINGS = frozenset(("who", "when"))
# Openings of a question asking for a thing or a person: never answered by a frequency (nor is
# "how" asking for a manner, asks_for_thing).
THING_OPENINGS = frozenset(("what", "which", "who"))
# What a question may ask to exist that governs a practice: a No to the practice is no answer.
GOVERNING = frozenset(
    stem(w) for w in ("policy", "procedure", "standard", "plan", "process", "program")
)


# What "how" asks for when it asks for a value, not a manner: "how *often*", "how *long*".
_HOW_MUCH = frozenset(
    ("often", "frequently", "regularly", "long", "many", "much", "soon", "quickly", "fast")
)


def asks_for_thing(surface: Sequence[str]) -> str | None:
    """Return the word by which a question asks for a thing, a person or a manner, if it opens so.

    "How do you evidence completion of access reviews?" asks for a manner, which "Quarterly"
    does not give; "How often …" asks for the frequency.
    """
    if not surface:
        return None
    if surface[0] == "how" and len(surface) > 1 and surface[1] not in _HOW_MUCH:
        return "how"
    return surface[0] if surface[0] in THING_OPENINGS else None


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
# How a question asks of the past: "…, and *were* they met?", "When *did* …?".
ASKED_IN_PAST = frozenset(("was", "were", "did"))
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
_CLOSED_OR_FORMAT = CLOSED_OPENINGS | frozenset(
    ("did", "was", "were", "should", "shall", "y", "n", "yes", "no")
)
_TERSE_WORDS = 6


def names_a_value(surface: Sequence[str]) -> bool:
    """Tell whether a row with no verb to open it names a value.

    Such a row asks for the value, as an open question does: a Yes does not answer it, and a
    statement's Yes does not answer it by implication ("Password requirements" is not answered
    by "Yes" from "Are password requirements revisited every year?"). In a terse row the value
    word may come anywhere past the first ("Key rotation freq - data keys"; a first word is as
    often what the row is about: "Email filtering"); in a longer one it ends the row's head,
    the words before what the value is of or for ("Minimum TLS *version* supported for data in
    transit …", "*URL* where your sub-processor list is published", "*Percentage* of staff who
    completed training …").
    """
    if not surface or surface[0] in _CLOSED_OR_FORMAT:
        return False
    if len(surface) <= _TERSE_WORDS and not _VALUES.isdisjoint(surface[1:]):
        return True
    return _head_names_value(surface)


# Words after which a row's head ends: what the value is of, for, where or by whom it is used.
_HEAD_ENDS = frozenset(
    (
        "of", "for", "used", "supported", "applied", "where", "by", "in", "on", "across",
        "against", "between", "per", "which", "that", "who", "with", "from", "at",
    )
)  # fmt: skip
# Values a row's head may name beyond a terse row's: where a time comes from, what is aimed
# at, a share or a count.
_HEAD_VALUES = _VALUES | frozenset(
    ("source", "sources", "target", "targets", "percentage", "rate", "count")
)


# Words opening a clause of its own after a row's head ("URL *where* the list is published"),
# and verbs that make the head a sentence's subject ("Retention period for logs *is* a year?").
_CLAUSES = frozenset(("where", "which", "that", "who"))
_VERBS = frozenset(("is", "are", "was", "were", "has", "have", "will", "must", "should"))


def _head_names_value(surface: Sequence[str]) -> bool:
    """Tell whether a row's head, up to what its value is of or for, ends in a value word.

    Not when the head is a statement's subject, its verb following before any clause of its
    own: "Retention period for logs is at least one year?" asks whether.
    """
    if asks_openly(surface) or opens_as_request(surface) or {"y", "n"} <= set(surface):
        return False
    end = next((i for i, word in enumerate(surface) if word in _HEAD_ENDS), None)
    if end is None or end == 0 or surface[end - 1] not in _HEAD_VALUES:
        return False
    for word in surface[end:]:
        if word in _CLAUSES:
            return True
        if word in _VERBS:
            return False
    return True


# What opens a follow-up asked only on a Yes ("If so, at what level …?").
IF_SO = frozenset((("if", "so"), ("if", "yes")))
IF_NOT = frozenset((("if", "not"), ("if", "no")))


def condition_before(surface: Sequence[str], before: int) -> tuple[int, tuple[str, ...]] | None:
    """Return where the nearest "if …" before a word stands, and its two words ("if", "so")."""
    for i in range(before - 1, -1, -1):
        if surface[i] == "if":
            return i, tuple(surface[i : i + 2])
    return None


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


# Words naming a grade by its number: "FIPS 140-3 *Level* 3", "a *Tier* 3 data centre".
_LEVELS = frozenset(("level", "tier"))


def number_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Hold back a statement never saying the span, sum or level a question asks.

    "Are user sessions terminated after 15 minutes of inactivity?" is not answered Yes by "Do
    user sessions time out after inactivity?", whose timeout the tenant sets; nor "Do you carry
    cyber insurance with limits of at least USD 10 million?" by "Do you carry cyber liability
    insurance?"; nor "Are the HSMs validated to FIPS 140-3 Level 3?" by keys held in an
    HSM-backed service whose detail says "FIPS 140 validated". A number the thesaurus folds into
    a phrase ("24 hours a day" is around the clock) is not read.
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
        elif before in _CURRENCIES or before in _LEVELS:
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
    found_if = condition_before(surface, at)
    condition = found_if[1] if found_if is not None else None
    answer = yes_or_no(entry.answer)
    if (condition in IF_NOT and answer == "yes") or (condition in IF_SO and answer == "no"):
        return None
    if _gives_count(f"{entry.answer} {entry.detail}"):
        return None
    if marker_in(words(entry.question), _QUANTITY) is not None:
        return None
    return f"the question asks '{' '.join(marker)}'; the entry gives no number"


def _gives_count(text: str) -> bool:
    """Tell whether a text gives a number of its own, not one in a name ("OWASP Top 10")."""
    written = text.split()
    return any(
        word[:1].isdigit() and not (k and written[k - 1].casefold() in _NAME_BEFORE_NUMBER)
        for k, word in enumerate(written)
    )


# Words a name's number follows: "OWASP *Top* 10", "*ISO* 27001", "*SOC* 2", "*TLS* 1.2".
_NAME_BEFORE_NUMBER = frozenset(
    ("top", "iso", "iso/iec", "iec", "soc", "tls", "fips", "sp", "nist", "rfc", "pci", "aes",
     "rsa", "sha", "level", "type", "tier", "version", "v")
)  # fmt: skip


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


def who_unnamed(asked: NormalisedText, wording: NormalisedText, entry: Entry) -> str | None:
    """Hold back a statement naming no one, given to a question asking who.

    "Who is responsible for AI governance in your organisation?" is not answered by "Do you
    have an AI governance policy?" and its detail on what the policy sets: the cell would
    describe the policy where a person or a team is asked for. A statement asking who itself,
    or naming a role, a team or a party anywhere (its wordings, answer and detail), may answer
    it; not one saying only that something says who ("the plan describes *who leads*
    recovery"), where the role's word is a verb.
    """
    if not asked.surface or asked.surface[0] != "who":
        return None
    if wording.surface and wording.surface[0] == "who":
        return None
    said_words = set().union(
        *(
            _stems_naming(text)
            for text in (entry.question, *entry.alternates, entry.answer, entry.detail or "")
        )
    )
    if _ROLES & said_words:
        return None
    # A party of the kind the question names: "Who is your data center *provider*?" is answered
    # by a statement naming the hosting provider.
    if _PARTIES.intersection(asked.stems) & said_words:
        return None
    # It never says what is asked: a statement naming who may be the answer (ranking.rank).
    return Elsewhere("the question asks who; the entry names no one")


def someone_named(text: str) -> set[str]:
    """Return the stems by which a text names a role, a team, a party or the customers."""
    return _stems_naming(text) & (_ROLES | _PARTIES | _CUSTOMERS)


def names_someone(text: str) -> bool:
    """Tell whether a text names a role, a team or a party ("System owners recertify …").

    The customers count: "The customer retains ownership of all data" says who owns it.
    """
    return bool(_stems_naming(text) & (_ROLES | _PARTIES | _CUSTOMERS))


# The customers, as a statement names them.
_CUSTOMERS = frozenset(stem(w) for w in ("customer", "customers", "client", "clients", "tenant"))
# Words that may stand between "who" and its verb: "who *will* lead recovery".
_HELPERS = frozenset(("will", "shall", "is", "are", "can", "may", "must", "should", "would"))


def _stems_naming(text: str) -> set[str]:
    """Return the stems of a text's words, but a role's word as a verb ("*who leads* it")."""
    written = words(text)
    verbs = set()
    for k, word in enumerate(written):
        if word == "who":
            after = k + 2 if written[k + 1 : k + 2] and written[k + 1] in _HELPERS else k + 1
            verbs.add(after)
    return {stem(word) for k, word in enumerate(written) if k not in verbs}


def unsaid_word(asked: NormalisedText, terms: set[str], said: Callable[[], set[str]]) -> str | None:
    """Return, as the question writes it, the first of its terms the statement never says."""
    unsaid = terms - shared_with_phrases(terms, said()) if terms else terms
    return written_as(asked, min(unsaid)) if unsaid else None
