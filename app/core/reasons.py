"""A guard's reason, as a reviewer reads it, and the kind saying a statement is elsewhere.

Every guard returns its reason as a sentence the explanation shows ("held back because subject
differs: 'privacy' vs 'security'"). Some of those reasons say the statement is about something
else than the question asks: its subject or object differs, it never says what is asked, the
wording that matched names another subject or none, or it is not about the row's heading. A
best statement held back by one of those is no evidence against the next one (ranking.rank),
and a runner-up held back by one is no rival to the best (verdict._set_apart). Those reasons are
`Elsewhere`, a string that says so by its type; the guards writing them (subject_guard.py,
objects.py, alternates.py, subject.py, answer_kind.who_unnamed, telling.py) return one, so no
reader depends on their wording. Facets (data state, frequency…), a narrower statement and a
rival are not elsewhere: a statement held back on one of those is often the right one, read too
strictly, or on the question's subject. A facet's reason is `Facet` (guards.py), since it reads
the facets of the one text it was found in.
"""

from __future__ import annotations

THROUGH_A_CONCEPT = "through a concept, "


class Elsewhere(str):
    """A guard's reason saying the statement is about something else than the question asks."""

    __slots__ = ()


class Facet(str):
    """A facet guard's reason (polarity, data state, frequency…): read of one text's facets.

    A concept held back on one says nothing of an entry citing its ID, whose own facets are read
    on its path: "Do you encrypt data at rest and in transit?" is held back from the starter
    concept on encryption at rest, not from the bank's statement under the same CAIQ ID that
    names both (verdict._guard).
    """

    __slots__ = ()


def is_facet(reason: str | None) -> bool:
    """Tell whether a guard's reason is a facet's, read of one text's facets."""
    return isinstance(reason, Facet)


def is_elsewhere(reason: str | None) -> bool:
    """Tell whether a guard's reason says the statement is about something else."""
    return isinstance(reason, Elsewhere)


def through_a_concept(reason: str) -> str:
    """Say a concept's path is held back for `reason`, keeping the kind of reason it is."""
    said = f"{THROUGH_A_CONCEPT}{reason}"
    if is_facet(reason):
        return Facet(said)
    return Elsewhere(said) if is_elsewhere(reason) else said
