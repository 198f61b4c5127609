"""Follow a question's best concepts on to the bank entries that cite the same framework IDs.

A concept's path fills a cell as the question's own wording would, unless that wording points to
another entry (`wording_prefers_other`, read by verdict.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from app.core.asked import Asked
from app.core.concepts import Bridge
from app.core.entry_says import said_by, says_of
from app.core.intent import intent_of, intents_differ
from app.core.match_result import Match
from app.core.normalise import NormalisedText, shared_with_phrases
from app.core.reasons import is_facet, through_a_concept
from app.core.scoring import Candidate, Scoring
from app.core.sparse_index import Index, Space, control_ids
from app.core.subject_guard import subject_conflict, uncovered

# The share of a concept's terms (weighed by rarity) an entry citing its ID must also name for the
# ID to stand for the same question. Entries citing the same CAIQ v4 question as a starter concept
# share 0.175 or more (all 259 links of the WhitePact bank); those a CAIQ v3.1 bank cites under a
# reused number share 0.12 at the median (its 100 links; bench/bench_match_versions.py).
RENUMBERED_SHARE = 0.15
# A bank's IDs under one reference key follow the concepts' numbering when the entries they link
# share this much of their concepts' terms at the median: 0.48 for a bank harvested from a
# completed CAIQ v4.0.3, 0.12 for one from a CAIQ v3.1, whose numbers v4 reuses for other
# questions. Fewer links than MIN_LINKS say too little, and each path is then judged alone.
AGREEING_SHARE = 0.30
MIN_LINKS = 8


def follow_concepts(
    index: Index,
    concept_index: Index,
    found: Sequence[Sequence[Match]],
    asked: Sequence[NormalisedText],
    *,
    floor: float,
    numbered_alike: frozenset[str] | None = None,
    said: Callable[[str], set[str]] | None = None,
    concept_says: Callable[[str], set[str]] | None = None,
    frame: frozenset[str] = frozenset(),
    spelt_out: Sequence[NormalisedText | None] | None = None,
) -> list[dict[str, Bridge]]:
    """Return, per question, the entries its concepts lead to, each with the best concept's path.

    `found` is each question's best concepts in order; a concept scoring under `floor` and every
    one after it leads nowhere. A path carries a guard when the concept was held back, was not the
    question's best, or leaves out a word of the question that matters, or when the entry cites
    the ID only under reference keys outside `numbered_alike` (see `numbered_alike`; None: all).
    `said` gives what an entry says itself (`entry_says.said_by`): a word of the question the
    concept leaves out but the entry says is not left out of that entry's path.
    `concept_says` gives the same for a concept: its answer and detail are its words too ("Do
    company devices lock automatically when left unattended?" answers that laptops lock when
    idle, and so covers "Do laptops lock automatically when idle?"). `frame`: words that frame a
    question rather than name its subject, which a concept may leave out (`subject_guard.uncovered`).
    `spelt_out`: each question with its acronyms spelt out (None: it uses none). The concept
    matcher reads both forms, so a concept covers an acronym it spells out: "Do you have an IAM
    policy?" and the concept on identity and access management policies.
    """
    out: list[dict[str, Bridge]] = [{} for _ in found]
    for k, (bridged, matches) in enumerate(zip(out, found, strict=True)):
        forms = (asked[k], spelt_out[k] if spelt_out is not None else None)
        for position, match in enumerate(matches):
            if match.score < floor:
                break
            concept = concept_index.entries[match.entry_id]
            guard = match.explanation.guard or match.explanation.note
            if guard is None and position > 0:
                guard = f"concept {match.entry_id} is not the question's best concept"
            space = concept_index.words.space
            covered = concept_index.entry_terms(match.entry_id)
            # A facet the concept was held back on is the entry's to answer (verdict._guard):
            # it comes last, after what else may hold the path back.
            facet = guard if is_facet(guard) else None
            guard = None if facet else guard
            left_out = None if guard else _left_out(space, forms, covered, frame)
            if left_out and concept_says is not None:
                # The concept's answer may say what its wordings leave out (read only then).
                covered = covered | concept_says(match.entry_id)
                left_out = _left_out(space, forms, covered, frame)
            for cid in control_ids(concept.refs):
                for entry_id in index.by_control_id.get(cid, ()):
                    if entry_id not in bridged or bridged[entry_id].score < match.score:
                        gap = left_out
                        if gap and said is not None:
                            # The entry may say what the concept leaves out.
                            gap = _left_out(space, forms, covered | said(entry_id), frame)
                        held = (
                            guard
                            or gap
                            or _other_numbering(index, entry_id, cid, numbered_alike)
                            or _renumbered(index, concept_index, match.entry_id, entry_id)
                            or facet
                        )
                        bridged[entry_id] = Bridge(
                            concept_id=match.entry_id,
                            control_id=", ".join(concept.refs.values()),
                            score=match.score,
                            guard=held and through_a_concept(held),
                            auto=match.band == "auto",
                            covered=frozenset(covered),
                        )
    return out


def _left_out(
    space: Space,
    forms: Sequence[NormalisedText | None],
    covered: frozenset[str],
    frame: frozenset[str],
) -> str | None:
    """Say what the concept leaves out of the question as written, unless a form covers it."""
    gaps = [uncovered(space, form, covered, frame) for form in forms if form is not None]
    return None if None in gaps else gaps[0]


def numbered_alike(index: Index, concept_index: Index) -> frozenset[str]:
    """Return the reference keys under which the bank's IDs number questions as the concepts do.

    Every link from a concept to an entry citing the same ID is weighed as in `_renumbered`, and
    grouped by the key the entry cites the ID under ("caiq", or "control" for a harvested sheet).
    A key whose links share little wording at the median names IDs of another numbering, such as
    an older version of the framework.
    """
    shares: dict[str, list[float]] = {}
    for concept_id, concept in concept_index.entries.items():
        for cid in control_ids(concept.refs):
            for entry_id in index.by_control_id.get(cid, ()):
                share = _share(index, concept_index, concept_id, entry_id)
                for key in _keys_citing(index, entry_id, cid):
                    shares.setdefault(key, []).append(share)
    return frozenset(
        key
        for key, found in shares.items()
        if len(found) < MIN_LINKS or float(np.median(found)) >= AGREEING_SHARE
    )


class NumberingCheck:
    """`numbered_alike` for a bank index and a concepts' index, worked out once for the pair."""

    def __init__(self) -> None:
        self._last: tuple[Index, Index, frozenset[str]] | None = None

    def of(self, index: Index, concept_index: Index) -> frozenset[str]:
        """Return the keys numbered as the concepts are (it reads every ID link between them)."""
        last = self._last
        if last is None or last[0] is not index or last[1] is not concept_index:
            last = self._last = (index, concept_index, numbered_alike(index, concept_index))
        return last[2]


def _keys_citing(index: Index, entry_id: str, cid: str) -> set[str]:
    """Return the reference keys under which an entry cites a (normalised) control ID."""
    refs = index.entries[entry_id].refs
    return {key for key, value in refs.items() if cid in control_ids({key: value})}


def _other_numbering(
    index: Index, entry_id: str, cid: str, alike: frozenset[str] | None
) -> str | None:
    """Say so when an entry cites a concept's ID only under keys of another numbering."""
    if alike is None or _keys_citing(index, entry_id, cid) & alike:
        return None
    return (
        f"entry {entry_id} cites {cid} under a numbering the concepts do not share: "
        "the bank's entries with the concepts' IDs share little of their wording"
    )


def _share(index: Index, concept_index: Index, concept_id: str, entry_id: str) -> float:
    """Return the share of a concept's terms, weighed by rarity, that an entry also names."""
    concept_terms = concept_index.entry_terms(concept_id)
    if not concept_terms:
        return 1.0
    space = concept_index.words.space
    shared = concept_terms & index.entry_terms(entry_id)
    return space.weight_of(shared) / space.weight_of(concept_terms)


def _renumbered(index: Index, concept_index: Index, concept_id: str, entry_id: str) -> str | None:
    """Say so when an entry cites a concept's ID but shares too little of its wording.

    An ID names a question only within one version of a framework: CAIQ v3.1's IVS-08.1 asks about
    separate production and test environments, v4's about high-risk environments, and a bank
    harvested from an older questionnaire cites its IDs without a version. An entry that is the
    concept's question shares a good part of its terms, weighed by rarity; one on another
    question under the same number shares little.
    """
    if _share(index, concept_index, concept_id, entry_id) >= RENUMBERED_SHARE:
        return None
    return f"entry {entry_id} cites the ID of concept {concept_id} but shares little of its wording"


def with_bridged(index: Index, rows: np.ndarray, bridged: Mapping[str, Bridge]) -> np.ndarray:
    """Add the rows of the entries a concept led to (their question row is enough)."""
    extra = [index.entry_rows[e][0] for e in bridged if e in index.entry_rows]
    if not extra:
        return rows
    return np.union1d(rows, np.array(extra, dtype=np.int64))


def wording_prefers_other(
    scoring: Scoring, index: Index, asked: Asked, cand: Candidate
) -> str | None:
    """Hold back a concept's path when the question's own wording points to another entry.

    Unless that entry answers another intent than the question's and this one does not: "is
    there a vulnerability management policy?" shares more words with "are the vulnerability
    management policies reviewed?" than with the statement that they exist. Nor when the
    concept filled on its own and that entry's wording would not fill by its score: "Are audit
    findings tracked to remediation?" is the corrective action plan's concept word for word,
    and shares a few more words with "Is the remediation status of audit findings reviewed and
    reported?" (0.52) than with the plan's framework wording. That filled 4 more rows right on
    the customer benchmark and 20 on the learning one, none wrong (bench/README.md). Nor when
    that entry names less of the question's subject (its row's, for a question naming none)
    than the concept and the path's entry: "Is the policy reviewed and updated annually?" under
    "Incident Management Policy" fits every framework statement "Are policies and procedures
    reviewed and updated annually?" alike, and the first of them, filed under logging, is no
    evidence against the one the incident policy's concept leads to (1 more row right on the
    customer benchmark, 5 on the learning one, none wrong).
    """
    other = asked.direct_best
    if other is None or other.entry_id == cand.entry_id:
        return None
    own = other.own_score()
    if own < scoring.thresholds.suggest or own <= cand.own_score():
        return None
    if cand.bridge is not None and cand.bridge.auto and own < scoring.thresholds.auto:
        return None
    subject = set(asked.subject or asked.context_subject)
    if cand.bridge is not None and subject:
        space = index.words.space
        named = shared_with_phrases(
            subject,
            set(cand.bridge.covered) | said_by(scoring, index, index.entries[cand.entry_id]),
        )
        named_there = says_of(scoring, index, index.entries[other.entry_id], subject)
        if space.weight_of(named_there) < space.weight_of(named):
            return None
    theirs_row = index.rows[other.row]
    if (
        scoring.guards.conflict(asked.facets, theirs_row.facets)
        or subject_conflict(index.words.space, asked.text, theirs_row.text)
        or (asked.alternates and asked.alternates.conflict(other.row))
    ):
        # The entry the wording prefers is itself held back: it is no evidence against this one.
        return None
    if asked.intent is not None:
        theirs = theirs_row.text
        ours = index.rows[cand.row].text
        if intents_differ(asked.intent, intent_of(theirs.stems, theirs.surface)) and not (
            intents_differ(asked.intent, intent_of(ours.stems, ours.surface))
        ):
            return None
    return f"the question's own wording fits entry {other.entry_id} better"
