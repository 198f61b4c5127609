"""Learn contrasting objects from framework questionnaires: same frame, another object.

Two questions of one questionnaire that are worded alike except for one term each ("is a
*privacy* by design principle applied?" / "is a *security* by design principle applied?"; "are
the *baselines* reviewed annually?" / "are the *policies* reviewed annually?") ask about
different things: a statement answering one does not answer the other. This script reads the
CAIQ v4.0.3, CAIQ v4.1.0 and AI-CAIQ 1.1.0 questions in ../shared, normalises each with the
shipped thesaurus, and prints every pair of terms that tells two otherwise identical questions
apart (at least MIN_SHARED shared terms), unless both terms are frame words (the frame says how
a question asks, not what about: "annually" vs "periodically" is not another object). The
pairs printed are pasted into the `objects` section of answer_bank/thesaurus.yaml, where a
curator reviews them beside the hand-written ones; only the word pairs are kept, no text.

    PYTHONPATH=. .venv/bin/python bench/learn_object_pairs.py
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_common import AI_CAIQ, CAIQ_403, CAIQ_410, caiq_403, one_line, require  # noqa: E402

from app.core.normalise import Normaliser, shipped_thesaurus  # noqa: E402
from app.core.subject import SubjectRule  # noqa: E402

MIN_SHARED = 3
# The frame words that name a thing (a generic question's object), not how it is asked.
FRAME_NOUNS = (
    "policy",
    "procedure",
    "standard",
    "process",
    "plan",
    "practice",
    "requirement",
    "security",
)


def questionnaires() -> dict[str, list[str]]:
    """Read each questionnaire's question texts."""
    out = {"CAIQ 4.0.3": [q.text for q in caiq_403()]}
    raw = json.loads(CAIQ_410.read_text(encoding="utf-8"))["questions"]
    out["CAIQ 4.1.0"] = [one_line(q["question"]) for q in raw]
    with AI_CAIQ.open(encoding="utf-8") as f:
        out["AI-CAIQ 1.1.0"] = [one_line(row["question"]) for row in csv.DictReader(f)]
    return out


def contrasts(
    texts: list[str],
    normaliser: Normaliser,
    frame: frozenset[str],
    nouns: frozenset[str],
    shown: dict[str, str],
) -> Counter[tuple[str, str]]:
    """Count the term pairs that alone tell two questions of one questionnaire apart.

    One side names one term the other lacks; the other names one term, or up to two frame
    nouns ("baselines" vs "policies and procedures": a generic question's object is its frame).
    """
    found: Counter[tuple[str, str]] = Counter()
    term_sets = set()
    for text in texts:
        norm = normaliser.normalise(text)
        term_sets.add(frozenset(norm.terms))
        for term, word in zip(norm.stems, norm.surface, strict=True):
            shown.setdefault(term, word)
    for a, b in itertools.combinations(term_sets, 2):
        if len(a & b) < MIN_SHARED:
            continue
        for one, other in ((a - b, b - a), (b - a, a - b)):
            if len(one) != 1 or not other:
                continue
            if len(other) > 1 and (len(other) > 2 or not other <= nouns):
                continue
            (term,) = one
            for contrast in other:
                if term in frame and contrast in frame:
                    continue
                if (term in frame and term not in nouns) or (
                    contrast in frame and contrast not in nouns
                ):
                    # A frame verb or qualifier ("approved", "management") says how, not what.
                    continue
                found[(min(term, contrast), max(term, contrast))] += 1
            break
    return found


def word(term: str, shown: dict[str, str]) -> str:
    """Write a term as a word a curator reads (canonical terms keep their own spelling)."""
    return term.replace("_", " ") if "_" in term else shown.get(term, term)


def main() -> None:
    require(CAIQ_403, CAIQ_410, AI_CAIQ)
    thesaurus = shipped_thesaurus()
    normaliser = Normaliser(thesaurus)
    frame = SubjectRule.of(thesaurus, normaliser).frame
    nouns = frozenset(t for w in FRAME_NOUNS for t in normaliser.normalise(w).terms)
    total: Counter[tuple[str, str]] = Counter()
    shown: dict[str, str] = {}
    for name, texts in questionnaires().items():
        found = contrasts(texts, normaliser, frame, nouns, shown)
        print(f"# {name}: {len(texts)} questions, {len(found)} contrasting pairs", file=sys.stderr)
        total.update(found)
    for (a, b), count in sorted(total.items()):
        print(f"  - [{word(a, shown)}, {word(b, shown)}]  # {count}")


if __name__ == "__main__":
    main()
