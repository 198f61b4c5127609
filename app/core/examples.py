"""A question's examples: what it names "for example" or "such as" is not what it asks.

"Have you performed a risk assessment of the AI functionality in your product, for example
against the NIST AI Risk Management Framework or ISO/IEC 42001?" asks for a risk assessment; the
frameworks illustrate it. A statement sharing only the example's words ("Are your AI practices
aligned with the NIST AI Risk Management Framework or ISO/IEC 42001?") scores high on them and
says nothing of the assessment asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.normalise import NormalisedText, Normaliser, shared_with_phrases, written_as
from app.core.sparse_index import Space

# An example runs from its marker to the end of its clause: a question mark, a closing
# parenthesis, a semicolon or a full stop ending a sentence.
# How a row marks an example (listing.py reads it too).
EXAMPLE_MARKER = r"\b(?:for example|for instance|such as|e\.\s?g\.?|eg\.)"
_EXAMPLE = re.compile(
    EXAMPLE_MARKER + r"\s*,?\s*(?P<named>.*?)(?=[?;)]|\.(?:\s|$)|$)",
    re.IGNORECASE | re.DOTALL,
)


def example_terms(question: str, normaliser: Normaliser) -> tuple[frozenset[str], frozenset[str]]:
    """Return the terms a question names only in its examples, and its own terms without them."""
    named = [m.group("named") for m in _EXAMPLE.finditer(question)]
    if not any(named):
        return frozenset(), frozenset()
    own = frozenset(normaliser.normalise(_EXAMPLE.sub(" ", question)).terms)
    example = frozenset(
        term for text in named for term in normaliser.normalise(text).terms if term not in own
    )
    return example, own


def rests_on_example(
    space: Space,
    asked: NormalisedText,
    example: frozenset[str],
    own: frozenset[str],
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a statement says the question's examples and not what the question asks.

    `own`: the question's terms, its examples and their markers aside; `said`: all the
    statement says (its wordings, answer and detail); `frame`: words saying how a question
    asks ("provide", "describe"). The statement's match rests on the examples when it says
    more of them than of the question's own subject, weighed by rarity, and leaves more of
    that subject unsaid than it says.
    """
    if not example:
        return None
    stated = said()
    shared = shared_with_phrases(set(own), stated) - frame
    unsaid = set(own) - shared - frame
    by_example = shared_with_phrases(set(example), stated) - frame
    weight = space.weight_of
    if not unsaid or weight(by_example) <= weight(shared) or weight(unsaid) <= weight(shared):
        return None
    word = max(unsaid, key=lambda t: (space.idf_of(t), t))
    return (
        f"the match rests on the question's example; the entry does not say "
        f"'{written_as(asked, word)}'"
    )
