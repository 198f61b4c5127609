"""Scale benchmark: a 10,000-entry bank and 1,000 perturbed incoming questions from ../shared.

The bank is every distinct sentence-like text (6-80 words) found in the public frameworks and
questionnaires under ../shared; each incoming question is a bank text with a few small edits
(a dropped word, swapped words, a typo, another opening, a trailing request), so the text it came
from is the right answer.

Run: .venv/bin/python bench/bench_match_scale.py
"""

from __future__ import annotations

import csv
import gc
import json
import os
import random
import re
import statistics
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from bench_match_common import RAW, fmt, fuzz, fuzzy_top, require, table

from app.core.bank import Entry
from app.core.matching import Matcher

BANK_SIZE = 10_000
QUERIES = 1_000
SEED = 20_240_603
SOURCES = (
    "scf/scf-2025.2.2.yaml",
    "nist/nist-sp-800-53-rev5.yaml",
    "nist/nist-csf-2.0.yaml",
    "nist/nist-ai-rmf-1.0.yaml",
    "csa-ccm-caiq-v4/json/CAIQ/primary-dataset.json",
    "csa-ccm-caiq-v4/json/CCM/primary-dataset.json",
    "csa-caiq-v4.1-ai-caiq/aicm-caiq-1.1.0-questions.csv",
    "hecvat-4.1.4/hecvat-questions.json",
    "bsi-c5/C5_2020_editable-sheet-2-Criteria.csv",
    "bsi-c5/C5_2026_editable-sheet-2-Criteria.csv",
    "vda-isa-tisax/isa-6.csv",
    "vda-isa-tisax/tisax-v2027.yaml",
    "owasp-asvs/OWASP_Application_Security_Verification_Standard_5.0.0_en.csv",
    "owasp-asvs/owasp-asvs-4.0.3.yaml",
    "iso27001-2022-outline/iso27001-2022.yaml",
    "soc2-tsc/soc2_2017_with_rev_2022.yaml",
    "google-vsaq/infrastructure.json",
    "google-vsaq/physical_and_datacenter.json",
    "google-vsaq/security_privacy_programs.json",
    "google-vsaq/webapp.json",
    "cisa-vendor-scrm/cisa-vendor-scrm.yaml",
    "ai-governance/owasp-llm-checklist.yaml",
    "ai-governance/nist-ai-600-1-genai-profile-actions.csv",
    "csa-caiq-v4.1-ai-caiq/ccm-caiq-4.1.0.json",
)
_URLISH = re.compile(r"https?://|urn:|\{|\}|<[a-z]")
OPENINGS = (
    ("does the organization ", "do you "),
    ("do you ", "does your company "),
    ("is there ", "do you have "),
    ("are ", "are all "),
)


def strings(node: Any) -> Iterator[str]:
    """Yield every string inside parsed JSON or YAML."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def texts_of(path: Path) -> Iterator[str]:
    """Yield the raw strings of one source file."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            for row in csv.reader(f):
                yield from row
    elif path.suffix == ".json":
        # Google's VSAQ files open with // licence comments, which JSON does not allow.
        lines = path.read_text(encoding="utf-8").splitlines()
        body = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
        try:
            yield from strings(json.loads(body))
        except json.JSONDecodeError:
            return
    else:
        yield from strings(yaml.safe_load(path.read_text(encoding="utf-8")))


def corpus() -> list[str]:
    """Collect distinct sentence-like texts from the shared frameworks, in a stable order."""
    seen: set[str] = set()
    out: list[str] = []
    for relative in SOURCES:
        path = RAW / relative
        if not path.is_file():
            continue
        for raw in texts_of(path):
            for part in raw.split("\n\n"):
                text = " ".join(part.split())
                n = len(text.split())
                fold = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
                if 6 <= n <= 80 and not _URLISH.search(text) and fold not in seen:
                    seen.add(fold)
                    out.append(text)
    return out


def perturb(text: str, rng: random.Random) -> str:
    """Edit a text the way a customer's questionnaire rewords a familiar question."""
    words = text.split()
    for op in rng.sample(("drop", "swap", "typo", "opening", "tail", "case"), k=3):
        if op == "drop" and len(words) > 6:
            del words[rng.randrange(1, len(words))]
        elif op == "swap" and len(words) > 3:
            i = rng.randrange(1, len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif op == "typo":
            long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
            if long:
                i = rng.choice(long)
                w = words[i]
                j = rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif op == "opening":
            joined = " ".join(words)
            for old, new in OPENINGS:
                if joined.lower().startswith(old):
                    words = (new + joined[len(old) :]).split()
                    break
        elif op == "tail":
            words.append(rng.choice(("Please explain.", "If so, describe.", "(Yes/No)")))
        elif op == "case":
            words = [w.lower() for w in words]
    return " ".join(words)


def fold(text: str) -> str:
    """Reduce a text to lower-case words, to tell duplicate bank texts apart from wrong ones."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def main() -> None:
    require(RAW / SOURCES[0])
    texts = corpus()
    if len(texts) < BANK_SIZE:
        raise SystemExit(f"only {len(texts)} distinct texts found; need {BANK_SIZE}")
    rng = random.Random(SEED)
    texts = rng.sample(texts, BANK_SIZE)
    entries = [
        Entry(id=f"E{i:05d}", question=t, answer="Yes", status="approved")
        for i, t in enumerate(texts)
    ]
    picks = rng.sample(range(BANK_SIZE), QUERIES)
    queries = [perturb(texts[i], rng) for i in picks]
    folded = [fold(t) for t in texts]
    print(f"bank: {BANK_SIZE} texts from {len(SOURCES)} public sources; incoming: {QUERIES}")

    # tracemalloc slows every allocation, so memory is measured on a separate build.
    gc.collect()
    tracemalloc.start()
    measured = Matcher(entries)
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del measured
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher(entries)
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu

    matcher.match_many([(q, None) for q in queries[:20]])  # warm caches like a running server
    # Best of three runs: the figure is the matcher's cost, not other processes' load.
    # CPU time as well: on a shared machine the wall clock also measures the neighbours.
    runs, cpu_runs = [], []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        results = matcher.match_many([(q, None) for q in queries], top=5)
        runs.append(time.perf_counter() - start)
        cpu_runs.append(time.process_time() - cpu)
    many = min(runs)
    latencies = []
    for q in queries[:300]:
        t0 = time.perf_counter()
        matcher.match(q)
        latencies.append(time.perf_counter() - t0)
    single = statistics.median(latencies)
    p95 = float(np.percentile(latencies, 95))

    def right(predicted: int | str, source: int) -> bool:
        index = int(predicted[1:]) if isinstance(predicted, str) else predicted
        return folded[index] == folded[source]

    ours = sum(right(r[0].entry_id, s) for r, s in zip(results, picks, strict=True)) / QUERIES
    ours5 = (
        sum(any(right(m.entry_id, s) for m in r) for r, s in zip(results, picks, strict=True))
        / QUERIES
    )
    top, brute = fuzzy_top(queries, texts, fuzz.token_set_ratio)
    base = sum(right(int(t[0]), s) for t, s in zip(top, picks, strict=True)) / QUERIES
    base5 = sum(any(right(int(i), s) for i in t) for t, s in zip(top, picks, strict=True)) / QUERIES

    print()
    print(
        table(
            ["method", "top-1", "top-5", f"match {QUERIES}", "index build", "index memory"],
            [
                [
                    "baseline: rapidfuzz token_set_ratio, brute force (all cores)",
                    fmt(base),
                    fmt(base5),
                    f"{brute:.2f} s",
                    "—",
                    "—",
                ],
                [
                    "Matcher (match_many)",
                    fmt(ours),
                    fmt(ours5),
                    f"{many:.2f} s wall (best of 3), {min(cpu_runs):.2f} s CPU",
                    f"{build:.2f} s wall, {build_cpu:.2f} s CPU",
                    f"{retained / 2**20:.0f} MB retained, {peak / 2**20:.0f} MB peak",
                ],
            ],
        )
    )
    print(f"\nmachine load (1-minute average): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"speed-up over brute force: {brute / many:.0f}x; "
        f"one question through match(): median {single * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"
    )
    print(
        "targets: match 1,000 <= 0.5 s, build <= 2 s, >= 20x brute force with top-1 at least "
        "as good, index memory <= 200 MB, one question well under 5 ms"
    )


if __name__ == "__main__":
    main()
