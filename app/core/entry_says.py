"""What an entry says: its wordings and answer, read against a question's terms.

The guards and reliefs ask whether an entry says what a question asks about (verdict.py,
ranking.py), and whether its answer is a Yes, a No or an N/A; a concept's path asks what the
entry says beside the concept (bridging.py, through matching.py).
"""

from __future__ import annotations

from app.core.bank import CANONICAL_ANSWERS, Entry
from app.core.normalise import shared_with_phrases, words
from app.core.scoring import Scoring
from app.core.sparse_index import Index


def said_by(scoring: Scoring, index: Index, entry: Entry) -> set[str]:
    """Return the terms an entry says: its question and alternates as worded, and its answer.

    Not its tags: they say where the entry is filed, not what it asserts (a statement on the
    shared-responsibility model filed under "supply chain" says nothing of supply chain risk).
    """
    said = set(scoring.details.of(entry))
    for row in index.entry_rows.get(entry.id, ()):
        said.update(index.row_key[row].split())
    return said


def says_of(scoring: Scoring, index: Index, entry: Entry, terms: set[str]) -> set[str]:
    """Return those of `terms` an entry says (`said_by`), a thesaurus phrase meeting its words."""
    return shared_with_phrases(terms, said_by(scoring, index, entry))


def subject_named(index: Index, subject: set[str], entry_id: str) -> set[str]:
    """Return the terms of a question's subject an entry names in its wordings and tags."""
    return subject & shared_with_phrases(subject, set(index.entry_terms(entry_id)))


def is_not_applicable(answer: str) -> bool:
    """Tell whether an answer is an N/A, written any of the ways the bank accepts."""
    said = answer.strip().rstrip(".").casefold()
    return said == "not applicable" or CANONICAL_ANSWERS.get(said) == "N/A"


def describes(answer: str) -> bool:
    """Tell whether an answer is a description: neither a Yes, a No nor an N/A."""
    return yes_or_no(answer) is None and not is_not_applicable(answer)


def is_bare_yes_or_no(answer: str) -> bool:
    """Tell whether an answer is a Yes or a No with nothing more ("Yes, annually" is more)."""
    return answer in ("Yes", "No")


def yes_or_no(answer: str) -> str | None:
    """Return "yes" or "no" when an answer opens with one, else None."""
    words = answer.split(maxsplit=1)
    first = words[0].strip(".,;:!").casefold() if words else ""
    return first if first in ("yes", "no") else None


def words_written(entry: Entry) -> set[str]:
    """Return the words of all an entry says as written: its wordings, answer and detail.

    Not folded by the thesaurus: a framework's "when significant changes occur" is boilerplate
    to the matcher and still says when.
    """
    return {
        word
        for text in (entry.question, entry.answer, entry.detail or "", *entry.alternates)
        for word in words(text)
    }
