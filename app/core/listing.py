"""A row naming several things at once: "SAST, DAST and SCA tools", "employees, contractors and
service accounts".

A statement saying one of them does not answer Yes for all: "Are email security controls in place,
including SPF, DKIM, DMARC and attachment sandboxing?" is not answered by a statement on SPF, DKIM
and DMARC alone. Only lists written with commas are read, three things or more joined by "and": a
framework's folded "and" ("recovery from natural and man-made disasters") lists the cases one
practice covers, and "or" offers alternatives either of which answers. What a row names as an
example ("such as …", examples.py) is no list of what it asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.normalise import Normaliser, shared_with_phrases

# A list: a first thing (its last word or two before the comma), more after commas, and a last
# after "and", up to the clause's end. Each thing is a few words; a longer run is a clause.
_LIST = re.compile(
    r"(?P<first>[^\s,?;:()]+)(?P<middle>(?:\s*,\s*[^,?;:()]+?){1,8}?),?\s+and\s+"
    r"(?P<last>[^,?;:()]+?)\s*(?=[?;:.()]|,\s|$)",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(r"\b(?:for example|for instance|such as|e\.\s?g\.?|eg\.)", re.IGNORECASE)
# A thing named by its acronym ("SAST", "DKIM", "SSLv3"): a tool, a protocol or a standard,
# which a statement answering for it names. A list of steps or cases ("documented, approved,
# communicated …", "natural, man-made and …") names a practice's parts, which a statement on
# the practice may well answer in other words, and is left to the other guards.
_ACRONYM = re.compile(r"[A-Z]{2,}")
_NAMED_AT_LEAST = 2
_AND = re.compile(r"\sand\s", re.IGNORECASE)
# The words of a thing past which its last is read no further ("SCA *tools in the pipeline*").
_THING_WORDS = 4


Listed = tuple[tuple[str, frozenset[str]], ...]


def listed_terms(question: str, normaliser: Normaliser) -> Listed:
    """Return each thing a question lists with commas and "and", as written and as its terms."""
    listed: list[tuple[str, frozenset[str]]] = []
    # Most rows name fewer than two acronyms, or no "and", and are not searched for a list.
    if len(_ACRONYM.findall(question)) < _NAMED_AT_LEAST or not _AND.search(question):
        return ()
    for found in _LIST.finditer(question):
        before = question[: found.start()]
        if _EXAMPLE.search(before[-40:]) or _EXAMPLE.search(found.group(0)):
            continue
        middle = [part for part in found.group("middle").split(",") if part.strip()]
        things = [
            found.group("first"),
            *middle,
            " ".join(found.group("last").split()[:_THING_WORDS]),
        ]
        if len(things) < 3 or any(len(thing.split()) > _THING_WORDS for thing in middle):
            continue
        named = [thing for thing in things if _ACRONYM.search(thing)]
        # Two named so at least: a list of tools or standards, not a framework's list of cases
        # with one acronym among them ("internal departments, impacted CSCs, and other …").
        if len(named) < _NAMED_AT_LEAST:
            continue
        for thing in named:
            terms = frozenset(normaliser.normalise(thing).terms)
            if terms:
                listed.append((thing.strip(), terms))
    return tuple(listed)


def listed_unsaid(
    listed: Listed,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a statement answering Yes says none of the words of a thing the row lists.

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
