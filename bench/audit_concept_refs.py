"""Check each starter statement's CAIQ refs against the CAIQ v4.0.3 questions they cite.

A concept leads a customer's question to the bank entries citing its `caiq` IDs, so a wrong ID
sends the question to another statement, possibly as an `auto`. This script matches every
wording of each starter statement (question and alternates, `refs` ignored) against a bank of
the 261 CAIQ v4.0.3 questions and lists each cited ID that none of those wordings ranks among
its best few, with the CAIQ questions it does rank first: the refs a curator should re-read.

    PYTHONPATH=. .venv/bin/python bench/audit_concept_refs.py [--top N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_common import CAIQ_403, bank_from, caiq_403, require  # noqa: E402

from app.core.concepts import shipped_concepts  # noqa: E402
from app.core.matching import Matcher  # noqa: E402
from app.core.sparse_index import control_ids, normalise_control_id  # noqa: E402


def main() -> int:
    """Print the starter refs no wording of their statement ranks near the top; 1 if any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=5, help="how far down a cited ID may rank")
    args = parser.parse_args()
    require(CAIQ_403)
    questions = caiq_403()
    text_of = {normalise_control_id(q.id): f"{q.id}: {q.text}" for q in questions}
    matcher = Matcher(bank_from(questions), concepts=False)
    concepts = shipped_concepts()
    flagged = 0
    checked = 0
    for concept in concepts:
        cited = {c for c in control_ids({"caiq": concept.refs.get("caiq", "")}) if c}
        if not cited:
            continue
        wordings = [concept.question, *concept.alternates]
        found = matcher.match_many([(w, None) for w in wordings], top=args.top)
        ranked = {normalise_control_id(m.entry_id) for ms in found for m in ms}
        for cid in sorted(cited):
            checked += 1
            if cid in text_of and cid in ranked:
                continue
            flagged += 1
            print(f"{concept.id} cites {concept.refs['caiq']}")
            print(f"  statement: {concept.question}")
            print(f"  cited:     {text_of.get(cid, '(no such CAIQ v4.0.3 question)')}")
            for m in found[0][:2]:
                print(f"  best:      {text_of[normalise_control_id(m.entry_id)]} ({m.score:.2f})")
    print(f"{checked} cited IDs of {len(concepts)} concepts checked, {flagged} to re-read")
    return 1 if flagged else 0


if __name__ == "__main__":
    raise SystemExit(main())
