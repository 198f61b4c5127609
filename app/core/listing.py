"""A row listing named tools or standards: "SAST, DAST and SCA tools", "SPF, DKIM and DMARC".

A statement naming one of them does not answer Yes for all: "Do you use SAST, DAST and software
composition analysis tools?" is not answered by the statement on scanning dependencies. Only
lists written with commas and "and" are read, two of their things or more named by acronym, and
each named thing by its acronym ("SOC 2", "ISO 27001", "DDoS"): a list of steps or cases
("documented, approved, communicated …", a framework's "internal departments, impacted CSCs, and
other …") names a practice's parts, which a statement on the practice may well answer in other
words; "or" offers alternatives either of which answers; and what a row names as an example
("such as …", examples.py) is no list of what it asks. Two things joined by "as well as" are
each asked of, whatever they are named by: "Have you appointed a Data Protection Officer as well
as an EU representative?" is not answered by a statement on the privacy lead alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.examples import EXAMPLE_MARKER
from app.core.normalise import Normaliser, shared_with_phrases

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


Listed = tuple[tuple[str, frozenset[str]], ...]


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
    listed: list[tuple[str, frozenset[str]]] = list(_also(question, normaliser))
    # Most rows name fewer than two acronyms, or no "and", and are not searched for a list; a
    # row written in capitals names none.
    if (
        len(_ACRONYM.findall(question)) < _NAMED_AT_LEAST
        or not _AND.search(question)
        or question.isupper()
    ):
        return tuple(listed)
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
                listed.append((thing, terms))
    return tuple(listed)


def _also(question: str, normaliser: Normaliser) -> list[tuple[str, frozenset[str]]]:
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
            things.append((" ".join(words), terms - common))
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
    for written, terms in listed:
        own = set(terms - frame)
        if own and not shared_with_phrases(own, says):
            return f"the row lists '{written}' among other things; the entry never says it"
    return None
