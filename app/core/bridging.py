"""Follow a question's best concepts on to the bank entries that cite the same framework IDs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.core.concepts import Bridge
from app.core.match_result import Match
from app.core.normalise import NormalisedText
from app.core.sparse_index import Index, control_ids
from app.core.verdict import uncovered


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
                        bridged[entry_id] = Bridge(
                            concept_id=match.entry_id,
                            control_id=", ".join(concept.refs.values()),
                            score=match.score,
                            guard=guard and f"through a concept, {guard}",
                        )
    return out


def with_bridged(index: Index, rows: np.ndarray, bridged: Mapping[str, Bridge]) -> np.ndarray:
    """Add the rows of the entries a concept led to (their question row is enough)."""
    extra = [index.entry_rows[e][0] for e in bridged if e in index.entry_rows]
    if not extra:
        return rows
    return np.union1d(rows, np.array(extra, dtype=np.int64))
