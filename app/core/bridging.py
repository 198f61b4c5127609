"""Follow a question's best concepts on to the bank entries that cite the same framework IDs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.core.concepts import Bridge
from app.core.match_result import Match
from app.core.normalise import NormalisedText
from app.core.sparse_index import Index, control_ids
from app.core.verdict import uncovered

# The share of a concept's terms (weighed by rarity) an entry citing its ID must also name for the
# ID to stand for the same question. Entries citing the same CAIQ v4 question as a starter concept
# share 0.175 or more (bench/bench_match_customer.py); those a CAIQ v3.1 bank cites under a reused
# number share 0.14 at the median (bench/bench_match_versions.py).
RENUMBERED_SHARE = 0.15


def follow_concepts(
    index: Index,
    concept_index: Index,
    found: Sequence[Sequence[Match]],
    asked: Sequence[NormalisedText],
    *,
    floor: float,
) -> list[dict[str, Bridge]]:
    """Return, per question, the entries its concepts lead to, each with the best concept's path.

    `found` is each question's best concepts in order; a concept scoring under `floor` and every
    one after it leads nowhere. A path carries a guard when the concept was held back, was not the
    question's best, or leaves out a word of the question that matters.
    """
    out: list[dict[str, Bridge]] = [{} for _ in found]
    for k, (bridged, matches) in enumerate(zip(out, found, strict=True)):
        for position, match in enumerate(matches):
            if match.score < floor:
                break
            concept = concept_index.entries[match.entry_id]
            guard = match.explanation.guard or match.explanation.note
            if guard is None and position > 0:
                guard = f"concept {match.entry_id} is not the question's best concept"
            if guard is None:
                guard = uncovered(
                    concept_index.words.space, asked[k], concept_index.entry_terms(match.entry_id)
                )
            for cid in control_ids(concept.refs):
                for entry_id in index.by_control_id.get(cid, ()):
                    if entry_id not in bridged or bridged[entry_id].score < match.score:
                        held = guard or _renumbered(index, concept_index, match.entry_id, entry_id)
                        bridged[entry_id] = Bridge(
                            concept_id=match.entry_id,
                            control_id=", ".join(concept.refs.values()),
                            score=match.score,
                            guard=held and f"through a concept, {held}",
                        )
    return out


def _renumbered(index: Index, concept_index: Index, concept_id: str, entry_id: str) -> str | None:
    """Say so when an entry cites a concept's ID but shares too little of its wording.

    An ID names a question only within one version of a framework: CAIQ v3.1's IVS-08.1 asks about
    separate production and test environments, v4's about high-risk environments, and a bank
    harvested from an older questionnaire cites its IDs without a version. An entry that is the
    concept's question shares a good part of its terms, weighed by rarity; one on another
    question under the same number shares little.
    """
    concept_terms = concept_index.entry_terms(concept_id)
    if not concept_terms:
        return None
    space = concept_index.words.space
    shared = concept_terms & index.entry_terms(entry_id)
    share = sum(space.idf_of(t) for t in shared) / sum(space.idf_of(t) for t in concept_terms)
    if share >= RENUMBERED_SHARE:
        return None
    return f"entry {entry_id} cites the ID of concept {concept_id} but shares little of its wording"


def with_bridged(index: Index, rows: np.ndarray, bridged: Mapping[str, Bridge]) -> np.ndarray:
    """Add the rows of the entries a concept led to (their question row is enough)."""
    extra = [index.entry_rows[e][0] for e in bridged if e in index.entry_rows]
    if not extra:
        return rows
    return np.union1d(rows, np.array(extra, dtype=np.int64))
