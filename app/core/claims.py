"""Whether what a statement claims covers what a question asks of: the guards reading it all.

A statement may match a question's words and claim less than it asks, or something else: one
side of an "or", or one where the question asks both (either.py); what customers can do where
the question asks what the vendor does, or the vendor where it asks what its customers are
given, what its suppliers do or own, what the customers own, what its staff may do, or who
does it (actor.py); only the question's examples (examples.py); a practice where the question
asks whether something ever happens, whether there are any, whether it happened, what is
planned or when (timing.py); the first of two questions in one row or the follow-up asked on
its Yes, a sum, a count, or a place or person named for a closed question (answer_kind.py); a
kind of the thing asked of ("custom roles"), its undoing ("disabled") or a device ("laptops",
qualifiers.py); a step before another event than the question's (preceding.py); or another
object of a pair than the question names (objects.py).
Each reads what the statement says in all its wordings, its answer and its detail, worked out
once per candidate (verdict._guard) and only when a guard needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.actor import (
    agent_unsaid,
    customers_able,
    customers_duty,
    customers_for_vendor,
    customers_own,
    given_to_customers,
    people_unnamed,
    suppliers_for_vendor,
)
from app.core.answer_kind import (
    asks_instead,
    asks_whether_only,
    follow_up_answered,
    free_answer_unsaid,
    number_unsaid,
    quantity_unsaid,
    second_question,
    who_unnamed,
)
from app.core.bank import Entry
from app.core.either import one_side_asked
from app.core.examples import rests_on_example
from app.core.normalise import NormalisedText
from app.core.preceding import another_event
from app.core.qualifiers import device_unsaid, kind_unsaid, undone_unsaid
from app.core.scoring import Scoring
from app.core.sparse_index import Index
from app.core.timing import asks_of_a_plan, asks_what_happened, asks_when, asks_whether_ever


def claim_guard(
    scoring: Scoring,
    index: Index,
    asked: NormalisedText,
    entry: Entry,
    wording: NormalisedText,
    row: int,
    said: Callable[[], set[str]],
    *,
    affirmed: bool,
    example: frozenset[str] = frozenset(),
    own: frozenset[str] = frozenset(),
) -> str | None:
    """Return why the statement's claim does not cover the question, or None.

    `wording`: the wording that matched, row `row` of the index; `said`: all the statement says
    (`entry_says.said_by`), read only when a guard needs it; `affirmed`: the statement answers
    Yes to a question with a subject of its own; `example` and `own`: the terms the question
    names only in its examples, and its own terms without them (examples.example_terms).
    """
    frame = scoring.subjects.frame
    words = (*asked.terms, *asked.stems)
    normalise = scoring.details.normaliser.normalise

    def terms(text: str) -> tuple[str, ...]:
        return normalise(text).terms

    guard = one_side_asked(scoring, index, asked, entry, row) if affirmed else None
    if guard is None:
        guard = customers_for_vendor(asked.surface, wording.surface)
    if guard is None:
        guard = customers_duty(asked.surface, wording.surface, said)
    if guard is None:
        guard = customers_able(asked.surface, wording.surface)
    if guard is None:
        guard = customers_own(asked.surface, said)
    if guard is None:
        guard = given_to_customers(asked.stems, said)
    if guard is None:
        # Its answer and detail, and the matched wording for suppliers named as such.
        guard = suppliers_for_vendor(
            asked.surface,
            wording.surface,
            lambda: set(scoring.details.of(entry)),
            terms,
        )
    if guard is None:
        guard = people_unnamed(asked.surface, said, terms)
    if guard is None:
        guard = agent_unsaid(asked.surface, said, terms)
    if guard is None and example:
        guard = rests_on_example(index.words.space, asked, example, own, said, frame)
    if guard is None:
        guard = asks_whether_ever(asked, said, frame)
    if guard is None:
        guard = asks_whether_only(asked, said)
    if guard is None:
        guard = asks_of_a_plan(asked, said)
    if guard is None:
        guard = asks_when(asked, wording, entry)
    if guard is None:
        guard = asks_what_happened(asked, wording, said)
    if guard is None:
        guard = second_question(asked, entry, wording, said, frame)
    if guard is None:
        guard = follow_up_answered(asked, entry, wording, said, frame)
    if guard is None:
        guard = number_unsaid(asked, said)
    if guard is None:
        guard = quantity_unsaid(asked, entry)
    if guard is None:
        guard = who_unnamed(asked, wording, said)
    if guard is None:
        guard = asks_instead(asked, entry, said)
    if guard is None:
        guard = free_answer_unsaid(asked, wording, entry, said, frame | scoring.subjects.asking)
    if guard is None:
        guard = kind_unsaid(asked, said)
    if guard is None:
        guard = undone_unsaid(asked, said)
    if guard is None:
        guard = device_unsaid(asked, said)
    if guard is None:
        guard = another_event(
            scoring.details.normaliser, asked, wording, said, scoring.guards.function_words, frame
        )
    if guard is None:
        guard = scoring.objects.said_otherwise(words, said, frame)
    if guard is None and affirmed:
        guard = scoring.objects.one_of_both(words, said, frame)
    return guard
