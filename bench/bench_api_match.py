"""API latency: one question through POST /api/v1/match on a warm server with a 10,000-entry bank.

Starts `vouch serve` on loopback (SQLite in a temporary directory) with the scale benchmark's
10,000 public texts as approved entries, then sends single-question requests over one keep-alive
connection. The baseline printed beside it is the same question matched in-process, so the
difference is what HTTP, authentication and serialisation cost.

Run: .venv/bin/python bench/bench_api_match.py
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from bench_match_common import RAW, require, table
from bench_match_scale import BANK_SIZE, SEED, SOURCES, corpus, perturb

from app.core.bank import Entry
from app.core.bank_io import dump_entries
from app.core.matching import Matcher

REQUESTS = 300
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    require(RAW / SOURCES[0])
    rng = random.Random(SEED)
    texts = rng.sample(corpus(), BANK_SIZE)
    entries = [
        Entry(id=f"E{i:05d}", question=t, answer="Yes", status="approved")
        for i, t in enumerate(texts)
    ]
    questions = [perturb(texts[i], rng) for i in rng.sample(range(BANK_SIZE), REQUESTS)]

    matcher = Matcher(entries)
    matcher.match_many([(q, None) for q in questions[:20]])
    inprocess = []
    for question in questions:
        start = time.perf_counter()
        matcher.match(question, top=3)
        inprocess.append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        bank_dir, data_dir = Path(tmp) / "bank", Path(tmp) / "var"
        bank_dir.mkdir()
        dump_entries(entries, bank_dir)
        port = free_port()
        env = {
            **os.environ,
            "VOUCH_DATA_DIR": str(data_dir),
            "VOUCH_BANK_DIR": str(bank_dir),
            "VOUCH_PORT": str(port),
        }
        env.pop("VOUCH_DATABASE_URL", None)
        vouch = [sys.executable, "-m", "app.cli"]
        subprocess.run(
            [*vouch, "db", "upgrade"], env=env, cwd=REPO, check=True, capture_output=True
        )
        server = subprocess.Popen(
            [*vouch, "serve"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > 300:
                    raise SystemExit("the server did not start within 300 s")
                time.sleep(0.3)
            boot = time.perf_counter() - started
            created = subprocess.run(
                [*vouch, "apikey", "create", "--name", "bench", "--role", "responder"],
                env=env,
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            )
            key = created.stdout.strip().splitlines()[-1]
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
                first = time.perf_counter()
                client.post(
                    "/api/v1/match", json={"questions": [questions[0]], "top": 3}
                ).raise_for_status()
                index_build = time.perf_counter() - first
                for question in questions[:20]:
                    client.post("/api/v1/match", json={"questions": [question], "top": 3})
                latencies = []
                for question in questions:
                    start = time.perf_counter()
                    response = client.post(
                        "/api/v1/match", json={"questions": [question], "top": 3}
                    )
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text
        finally:
            server.terminate()
            server.wait(10)

    def ms(values: list[float], q: float | None = None) -> str:
        value = statistics.median(values) if q is None else float(np.percentile(values, q))
        return f"{value * 1000:.2f} ms"

    print(
        f"bank: {BANK_SIZE} approved entries; {REQUESTS} single-question requests; server start incl. bank import {boot:.1f} s; first request (index build) {index_build:.2f} s"
    )
    print(
        table(
            ["path", "median", "p95"],
            [
                ["baseline: Matcher.match in-process", ms(inprocess), ms(inprocess, 95)],
                ["POST /api/v1/match on a warm server", ms(latencies), ms(latencies, 95)],
            ],
        )
    )
    print("target: median <= 15 ms through the API")


if __name__ == "__main__":
    main()
