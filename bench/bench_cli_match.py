"""`vouch match` as a whole process on a 10,000-entry bank: cold and warm start, 1,000 questions.

The bank is the scale benchmark's 10,000 public texts written as a bank directory (every entry
approved, each with a detail, about half of them using a profile variable); the questions are
its 1,000 perturbed texts. Each figure is a fresh `python -m app.cli match` process:

- cold: no stored index (the data directory's index/ is emptied first): parse the bank, build
  the index, store it, answer one question;
- warm: the index stored by an earlier run over the same files: answer one question;
- 1,000 questions on a warm start, minus the warm time for one: what matching costs.

The baseline is brute-force rapidfuzz token_set_ratio over the same pairs, in the same run:
a slice of the questions after each run, so that both sides of the ratio see the same machine.
Wall time is printed beside the processes' CPU time: on a shared machine the wall clock also
measures the neighbours.

Run: .venv/bin/python bench/bench_cli_match.py [--runs N] [--compare CHECKOUT]

With --compare, another checkout (say `git worktree add /tmp/before <commit>`) is timed in the
same run: each run times this checkout's processes, then the other's, so both see the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from bench_match_common import RAW, fmt, fuzz, fuzzy_top, require, table
from bench_match_scale import BANK_SIZE, QUERIES, SEED, SOURCES, corpus, perturb

from app.core.bank import Entry
from app.core.bank_io import dump_entries

REPO = Path(__file__).resolve().parents[1]
TARGETS = "cold <= 3 s, warm <= 1 s, >= 40x brute force with top-1 at least as good"


def fold(text: str) -> str:
    """Reduce a text to lower-case words, to tell duplicate bank texts apart from wrong ones."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_match(
    bank: Path, data_dir: Path, stdin: bytes, code: Path = REPO
) -> tuple[float, float, tuple[float, float], bytes]:
    """Run `vouch match` once: wall and CPU time to its first answer, (wall, CPU) in all, output."""
    env = {**os.environ, "VOUCH_DATA_DIR": str(data_dir), "PYTHONPATH": str(code)}
    env.pop("VOUCH_DATABASE_URL", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "match", "--bank", str(bank), "--top", "5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=code,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    writer = threading.Thread(target=lambda: (process.stdin.write(stdin), process.stdin.close()))
    writer.start()
    first = process.stdout.readline()
    first_wall, first_cpu = time.perf_counter() - start, _cpu_seconds(process.pid)
    rest = process.stdout.read()
    stderr = process.stderr.read() if process.stderr else b""
    process.wait()
    total = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    writer.join()
    if process.returncode != 0:
        raise SystemExit(stderr.decode(errors="replace"))
    return first_wall, first_cpu, (total, cpu), first + rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median)")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="CHECKOUT",
        help="another checkout of Vouch (a `git worktree` of an earlier commit) to time in the "
        "same run, its processes alternating with this one's",
    )
    args = parser.parse_args()
    codes = {"this checkout": REPO}
    if args.compare is not None:
        if not (args.compare / "app" / "cli").is_dir():
            raise SystemExit(f"{args.compare}: not a checkout of Vouch")
        codes[f"{args.compare.resolve().name} (compared)"] = args.compare.resolve()
    require(RAW / SOURCES[0])
    texts = corpus()
    rng = random.Random(SEED)
    texts = rng.sample(texts, BANK_SIZE)
    picks = rng.sample(range(BANK_SIZE), QUERIES)
    queries = [perturb(texts[i], rng) for i in picks]
    entries = [
        Entry(
            id=f"E{i:05d}",
            question=t,
            answer="Yes",
            detail=f"{{{{ company }}}} meets this ({i})." if i % 2 else f"Statement {i}.",
            status="approved",
        )
        for i, t in enumerate(texts)
    ]
    folded = [fold(t) for t in texts]
    work = Path(tempfile.mkdtemp(prefix="vouch-bench-cli-"))
    try:
        bank, data_dir = work / "bank", work / "var"
        start = time.perf_counter()
        dump_entries(entries, bank, profile={"company": "Acme"})
        size = sum(p.stat().st_size for p in bank.iterdir())
        print(
            f"bank: {BANK_SIZE} entries ({size / 2**20:.1f} MB of YAML, written in "
            f"{time.perf_counter() - start:.1f} s); incoming: {QUERIES}"
        )
        one = (json.dumps({"question": queries[0]}) + "\n").encode()
        many = "".join(json.dumps({"question": q}) + "\n" for q in queries).encode()

        timed = {name: {"cold": [], "warm": [], "warm_total": [], "full": []} for name in codes}
        # The baseline is timed in slices between the runs, so that a machine that speeds up
        # or slows down during the benchmark moves both sides of the ratio alike.
        slices = [queries[k :: args.runs] for k in range(args.runs)]
        tops: list[np.ndarray] = []
        brute = brute_cpu = 0.0
        outputs: dict[str, bytes] = {}
        for run in range(args.runs):
            for number, (name, code) in enumerate(codes.items()):
                own = data_dir / str(number)
                shutil.rmtree(own / "index", ignore_errors=True)
                times = timed[name]
                times["cold"].append(run_match(bank, own, one, code)[:2])
                first_wall, first_cpu, total, _ = run_match(bank, own, one, code)
                times["warm"].append((first_wall, first_cpu))
                times["warm_total"].append(total)
                _, _, total, outputs[name] = run_match(bank, own, many, code)
                times["full"].append(total)
            cpu = time.process_time()
            top_slice, wall = fuzzy_top(slices[run], texts, fuzz.token_set_ratio)
            brute_cpu += time.process_time() - cpu
            brute += wall
            tops.append(top_slice)
        stored = sum(p.stat().st_size for p in (data_dir / "0" / "index").iterdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def ranked_right(output: bytes) -> tuple[float, float]:
        lines = [json.loads(line) for line in output.decode().splitlines()]
        assert [line["question"] for line in lines] == queries, "one line per question, in order"
        ranked = [[int(m["entry_id"][1:]) for m in line["matches"]] for line in lines]
        pairs = list(zip(ranked, picks, strict=True))
        top1 = sum(folded[r[0]] == folded[s] for r, s in pairs) / QUERIES
        top5 = sum(any(folded[i] == folded[s] for i in r) for r, s in pairs) / QUERIES
        return top1, top5

    # Back into question order: slice k holds questions k, k + runs, k + 2 runs, ...
    top = np.empty((QUERIES, tops[0].shape[1]), dtype=tops[0].dtype)
    for k, top_slice in enumerate(tops):
        top[k :: args.runs] = top_slice
    base = sum(folded[int(t[0])] == folded[s] for t, s in zip(top, picks, strict=True)) / QUERIES
    base5 = (
        sum(any(folded[int(i)] == folded[s] for i in t) for t, s in zip(top, picks, strict=True))
        / QUERIES
    )

    def median(pairs: list[tuple[float, float]], which: int) -> float:
        return statistics.median(p[which] for p in pairs)

    rows = [
        [
            "baseline: rapidfuzz token_set_ratio, brute force (all cores, in-process)",
            fmt(base),
            fmt(base5),
            "—",
            "—",
            f"{brute:.2f} s / {brute_cpu:.2f} s",
        ]
    ]
    speed_ups = []
    for name, times in timed.items():
        ours, ours5 = ranked_right(outputs[name])
        matching = median(times["full"], 0) - median(times["warm_total"], 0)
        matching_cpu = median(times["full"], 1) - median(times["warm_total"], 1)
        rows.append(
            [
                f"`vouch match`, {name}, whole process (median of {args.runs})",
                fmt(ours),
                fmt(ours5),
                f"{median(times['cold'], 0):.2f} s / {median(times['cold'], 1):.2f} s",
                f"{median(times['warm'], 0):.2f} s / {median(times['warm'], 1):.2f} s",
                f"{matching:.2f} s / {matching_cpu:.2f} s",
            ]
        )
        speed_ups.append(
            f"{name}: {brute / matching:.0f}x wall clock, "
            f"{brute_cpu / max(matching_cpu, 1e-9):.0f}x CPU time"
        )
    print()
    print(
        table(
            [
                "method",
                "top-1",
                "top-5",
                "first answer, cold (wall / CPU)",
                "first answer, warm (wall / CPU)",
                "1,000 - 1 (wall / CPU)",
            ],
            rows,
        )
    )
    print(f"\nstored index: {stored / 2**20:.0f} MB on disk")
    print(f"machine load (1-minute average): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"speed-up over brute force (same run): {'; '.join(speed_ups)}")
    print(f"targets: {TARGETS}")


if __name__ == "__main__":
    main()
