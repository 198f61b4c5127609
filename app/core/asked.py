"""What judging a question's candidates needs: the question as asked, and where each stands.

ranking.py reads these once per question and per candidate; verdict.py decides each candidate's
band from them, and bridging.py whether a concept's path is the question's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.alternates import AlternateCheck
from app.core.guards import Facets
from app.core.listing import Listed
from app.core.normalise import NormalisedText
from app.core.scoring import Candidate, Scored


@dataclass(frozen=True)
class Asked:
    """What judging any candidate of one question needs to know about the question."""

    text: NormalisedText
    facets: Facets
    subject: frozenset[str]  # the question's own subject terms (none for a generic question)
    context_subject: frozenset[str]  # the subject terms of the row's context
    # The context's most telling subject term: an entry carrying it is on the row's subject.
    heading_word: frozenset[str]
    id_given: bool  # the row carries a control ID
    id_owners: frozenset[str]  # entries citing that ID whose wording fits too
    direct_best: Candidate | None  # the best entry by the question's own wording, with concepts
    intent: str | None = None  # what a short question asks of its subject (see intent.py)
    alternates: AlternateCheck | None = None  # judges short alternates (None: long question)
    candidates: frozenset[str] = frozenset()  # every entry the question was scored against
    read_with_context: bool = False  # the row's context stood in for the question's subject
    # The word pointing back at a heading the row does not give ("Are *they* monitored?").
    points_back: str | None = None
    example: frozenset[str] = frozenset()  # the terms it names only in examples (examples.py)
    own: frozenset[str] = frozenset()  # its terms without its examples
    listed: Listed = ()  # the things it lists with commas and "and" (listing.py)
    later: tuple[int, ...] = ()  # where each question after its first opens (follow_ups.py)


@dataclass(frozen=True)
class Standing:
    """Where a candidate stands among the question's others."""

    best: bool
    runner_up: str | None = None
    margin: float | None = None
    rival: Scored | None = None  # an entry the question cannot tell from the best one
    rival_names_more: bool = False  # the rival names more of what the question asks about
    # Reads the best's closest runner-up and margin with no share taken for another intent, when
    # the best itself asks with another intent or none (see ranking._worded_closest).
    worded_closest: Callable[[], tuple[str, float] | None] | None = None
    # Every candidate of the question, best first (the best among them): a runner-up about
    # something else is no rival (verdict._set_apart).
    candidates: Sequence[Scored] = ()
