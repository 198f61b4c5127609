"""A concept catalogue: statements in customer words that point into framework questionnaires.

Vouch's starter statements are written the way customers ask ("Is MFA supported?") and most
cite the framework questions they answer (`refs: {caiq: IAM-14.1}`). A bank harvested from a
completed framework questionnaire is worded the framework's way and cites the same IDs. A
question that matches a concept's wording reaches the bank entries citing the concept's IDs:
the bridge between everyday questions and framework wording.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from app.core.bank import Entry, entry_files, load_bank
from app.core.errors import BankError

SHIPPED_CONCEPTS = Path(__file__).resolve().parents[2] / "answer_bank"
# Which references a concept follows into the bank: framework question IDs, which a bank
# harvested from that framework cites. ISO or SOC 2 clause numbers name a whole clause, too
# broad to stand for one question.
BRIDGED_REFS = ("caiq", "hecvat", "sig", "sig_lite")


@dataclass(frozen=True)
class Bridge:
    """How a question reached a bank entry through a concept."""

    concept_id: str
    control_id: str
    score: float
    guard: str | None
    # The concept's own match earned `auto`, by its score or by a relief for an everyday
    # question (verdict._clear_short_match, _says_whole_subject): the path may fill as it would.
    auto: bool = False
    # The terms the concept says (its wordings, and its answer where read): what the path names.
    covered: frozenset[str] = frozenset()


def concept_entries(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Keep the statements that cite a framework question, as concepts a matcher can index."""
    concepts: list[Entry] = []
    for entry in entries:
        refs = {k: v for k, v in entry.refs.items() if k in BRIDGED_REFS}
        if refs and entry.status != "retired":
            # A concept never fills a cell itself: it only leads to the entries it cites.
            concepts.append(replace(entry, refs=refs, status="approved"))
    return tuple(concepts)


@lru_cache(maxsize=1)
def shipped_concepts() -> tuple[Entry, ...]:
    """Return the concepts of the starter bank shipped with Vouch (none if it is absent)."""
    if not SHIPPED_CONCEPTS.is_dir():
        return ()
    try:
        # A concept never fills a cell, so its detail is never shown: rendering every one would
        # cost each process that bridges a question about 0.15 s for nothing.
        return concept_entries(load_bank(SHIPPED_CONCEPTS, check_details=False).entries)
    except BankError:
        return ()


def shipped_concepts_source() -> str:
    """Digest the starter bank's entry files, which the shipped concepts are read from.

    A stored index of the concepts is kept under this digest (see app/core/index_store.py), so
    a process that finds it never reads the starter bank's YAML. It is "" when there is no
    starter bank, or when its files cannot be read.
    """
    if not SHIPPED_CONCEPTS.is_dir():
        return ""
    # Its own namespace: a bank directory holding the same files is indexed whole, not as concepts.
    digest = hashlib.sha256(b"shipped concepts\0")
    try:
        for path in entry_files(SHIPPED_CONCEPTS):
            digest.update(str(path.relative_to(SHIPPED_CONCEPTS)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return ""
    return digest.hexdigest()
