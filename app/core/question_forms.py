"""The forms a question is matched in: as written, spelt out, to "you", with its row's heading.

A question using an acronym ("Is the BCP tested?") is matched as written and spelt out; one
addressing the respondent in the third person ("Does the vendor enforce MFA?") as written and as
put to "you", since the vendor answering is no third party of its own; one that names no
subject of its own ("Is the policy reviewed and updated annually?") or points back at its
heading ("Is *it* encrypted?") is matched as written and read with the row's context as its
subject ("Incident Management Policy: Is the policy reviewed …"), as a person reads it. Each later form counts only where it finds a better match than the question as
written (ranking.rank), so a form can add evidence and never take any away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.acronyms import AcronymExpander
from app.core.normalise import Normaliser, Thesaurus, words
from app.core.subject import SubjectRule

# What match_many takes per question: (question, control ID or None), or with the row's context
# (section heading, domain, control title) as a third item.
Query = tuple[str, str | None] | tuple[str, str | None, str | None]

MAX_QUESTION_CHARS = 4_000
# A section heading or control title, not a second question.
MAX_CONTEXT_CHARS = 300
# A question longer than this carries its own subject: its heading is not read into it.
READ_WITH_CONTEXT_MAX_TERMS = 8
# A word pointing back at the row's heading for its subject ("Is *it* encrypted?"), when no
# word naming a subject comes before it ("… patches before you deploy *them*" points back at
# the patches).
_POINTS_BACK = frozenset(("it", "this", "these", "they", "them"))
# "It" before these names nothing: "Is *it* possible to export our data?" says what it asks.
_IT_OPENS = frozenset(
    ("possible", "necessary", "required", "mandatory", "feasible", "allowed", "permitted")
)
# "Does your *IT* provide remote wipe?": information technology, a subject of its own.
_IT_ACRONYM = re.compile(r"\bIT\b")
# "Does *this product* support SSO?" points at what the vendor offers, not at a heading.
_OWN_OFFERING = frozenset(
    (
        "product",
        "service",
        "solution",
        "application",
        "app",
        "platform",
        "software",
        "system",
        "tool",
        "vendor",
        "company",
        "organization",
        "organisation",
        "contract",
        "agreement",
        "questionnaire",
        "assessment",
    )
)


# "Does *the vendor* enforce least privilege?": a customer's sheet addressing the respondent in
# the third person, as the subject of its question; the vendor is the one answering, not a third
# party of theirs. Only as the subject: "Is data shared with the vendor?" keeps its words.
_RESPONDENT = re.compile(
    r"^(\s*(?:does|do|is|are|will|has|have|can|could|would|should|shall|must)\s+)"
    r"the (?:vendor|supplier|service provider|provider|contractor|bidder|respondent)('s)?\b",
    re.IGNORECASE,
)


def addressed_to_you(question: str) -> str | None:
    """The question with its respondent, named in the third person as its subject, as "you"."""
    rewritten, count = _RESPONDENT.subn(
        lambda m: m.group(1) + ("your" if m.group(2) else "you"), question, count=1
    )
    return rewritten if count else None


@dataclass(frozen=True)
class Form:
    """One form of one question: which question it is, and whether its heading was read in."""

    query: Query
    origin: int  # the question's position in the batch
    read_with_context: bool = False


@dataclass(frozen=True)
class QuestionForms:
    """Make the forms of a batch of questions (see the module's docstring)."""

    normaliser: Normaliser
    acronyms: AcronymExpander
    subjects: SubjectRule

    @classmethod
    def of_thesaurus(cls, thesaurus: Thesaurus) -> QuestionForms:
        """The forms as a matcher over this thesaurus makes them."""
        normaliser = Normaliser(thesaurus)
        return cls(
            normaliser,
            AcronymExpander.of_thesaurus(thesaurus),
            SubjectRule.of(thesaurus, normaliser),
        )

    def of(self, queries: Sequence[Query]) -> list[Form]:
        """Return every form of every non-empty question, each question's forms together."""
        forms: list[Form] = []
        for i, query in enumerate(queries):
            if not (query[0] and query[0].strip()):
                continue
            forms.append(Form(query, i))
            spelt = self.acronyms.expand(query[0][:MAX_QUESTION_CHARS])
            if spelt is not None:
                forms.append(Form((spelt, *query[1:]), i))
            addressed = addressed_to_you(query[0][:MAX_QUESTION_CHARS])
            if addressed is not None:
                forms.append(Form((addressed, *query[1:]), i))
            read_with = self.read_with_context(query)
            if read_with is not None:
                forms.append(Form((read_with, *query[1:]), i, read_with_context=True))
        return forms

    def read_with_context(self, query: Query) -> str | None:
        """The question read with its row's context, when only the context says what it is about.

        "Is the policy reviewed and updated annually?" under "Incident Management Policy", or
        "Is this documented?" under "Data Flow Diagrams": a person reads the heading as the
        question's subject. None for a longer question, one naming a subject of its own
        without pointing back, or one whose context names no subject either ("General").
        """
        context = query[2] if len(query) == 3 else None
        if not context or not context.strip():
            return None
        question = query[0][:MAX_QUESTION_CHARS]
        terms = self.normaliser.normalise(question).terms
        if len(terms) > READ_WITH_CONTEXT_MAX_TERMS:
            return None
        if self.subjects.subject(terms) and not self._points_back(question):
            return None
        # Normalised as the matcher normalises the row's context, so its cache answers twice.
        heading = context[:MAX_CONTEXT_CHARS]
        if not self.subjects.subject(self.normaliser.normalise(heading).terms):
            return None
        return f"{heading.strip()}: {question}"

    def as_learned(self, question: str, context: str | None) -> str | None:
        """The wording a confirmed row teaches its entry: as a person read it, or None.

        "Is this documented?" under "Data Flow Diagrams" was confirmed as the data-flow
        statement's; learned bare, it names nothing, and the next copy of the same questionnaire
        is held back on it ("neither the question nor the matching wording names a subject").
        Learned as "Data Flow Diagrams: Is this documented?", it says what it asks, fills that
        row again, and stands for nothing under another heading. A question that names no
        subject and whose heading names none either ("Are they reviewed at least annually?"
        under "Information Security Policies") teaches nothing: learned, it scored its entry
        1.0 for the same words under any heading ("Password Policy"), outranked the statement
        that answers there, and was held back.
        """
        read = self.read_with_context((question, None, context))
        if read is not None:
            return read
        terms = self.normaliser.normalise(question[:MAX_QUESTION_CHARS]).terms
        if not self.subjects.subject(terms):
            return None
        if len(terms) <= READ_WITH_CONTEXT_MAX_TERMS and self._points_back(question):
            return None
        return question

    def _points_back(self, question: str) -> bool:
        """Tell whether the question's subject is a word pointing back at its heading."""
        return pointing_word(question, self.subjects, self.normaliser) is not None


def pointing_word(question: str, subjects: SubjectRule, normaliser: Normaliser) -> str | None:
    """Return the word by which a question points back at its heading for its subject, or None.

    "Is *it* encrypted?", "How is *this* training documented?": a pointing word before any word
    naming a subject. "… patches before you deploy *them*" points back at the patches, "Is it
    possible to export our data?" at nothing, "Does *this product* support SSO?" at the
    vendor's product, and "Does your IT provide remote wipe?" names information technology.
    """
    written = words(question)
    for position, word in enumerate(written):
        if word in _POINTS_BACK:
            following = written[position + 1] if position + 1 < len(written) else ""
            if word == "it" and (following in _IT_OPENS or _IT_ACRONYM.search(question)):
                return None
            if word == "this" and following in _OWN_OFFERING:
                return None
            return word
        if subjects.subject(normaliser.normalise(word).terms):
            return None
    return None
