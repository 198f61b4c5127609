"""Across versions: a bank from a completed CAIQ v3.1 against the CAIQ v4.0.3 questions.

The bank is the completed Q&S CAIQ v3.1 in ../shared, harvested as `vouch bank harvest` does and
every statement approved (309 statements, their own answers). The incoming questions are the 261
of CAIQ v4.0.3, a rewrite with renumbered controls. Neither side was used to tune the matcher.

The key is CSA's own mapping of CCM v4 controls to CCM v3.0.1 controls: a match is right when the
statement's v3.1 control is one the question's v4 control maps to. It is a control-level key (a
control holds several questions), so top-1 here is looser than in the other benchmarks; an `auto`
outside the mapped controls is wrong by any reading.

The other way: the starter statements (every one approved, citing CAIQ v4.0.3 IDs) against the
CAIQ v3.1 questions with their own IDs, keyed by the same mapping read backwards. Many v3.1 IDs
are spelt like v4 IDs of other controls ("CCC-01.1" asks about authorising new development in
v3.1, about change management policies in v4): an `auto` reached through such an ID, the
statement citing the row's ID, is counted apart. It is what holds the ID's help to wording that
already fits (`ID_TEXT_FLOOR` in app/core/verdict.py).

Run: .venv/bin/python bench/bench_match_versions.py
With the optional sentence model (VOUCH_EMBEDDING_MODEL, or the offline MiniLM package installed
beside Vouch) it adds the Matcher's rows with the model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace

from bench_match_common import (
    CAIQ_403,
    CCM_4012,
    RAW,
    Question,
    caiq_403,
    ccm_titles,
    char_tfidf_top,
    cited_id,
    fmt,
    fuzz,
    fuzzy_top,
    require,
    sentence_model,
    table,
    wilson,
)
from bench_match_starter import starter_bank

from app.core.bank import Entry
from app.core.harvest import harvest_workbook
from app.core.matching import Match, Matcher

QANDS = RAW / "caiq-v3.1-completed-qands" / "CAIQ_v3.1.xlsx"
V3_MAPPING = CCM_4012.parent / "mappings" / "CCM_v3.0.1" / "mappings.json"


def qands_bank() -> list[Entry]:
    """Harvest the completed Q&S CAIQ v3.1, every statement approved."""
    result = harvest_workbook(QANDS.read_bytes(), source_name=QANDS.name, bank={}, matcher=None)
    return [replace(d, status="approved") for d in result.drafts]


def v3_controls() -> dict[str, frozenset[str]]:
    """Map each CCM v4 control to the CCM v3.0.1 controls CSA maps it to."""
    (mapping,) = json.loads(V3_MAPPING.read_text(encoding="utf-8"))
    return {
        m["control_id"]: frozenset(r.replace(" ", "") for r in m["references"])
        for m in mapping["mappings"]
    }


def v4_controls() -> dict[str, frozenset[str]]:
    """Map each CCM v3.0.1 control to the CCM v4 controls CSA maps to it (the key read backwards)."""
    backwards: dict[str, set[str]] = {}
    for v4, v3s in v3_controls().items():
        for v3 in v3s:
            backwards.setdefault(v3, set()).add(v4)
    return {v3: frozenset(v4s) for v3, v4s in backwards.items()}


# The columns both directions report first.
COLUMNS = ["method", "top-1 (mapped control)", "top-5", "auto precision [95% CI] (right/autos)"]


def precision(good: int, autos: int) -> str:
    """Format auto precision with its Wilson interval."""
    if not autos:
        return "— (0 autos)"
    low, high = wilson(good, autos)
    return f"{fmt(good / autos)} [{low:.2f}, {high:.2f}] ({good}/{autos})"


def control_of(question_id: str) -> str:
    """Return the control a CAIQ question ID belongs to ("DCS-06.1" -> "DCS-06")."""
    return question_id.rsplit(".", 1)[0]


def evaluate(
    name: str,
    ranked: Sequence[Sequence[str]],
    bands: Sequence[str] | None,
    asked: Sequence[Question],
    key: dict[str, frozenset[str]],
    seconds: float,
) -> list[object]:
    """Score one method: top-1, top-5, auto precision with its interval, autos per question."""
    right = [key.get(q.control_id, frozenset()) for q in asked]
    linked = [i for i, r in enumerate(right) if r]
    top1 = sum(bool(ranked[i]) and control_of(ranked[i][0]) in right[i] for i in linked)
    top5 = sum(any(control_of(r) in right[i] for r in ranked[i][:5]) for i in linked)
    row: list[object] = [name, fmt(top1 / len(linked)), fmt(top5 / len(linked))]
    if bands is None:
        return [*row, "—", "—", f"{seconds:.2f} s"]
    autos = [i for i, b in enumerate(bands) if b == "auto"]
    good = sum(control_of(ranked[i][0]) in right[i] for i in autos)
    return [*row, precision(good, len(autos)), fmt(good / len(linked)), f"{seconds:.2f} s"]


def main() -> None:
    require(QANDS, CAIQ_403, CCM_4012, V3_MAPPING)
    bank = qands_bank()
    asked = caiq_403()
    key = v3_controls()
    titles = ccm_titles()
    ids = [cited_id(e) for e in bank]
    texts = [e.question for e in bank]
    linked = sum(bool(key.get(q.control_id)) for q in asked)
    print(
        f"bank: {len(bank)} approved statements harvested from {QANDS.name}; "
        f"incoming: {len(asked)} CAIQ v4.0.3 questions, {linked} whose control CSA maps to v3.0.1"
    )
    rows = []
    queries = [q.text for q in asked]
    for name, top_of in (
        ("baseline: token_set_ratio", lambda: fuzzy_top(queries, texts, fuzz.token_set_ratio)),
        ("baseline: TF-IDF char 3-5-grams", lambda: char_tfidf_top(queries, texts)),
    ):
        top, seconds = top_of()
        rows.append(evaluate(name, [[ids[i] for i in t] for t in top], None, asked, key, seconds))
    by_id = dict(zip((e.id for e in bank), ids, strict=True))
    model = sentence_model()
    for embedder in (None, model) if model else (None,):
        for name, with_row in (
            ("**Matcher**, question alone", False),
            ("**Matcher**, with the row's control ID, control title and domain", True),
        ):
            start = time.perf_counter()
            results: list[list[Match]] = Matcher(bank, embedder=embedder).match_many(
                [
                    (q.text, q.id, " ".join(titles.get(q.control_id, ())))
                    if with_row
                    else (q.text, None, None)
                    for q in asked
                ],
                top=5,
            )
            seconds = time.perf_counter() - start
            ranked = [[by_id[m.entry_id] for m in r] for r in results]
            bands = [r[0].band if r else "none" for r in results]
            label = (
                name.replace("**Matcher**", "**Matcher** + sentence model") if embedder else name
            )
            rows.append(evaluate(label, ranked, bands, asked, key, seconds))
    print()
    print(table([*COLUMNS, "right autos / linked", "time"], rows))
    print("\ntarget: auto precision >= 0.99 (no auto outside the mapped controls)")
    backwards(bank)


def backwards(qands: Sequence[Entry]) -> None:
    """The starter statements against the CAIQ v3.1 questions, with and without their own IDs."""
    bank = starter_bank()
    key = v4_controls()
    own = {e.id: set(e.refs.get("caiq", "").replace(",", " ").split()) for e in bank}
    cites = {entry_id: {control_of(c) for c in ids} for entry_id, ids in own.items()}
    asked = [(e.question, cited_id(e)) for e in qands]
    linked = [i for i, (_, qid) in enumerate(asked) if key.get(control_of(qid))]
    rows = []
    for name, with_id in (
        ("**Matcher**, question alone", False),
        ("**Matcher**, with its ID", True),
    ):
        start = time.perf_counter()
        results = Matcher(bank).match_many(
            [(text, qid if with_id else None, None) for text, qid in asked], top=5
        )
        seconds = time.perf_counter() - start

        def right(i: int, entry_id: str) -> bool:
            return bool(cites[entry_id] & key.get(control_of(asked[i][1]), frozenset()))

        top1 = sum(bool(results[i]) and right(i, results[i][0].entry_id) for i in linked)
        top5 = sum(any(right(i, m.entry_id) for m in results[i]) for i in linked)
        autos = [i for i, r in enumerate(results) if r and r[0].band == "auto"]
        good = sum(right(i, results[i][0].entry_id) for i in autos)
        through_id = sum(asked[i][1] in own[results[i][0].entry_id] for i in autos)
        rows.append(
            [
                name,
                fmt(top1 / len(linked)),
                fmt(top5 / len(linked)),
                precision(good, len(autos)),
                str(through_id),
                f"{seconds:.2f} s",
            ]
        )
    print(
        f"\nthe other way: {len(bank)} starter statements (CAIQ v4.0.3 IDs) against "
        f"{len(asked)} CAIQ v3.1 questions, {len(linked)} whose control CSA maps to v4\n"
    )
    print(table([*COLUMNS, "autos through the row's own ID", "time"], rows))
    print("\ntarget: no auto through an ID that names another control in v4")


if __name__ == "__main__":
    main()
