"""Whether what a statement claims covers what a question asks of: the guards reading it all.

A statement may match a question's words and claim less than it asks, or something else: one side
of an "or", or one where the question asks both (either.py); what customers can do where the
question asks what the vendor does, or the vendor where it asks what its customers can do, are
given or do with it, what the customers own, what customers can require where the question asks
whether it is required, what its staff may do or are kept from doing, the workforce where it asks
of the product's users, or who does it (actor.py); what its suppliers do or own, what it does with
them or the risk kept over them (suppliers.py); whether anyone is told of it (telling.py); only the
question's examples (examples.py); one of several named things the row lists, places it lists in
plain words, or two joined by "as well as" (listing.py); a practice where the question asks whether
something ever happens, whether there are any, whether it happened (and which event), what is
planned or when, or one of two times asked together (timing.py); the first of two questions in one
row, the follow-up asked on its Yes, a row going on to ask who, when or which thing, or one asking
a value first (follow_ups.py); a sum, a count, or a place or person named for a closed question
(answer_kind.py); no name where a row asks which product or firm (naming.py); a kind of the thing
asked of ("custom roles", "SSH keys"), its undoing ("disabled", "unencrypted"), its exceptions, a
device ("laptops", "servers") or an on-premise deployment (qualifiers.py); another thing done to it
("blocked" for "encrypted"), none said, a thing done to something else ("audit logs exported" for
customer data), a No denying its own claim where the question asks of a thing done it never says,
or who does a thing the statement never speaks of (treatments.py); one side of "Does X apply to Y?"
or "Does the plan state Y?" never named (coverage.py); what a terse row names before its "for"
(subject_guard.py); a step before another event than the question's (preceding.py); or another
object of a pair than the question names, or a scope the question is confined to ("AI risks") and
the statement never names (objects.py).
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
    customers_joined,
    customers_may,
    customers_own,
    given_to_customers,
    people_prevented,
    people_unnamed,
    users_for_workforce,
)
from app.core.answer_kind import (
    asks_instead,
    asks_whether_only,
    free_answer_unsaid,
    number_unsaid,
    quantity_unsaid,
    who_unnamed,
)
from app.core.applied_to import put_to_another
from app.core.bank import Entry
from app.core.coverage import assured_unsaid, side_unsaid
from app.core.either import no_to_one_side, one_side_asked
from app.core.entry_says import yes_or_no
from app.core.examples import rests_on_example
from app.core.follow_ups import (
    first_ask_unanswered,
    follow_up_answered,
    second_ask_unanswered,
    second_question,
)
from app.core.listing import Listed, listed_unsaid
from app.core.naming import name_unsaid
from app.core.narrowing import narrowed_to_some
from app.core.normalise import NormalisedText
from app.core.preceding import another_event
from app.core.qualifiers import (
    deployment_unsaid,
    device_unsaid,
    exceptions_unsaid,
    key_kind_unsaid,
    kind_unsaid,
    state_undone,
    undone_unsaid,
)
from app.core.scoring import Scoring
from app.core.sparse_index import Index
from app.core.subject_guard import head_unsaid
from app.core.suppliers import further_suppliers_unsaid, suppliers_for_vendor
from app.core.telling import telling_unsaid
from app.core.timing import (
    asks_of_a_plan,
    asks_what_happened,
    asks_when,
    asks_whether_ever,
    event_unsaid,
    time_beside_another,
)
from app.core.treatments import (
    activity_unsaid,
    denied_treatment,
    treated_unsaid,
    treatment_differs,
    treatment_unsaid,
)


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
    listed: Listed = (),
    later: tuple[int, ...] = (),
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

    surface, stated = asked.surface, wording.surface
    # In order, the first to object is the reason shown.
    checks: tuple[Callable[[], str | None], ...] = (
        lambda: one_side_asked(scoring, index, asked, entry, row) if affirmed else None,
        lambda: no_to_one_side(scoring, asked, entry, wording),
        lambda: denied_treatment(asked, entry.answer, said, terms),
        lambda: telling_unsaid(asked, wording, said, terms, frame),
        lambda: customers_for_vendor(surface, stated),
        lambda: customers_duty(surface, stated, said),
        lambda: customers_able(surface, stated, said, terms),
        lambda: customers_may(surface, stated),
        lambda: customers_own(surface, said),
        lambda: customers_joined(surface, said, terms),
        lambda: given_to_customers(asked.stems, said),
        # Its answer and detail, and the matched wording for suppliers named as such.
        lambda: suppliers_for_vendor(
            surface, stated, lambda: set(scoring.details.of(entry)), terms
        ),
        lambda: further_suppliers_unsaid(surface, said),
        lambda: people_unnamed(surface, said, terms),
        lambda: users_for_workforce(surface, said, terms),
        lambda: people_prevented(surface, stated, entry.answer),
        lambda: state_undone(asked, wording, said),
        lambda: agent_unsaid(surface, said, terms),
        lambda: (
            rests_on_example(index.words.space, asked, example, own, said, frame)
            if example
            else None
        ),
        lambda: asks_whether_ever(asked, said, frame),
        lambda: asks_whether_only(asked, said),
        lambda: asks_of_a_plan(asked, said),
        lambda: asks_when(asked, wording, entry),
        lambda: asks_what_happened(asked, wording, said),
        lambda: event_unsaid(asked, said, terms, frame),
        lambda: time_beside_another(asked, entry),
        lambda: second_question(asked, entry, wording, said, frame, terms, later),
        lambda: first_ask_unanswered(asked, said, terms, frame),
        lambda: follow_up_answered(asked, entry, wording, said, frame),
        lambda: second_ask_unanswered(asked, wording, entry, later),
        lambda: number_unsaid(asked, said),
        lambda: quantity_unsaid(asked, entry),
        lambda: who_unnamed(asked, wording, entry),
        lambda: name_unsaid(asked, entry),
        lambda: activity_unsaid(asked, said, terms, frame),
        lambda: side_unsaid(asked, said, terms, frame),
        lambda: assured_unsaid(asked, said, terms, frame),
        lambda: asks_instead(asked, entry, said),
        lambda: free_answer_unsaid(asked, wording, entry, said, frame | scoring.subjects.asking),
        lambda: head_unsaid(index.words.space, asked, said, frame),
        lambda: treatment_differs(asked, wording, said, terms),
        lambda: kind_unsaid(asked, said),
        lambda: key_kind_unsaid(asked, said),
        lambda: undone_unsaid(asked, said),
        lambda: exceptions_unsaid(asked, said),
        lambda: narrowed_to_some(asked, entry) if yes_or_no(entry.answer) != "no" else None,
        lambda: device_unsaid(asked, said),
        lambda: deployment_unsaid(asked, said),
        lambda: treatment_unsaid(asked, entry.answer, said, terms),
        lambda: treated_unsaid(asked, wording, said, terms, frame),
        lambda: another_event(
            scoring.details.normaliser, asked, wording, said, scoring.guards.function_words, frame
        ),
        lambda: put_to_another(scoring.details.normaliser, asked, wording, said),
        lambda: scoring.objects.said_otherwise(words, said, frame),
        lambda: scoring.objects.scope_unsaid(asked.terms, said),
        lambda: scoring.objects.one_of_both(words, said, frame) if affirmed else None,
        lambda: listed_unsaid(listed, said, frame) if yes_or_no(entry.answer) != "no" else None,
    )
    for check in checks:
        guard = check()
        if guard is not None:
            return guard
    return None
