"""Which concepts a bank entry is linked to, and how: by a framework ID they share, or by wording."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.core.bank import Entry
from app.core.concepts import shipped_concepts
from app.core.matching import Matcher
from app.core.sparse_index import control_ids, normalise_control_id

# How a ref value separates its IDs: as app/core/sparse_index.py's `control_ids` splits them.
ID_SEPARATORS = re.compile(r"[,;\s]+(?=[A-Za-z])|[,;]")


@dataclass(frozen=True)
class ConceptLink:
    """One concept an entry is linked to: by a shared ref, or by the wording of its question."""

    concept_id: str
    question: str
    by: str  # "ref" or "wording"
    refs: tuple[str, ...]  # the shared refs ("caiq: IAM-14.1"), or the concept's for a wording link
    score: float | None = None  # how well the wording matched (wording links only)

    @property
    def how(self) -> str:
        """Say how the entry is linked, as a curator reads it."""
        if self.by == "ref":
            return "by ref " + ", ".join(self.refs)
        return f"by wording, score {self.score:.2f}"


def _split(value: str) -> list[str]:
    """Split one ref value into its IDs as written (the way `control_ids` reads it)."""
    parts = (p.strip() for p in ID_SEPARATORS.split(value))
    return [p for p in parts if p and normalise_control_id(p)]


def _ref_parts(refs: Mapping[str, str]) -> list[tuple[str, str]]:
    """Split refs into (scheme, ID as written) pairs; a value may list several IDs."""
    return [(scheme, part) for scheme, value in refs.items() for part in _split(value)]


def concept_links(
    entry: Entry, concepts: Sequence[Entry], *, matcher: Matcher | None
) -> tuple[ConceptLink, ...]:
    """Return the concepts an entry is linked to, by shared ref, else its best confident match.

    `matcher` indexes the same concepts; without it (or with no confident match) an entry
    sharing no ref with any concept is linked to none.
    """
    own = control_ids(entry.refs)
    links: list[ConceptLink] = []
    for concept in concepts:
        shared = [
            f"{scheme}: {cid}"
            for scheme, cid in _ref_parts(concept.refs)
            if normalise_control_id(cid) in own
        ]
        if shared:
            links.append(ConceptLink(concept.id, concept.question, "ref", tuple(shared)))
    if links or matcher is None:
        return tuple(links)
    by_id = {c.id: c for c in concepts}
    texts = list(dict.fromkeys([entry.question, *entry.alternates]))
    found = matcher.match_many([(text, None) for text in texts], top=1)
    # Only a match the matcher would fill a cell with counts: a weak link misleads a curator.
    best = max(
        (m[0] for m in found if m and m[0].band == "auto" and m[0].entry_id in by_id),
        key=lambda m: m.score,
        default=None,
    )
    if best is None:
        return ()
    concept = by_id[best.entry_id]
    return (
        ConceptLink(
            concept.id,
            concept.question,
            "wording",
            tuple(f"{s}: {c}" for s, c in _ref_parts(concept.refs)),
            round(best.score, 2),
        ),
    )


def with_concept(refs: Mapping[str, str], concept: Entry) -> dict[str, str]:
    """Return refs that also cite each of the concept's framework IDs."""
    out = dict(refs)
    for scheme, cid in _ref_parts(concept.refs):
        if normalise_control_id(cid) in control_ids(out):
            continue
        current = out.get(scheme, "").strip()
        out[scheme] = f"{current}, {cid}" if current else cid
    return out


def without_concept(refs: Mapping[str, str], concept: Entry) -> dict[str, str]:
    """Return refs without the concept's framework IDs (a scheme left empty is dropped)."""
    drop = control_ids(concept.refs)
    out: dict[str, str] = {}
    for scheme, value in refs.items():
        kept = [cid for cid in _split(value) if normalise_control_id(cid) not in drop]
        if kept:
            out[scheme] = ", ".join(kept)
    return out


@lru_cache(maxsize=1)
def shipped_concept_matcher() -> Matcher | None:
    """Return a matcher over the shipped concepts (None when there are none)."""
    concepts = shipped_concepts()
    return Matcher(concepts, concepts=False) if concepts else None
