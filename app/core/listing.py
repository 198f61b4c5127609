"""A row listing named tools, standards or places: "SAST, DAST and SCA tools", "in databases, …".

A statement naming one of them does not answer Yes for all: "Do you use SAST, DAST and software
composition analysis tools?" is not answered by the statement on scanning dependencies. Only
lists written with commas and "and" are read, two of their things or more named by acronym, and
each named thing by its acronym ("SOC 2", "ISO 27001", "DDoS"): a list of steps or cases
("documented, approved, communicated …", a framework's "internal departments, impacted CSCs, and
other …") names a practice's parts, which a statement on the practice may well answer in other
words; "or" offers alternatives either of which answers; and what a row names as an example
("such as …", examples.py) is no list of what it asks. Two things joined by "as well as" are
each asked of, whatever they are named by: "Have you appointed a Data Protection Officer as well
as an EU representative?" is not answered by a statement on the privacy lead alone, nor "on
internal networks as well as on public networks" by one on public networks.

Places listed in plain words after "in", "including", "across" or "on" are each asked of too:
"Is data at rest encrypted in databases, object storage, backups and search indexes?" is not
answered by a statement naming the first three; a statement on every system names each system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from app.core.examples import EXAMPLE_MARKER
from app.core.normalise import Normaliser, shared_with_phrases, stem

# A list: a first thing (its last word or two before the comma), more after commas, and a last
# after "and", up to the clause's end. Each thing is a few words; a longer run is a clause.
_LIST = re.compile(
    r"(?P<first>[^\s,?;:()]+)(?P<middle>(?:\s*,\s*[^,?;:()]+?){1,8}?),?\s+and\s+"
    r"(?P<last>[^,?;:()]+?)\s*(?=[?;:.()]|,\s|$)",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(EXAMPLE_MARKER, re.IGNORECASE)
# A thing named by its acronym ("SAST", "DKIM", "SSLv3"): a tool, a protocol or a standard,
# which a statement answering for it names. A list of steps or cases ("documented, approved,
# communicated …", "natural, man-made and …") names a practice's parts, which a statement on
# the practice may well answer in other words, and is left to the other guards.
_ACRONYM = re.compile(r"[A-Z]{2,}")
_NAMED_AT_LEAST = 2
_AND = re.compile(r"\sand\s", re.IGNORECASE)
# The words a thing of a list may take: a longer run is a clause.
_THING_WORDS = 4
# How far before a list an example's marker makes it the example's ("such as X, Y and Z").
_EXAMPLE_REACH = 40


class Thing(NamedTuple):
    """A thing a row lists: as written, its terms, and whether a statement on every system or
    asset names it too ("All systems synchronize …" names servers and network devices)."""

    written: str
    terms: frozenset[str]
    in_every_whole: bool = False


Listed = tuple[Thing, ...]


# Two things joined so that each is asked of: "a Data Protection Officer *as well as* an EU
# representative", "executives *as well as* staff". Unlike "and", which lists the cases one
# practice covers as often as things each asked of, these say the second is asked too.
_ALSO = re.compile(r"\bas\s+well\s+as\b", re.IGNORECASE)
# The words of each side read at most; the articles a side opens with; and the words ending
# one: a preposition, a pronoun or a verb's helper, or an adverb or a time ("Do you test your
# incident response plan *annually* as well as *after* major changes?" names one plan at two
# times, not two things).
_SIDE_WORDS = 3
_ARTICLES = frozenset(("a", "an", "the", "your", "our", "their", "its"))
_NO_THING = _ARTICLES | frozenset(
    (
        "any", "all", "under", "for", "in", "on", "at", "to", "of", "with", "by", "from", "after",
        "before", "during", "upon", "within", "per", "every", "each", "when", "where", "that",
        "which", "who", "is", "are", "be", "been", "do", "does", "you", "we",
    )
)  # fmt: skip
_ENDS_A_SIDE = re.compile(r"(?:ly|day|week|month|quarter|year)s?$", re.IGNORECASE)


def listed_terms(question: str, normaliser: Normaliser) -> Listed:
    """Return each thing a question lists with commas and "and", or joins with "as well as"."""
    listed: list[Thing] = list(_also(question, normaliser))
    named = _named(question, normaliser)
    # A list naming its things by acronym is read by them; one in plain words by its words.
    return tuple(listed + (named or _places(question, normaliser)))


def _named(question: str, normaliser: Normaliser) -> list[Thing]:
    """Return each thing a question lists with commas and "and", two of them by acronym."""
    listed: list[Thing] = []
    # Most rows name fewer than two acronyms, or no "and", and are not searched for a list; a
    # row written in capitals names none.
    if (
        len(_ACRONYM.findall(question)) < _NAMED_AT_LEAST
        or not _AND.search(question)
        or question.isupper()
    ):
        return listed
    for found in _LIST.finditer(question):
        before = question[: found.start()]
        if _EXAMPLE.search(before[-_EXAMPLE_REACH:]) or _EXAMPLE.search(found.group(0)):
            continue
        middle = [part for part in found.group("middle").split(",") if part.strip()]
        if len(middle) + 2 < 3 or any(len(part.split()) > _THING_WORDS for part in middle):
            continue
        # The first thing may take words before its comma ("SOC 2, ISO 27001 and …").
        first = [*before.split()[-_THING_WORDS:], found.group("first")]
        things = [
            _acronym_run(first, from_end=True),
            *(_acronym_run(part.split()) for part in middle),
            _acronym_run(found.group("last").split()),
        ]
        named = [thing for thing in things if thing]
        # Two named so at least: a list of tools or standards, not a framework's list of cases
        # with one acronym among them.
        if len(named) < _NAMED_AT_LEAST:
            continue
        for thing in named:
            terms = frozenset(normaliser.normalise(thing).terms)
            if terms:
                listed.append(Thing(thing, terms))
    return listed


# A list of places or things a practice is put to, in plain words after "in", "including",
# "across" or "on": "encrypted *in* databases, object storage, backups and search indexes",
# "*including* backups, logs and temporary files". A Yes says it of each, so a statement must
# name each. "or" offers alternatives; a list of steps, states or degrees ("planning,
# implementing and improving", "identification, evaluation and treatment", "critical, high and
# low") names no things, nor a list as a framework writes its subject ("Are processes,
# procedures, and technical measures …", "for the preparation, …"), which statements on the
# practice answer in their own words.
_PLACES = re.compile(
    r"(?<!based )(?<!depending )\b(?:in|including|across|on)\s+"
    r"(?P<first>(?:[\w'-]+\s+){0,2}[\w'-]+)"
    r"(?P<middle>(?:\s*,\s*(?:[\w'-]+\s+){0,2}[\w'-]+){1,6}),?\s+and\s+"
    r"(?P<last>(?:[\w'-]+\s*){1,6})",
    re.IGNORECASE,
)
_PLACES_AT_LEAST = 3
# Words ending the last thing of a list: a verb's helper, a preposition, or a participle.
_LAST_ENDS = frozenset(
    ("are", "is", "be", "been", "in", "on", "at", "to", "for", "from", "with", "by", "of",
     "against", "within", "and", "or", "that", "which", "where", "when")
)  # fmt: skip
# A one-word thing that is a step or a state: "planning", "documented",
# "promptly", "identification", "management"; and degrees, whatever their length ("critical").
_STATE = re.compile(r"(?:ed|ly|en|ing|tion|ment|ance|ence)$", re.IGNORECASE)
# Words no thing of a list takes: a determiner or a preposition means a clause, not a list.
_NOT_IN_A_THING = _LAST_ENDS | frozenset(("the", "a", "an", "between", "any", "all"))
_DEGREES = frozenset(("critical", "high", "medium", "low", "moderate", "severe", "minor"))


def _places(question: str, normaliser: Normaliser) -> list[Thing]:
    """Return each place or thing a question lists in plain words, as written and as terms.

    Each thing's terms are those the others do not share: "production, staging and test
    *environments*" names three environments, told apart by their first words.
    """
    if _EXAMPLE.search(question):
        return []
    for found in _PLACES.finditer(question):
        middle = [part.split() for part in found.group("middle").split(",") if part.strip()]
        last: list[str] = []
        for word in found.group("last").split():
            if word.casefold() in _LAST_ENDS or (last and _STATE.search(word)):
                break
            last.append(word)
        things = [found.group("first").split(), *middle, last[:_THING_WORDS]]
        if len(things) < _PLACES_AT_LEAST or not all(things):
            continue
        # A one-word step or state ("planning", "documented"); "*logging* systems" is a thing.
        if any(
            (len(thing) == 1 and _STATE.search(thing[0])) or thing[0].casefold() in _DEGREES
            for thing in things
        ) or any(word.casefold() in _NOT_IN_A_THING for thing in things for word in thing):
            continue
        # One-word things before a longer last one share its head: "development, test and
        # production *environments*" lists three environments; plurals are things of their own
        # ("backups, logs and temporary files").
        if len(things[-1]) > 1 and all(
            len(thing) == 1 and not thing[0].endswith("s") for thing in things[:-1]
        ):
            things = [*([*thing, things[-1][-1]] for thing in things[:-1]), things[-1]]
        sides = [frozenset(normaliser.normalise(" ".join(thing)).terms) for thing in things]
        common = frozenset.intersection(*sides)
        return [
            Thing(" ".join(thing), terms - common, in_every_whole=True)
            for thing, terms in zip(things, sides, strict=True)
            if terms - common
        ]
    return []


def _also(question: str, normaliser: Normaliser) -> list[Thing]:
    """Return the two things a question joins with "as well as", as written and as terms."""
    found = _ALSO.search(question)
    if found is None:
        return []
    before = re.findall(r"[\w'-]+", question[: found.start()])
    after = re.findall(r"[\w'-]+", question[found.end() :].split("?")[0])
    first = _thing(before[::-1])[::-1]
    # The second may repeat the first's preposition: "*on* internal networks as well as *on*
    # public networks"; "at rest as well as in transit" names no thing of its own.
    placed = before[len(before) - len(first) - 1 : len(before) - len(first)]
    if first and after and placed and after[0].casefold() == placed[0].casefold():
        after = after[1:]
    second = _thing(after)
    if not first or not second:
        return []
    sides = [frozenset(normaliser.normalise(" ".join(words)).terms) for words in (first, second)]
    # Two of one kind are told apart by what else each says: "*internal* networks as well as
    # *public* networks" asks of internal ones, which "networks" alone does not name.
    common = sides[0] & sides[1]
    things = []
    for words, terms in zip((first, second), sides, strict=True):
        if terms - common:
            things.append(Thing(" ".join(words), terms - common))
    return things if len(things) == 2 else []


def _thing(words: list[str]) -> list[str]:
    """Return the words naming a thing from the first of `words` on: past an article, a few."""
    start = 0
    while start < len(words) and words[start].casefold() in _ARTICLES:
        start += 1
    end = start
    while (
        end < len(words)
        and end - start < _SIDE_WORDS
        and words[end].casefold() not in _NO_THING
        and not _ENDS_A_SIDE.search(words[end])
    ):
        end += 1
    return words[start:end]


def _acronym_run(words: list[str], *, from_end: bool = False) -> str:
    """Return the acronym a thing is named by, with the numbers after it ("ISO 27001"), or "".

    The first thing of a list is read back from its comma ("… you *SOC 2*,"); the others from
    their first acronym on ("*DDoS* protection in place").
    """
    if from_end:
        start = len(words)
        while start > 0 and _in_run(words[start - 1]):
            start -= 1
        while start < len(words) and not _ACRONYM.search(words[start]):
            start += 1
        return " ".join(words[start:])
    first = next((i for i, word in enumerate(words) if _ACRONYM.search(word)), None)
    if first is None:
        return ""
    start, end = first, first + 1
    while end < len(words) and _in_run(words[end]):
        end += 1
    return " ".join(words[start:end])


def _in_run(word: str) -> bool:
    """Tell whether a word belongs to an acronym's run: another acronym, or a number."""
    return bool(_ACRONYM.search(word)) or word[:1].isdigit()


def listed_unsaid(
    listed: Listed,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a statement says none of the words of a thing the row lists.

    Its caller reads it for any answer but a No: "No" to "BYOK as well as HYOK" is true when
    either is not so, and "Not applicable" to "HIPAA, PCI DSS and FedRAMP" says it of one.

    `said`: all the statement says (its wordings, answer and detail); `frame`: words saying how
    a row asks ("documented", "reviewed"), which a list of steps ("documented, approved, tested
    and updated") may name and other guards read.
    """
    if not listed:
        return None
    says = said()
    for thing in listed:
        own = set(thing.terms - frame)
        if thing.in_every_whole and not _WHOLES.isdisjoint(says):
            continue
        if own and not shared_with_phrases(own, says):
            return f"the row lists '{thing.written}' among other things; the entry never says it"
    return None


# What names every system or asset: a statement on "all systems" speaks of each one a row lists.
_WHOLES = frozenset(
    stem(w) for w in ("system", "systems", "asset", "assets", "infrastructure", "everything")
)
