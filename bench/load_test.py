"""Load on loopback: concurrent users upload the CAIQ template and call /api/v1/match, bounded in time.

    .venv/bin/python bench/load_test.py                  # 20 users for 2 minutes on its own server
    .venv/bin/python bench/load_test.py --users 5 --duration 20
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 --key vch_...   # a running one

Without --url it starts `vouch serve` on a throwaway SQLite database with the bundled bank, gives
each user its own responder key, and raises the per-key rate limit so the figures measure Vouch,
not the limiter. Every key subscribes a webhook receiver on loopback to its questionnaires' events,
and the run measures the delay from each job's finish to its delivery. Uploads refused with 429
(the queue is full) wait for `Retry-After` and carry on. It prints latency percentiles per call and
fails (exit 1) on any 5xx, any lost or duplicated questionnaire or event, any questionnaire whose
rows are missing or repeated, or a webhook delay p95 above --max-webhook-p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOUCH_SHARED_DIR", REPO.parent / "shared"))
CAIQ = (
    SHARED
    / "questionnaires/raw/csa-ccm-caiq-v4"
    / "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx"
)
QUESTIONS = [
    "Do you encrypt customer data at rest?",
    "Is multi-factor authentication enforced for administrators?",
    "Describe your incident response process.",
    "How often are access rights reviewed?",
    "Do you perform annual penetration tests?",
    "Are backups tested for restoration?",
    "Do you have a business continuity plan?",
    "Is data encrypted in transit with TLS 1.2 or later?",
]
UPLOAD_SHARE = 0.15  # of each user's calls; the rest are matches
BASELINE = "no earlier run recorded; this run is the baseline"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A throwaway `vouch serve` for the run."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="vouch-load-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VOUCH_DATA_DIR": str(self.directory / "var"),
            "VOUCH_BANK_DIR": str(REPO / "answer_bank"),
            "VOUCH_PORT": str(self.port),
            "VOUCH_API_REQUESTS_PER_MINUTE": "1000000",
            "VOUCH_WEBHOOK_ALLOW_PRIVATE": "true",
            "VOUCH_ENVIRONMENT": "development",
        }
        self.env.pop("VOUCH_DATABASE_URL", None)
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self) -> None:
        self.cli("db", "upgrade")
        log = (self.directory / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("the server did not start; see " + str(self.directory / "server.log"))

    def key(self, name: str) -> str:
        return self.cli("apikey", "create", "--name", name, "--role", "responder").split()[-1]

    def stop(self) -> None:
        log = self.directory / "server.log"
        errors = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line]
        if errors:
            print("server errors:\n  " + "\n  ".join(errors[-15:]), file=sys.stderr)
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)


class Tally:
    """Latencies and statuses per call, and what each user uploaded."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.uploaded: dict[str, list[str]] = defaultdict(list)  # key -> questionnaire ids
        self.errors: Counter[str] = Counter()

    def record(self, call: str, status: int, seconds: float) -> None:
        self.latency[call].append(seconds)
        self.statuses[call][status] += 1


class Receiver:
    """A webhook receiver on loopback that notes when each questionnaire's event arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[datetime]] = defaultdict(list)
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                at = datetime.now(UTC)
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                arrivals[body["data"]["questionnaire"]["id"]].append(at)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscribe(self, url: str, keys: list[str]) -> bool:
        """Subscribe each key to its questionnaires' events; tell whether the server allowed it."""
        for key in sorted(set(keys)):
            response = httpx.post(
                f"{url}/api/v1/webhooks",
                headers={"Authorization": f"Bearer {key}"},
                json={"url": self.url, "events": ["questionnaire.filled", "questionnaire.failed"]},
                timeout=30,
            )
            if response.status_code != 201:
                print(f"no webhook measurement: {response.text}", file=sys.stderr)
                return False
        return True

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def user(
    number: int, url: str, key: str, workbook: bytes, until: float, tally: Tally
) -> None:
    """One user: a mix of uploads and matches until the time is up."""
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=180) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                if rng.random() < UPLOAD_SHARE:
                    response = await client.post(
                        "/api/v1/questionnaires",
                        files={"file": (f"caiq-{number}.xlsx", workbook)},
                    )
                    tally.record("upload", response.status_code, time.perf_counter() - started)
                    if response.status_code in (201, 202):
                        tally.uploaded[key].append(response.json()["id"])
                    elif response.status_code == 429:
                        # The queue is full: back off as told, as a well-behaved client does.
                        wait = float(response.headers.get("retry-after", "1"))
                        await asyncio.sleep(min(wait, max(0.0, until - time.monotonic())))
                else:
                    questions = rng.sample(QUESTIONS, k=rng.randint(1, 5))
                    response = await client.post(
                        "/api/v1/match", json={"questions": questions, "top": 3}
                    )
                    tally.record("match", response.status_code, time.perf_counter() - started)
            except httpx.HTTPError as exc:
                tally.errors[type(exc).__name__] += 1


async def settle(url: str, tally: Tally, *, timeout: float) -> dict[str, dict[str, object]]:
    """Wait until every upload has finished; return each questionnaire's final state."""
    final: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for key, ids in tally.uploaded.items():
            headers = {"Authorization": f"Bearer {key}"}
            for questionnaire_id in ids:
                while True:
                    body = (
                        await client.get(
                            f"/api/v1/questionnaires/{questionnaire_id}", headers=headers
                        )
                    ).json()
                    if body["status"] not in ("queued", "running") or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.5)
                final[questionnaire_id] = body
            listed: list[str] = []
            offset = 0
            while True:
                page = (
                    await client.get(
                        "/api/v1/questionnaires",
                        params={"limit": 200, "offset": offset},
                        headers=headers,
                    )
                ).json()
                listed += [item["id"] for item in page["items"]]
                if len(page["items"]) < 200:
                    break
                offset += 200
            if sorted(listed) != sorted(ids):
                tally.errors["questionnaire list differs from uploads"] += 1
    return final


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--workbook", type=Path, default=CAIQ)
    parser.add_argument("--url", help="a running Vouch; default: start one")
    parser.add_argument("--key", action="append", help="responder key(s) for --url")
    parser.add_argument("--max-webhook-p95", type=float, default=5.0, help="seconds; fail above it")
    args = parser.parse_args()
    if not args.workbook.is_file():
        raise SystemExit(f"{args.workbook}: not found (the CAIQ template lives in ../shared)")
    workbook = args.workbook.read_bytes()
    server = None
    receiver = Receiver()
    if args.url:
        if not args.key:
            raise SystemExit("--url needs at least one --key")
        url, keys = args.url, [args.key[n % len(args.key)] for n in range(args.users)]
    else:
        server = Server()
        server.start()
        url, keys = server.url, [server.key(f"load user {n}") for n in range(args.users)]
    tally = Tally()
    hooked = receiver.subscribe(url, keys)
    try:
        started = time.monotonic()
        until = started + args.duration
        print(f"{args.users} users for {args.duration:.0f} s against {url} ...", flush=True)
        asyncio.run(_run(args.users, url, keys, workbook, until, tally))
        elapsed = time.monotonic() - started
        final = asyncio.run(settle(url, tally, timeout=600))
        if hooked:
            wait_for_events(receiver, final, timeout=60)
    finally:
        receiver.stop()
        if server is not None:
            server.stop()
    return report(
        tally,
        final,
        elapsed,
        arrivals=receiver.arrivals if hooked else None,
        max_webhook_p95=args.max_webhook_p95,
    )


def wait_for_events(
    receiver: Receiver, final: dict[str, dict[str, object]], *, timeout: float
) -> None:
    """Give the last deliveries a moment after the last job finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(q not in receiver.arrivals for q in final):
        time.sleep(0.2)


def webhook_delays(
    final: dict[str, dict[str, object]], arrivals: dict[str, list[datetime]]
) -> tuple[list[float], int, int]:
    """Return each event's delay after its job finished, and how many were missing or repeated."""
    delays, missing, repeated = [], 0, 0
    for questionnaire_id, body in final.items():
        times = arrivals.get(questionnaire_id, [])
        job = body.get("job") or {}
        finished = job.get("finished_at") if isinstance(job, dict) else None
        if not times or not finished:
            missing += 1
            continue
        repeated += len(times) > 1
        delays.append((min(times) - datetime.fromisoformat(str(finished))).total_seconds())
    return delays, missing, repeated


async def _run(
    users: int, url: str, keys: list[str], workbook: bytes, until: float, tally: Tally
) -> None:
    await asyncio.gather(*(user(n, url, keys[n], workbook, until, tally) for n in range(users)))


def report(
    tally: Tally,
    final: dict[str, dict[str, object]],
    elapsed: float,
    *,
    arrivals: dict[str, list[datetime]] | None,
    max_webhook_p95: float,
) -> int:
    """Print the figures; return 1 if anything was lost, duplicated or answered with a 5xx."""
    total = sum(len(v) for v in tally.latency.values())
    print(f"\n{total} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s); baseline: {BASELINE}")
    for call, values in sorted(tally.latency.items()):
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses[call].items()))
        print(
            f"  {call:7} n={len(values):5}  p50 {statistics.median(values) * 1000:7.0f} ms"
            f"  p95 {percentile(values, 0.95) * 1000:7.0f} ms"
            f"  p99 {percentile(values, 0.99) * 1000:7.0f} ms"
            f"  max {max(values) * 1000:7.0f} ms   [{statuses}]"
        )
    server_errors = sum(n for c in tally.statuses.values() for s, n in c.items() if s >= 500)
    states = Counter(str(body["status"]) for body in final.values())
    row_counts = Counter(len(body.get("rows") or []) for body in final.values())  # type: ignore[arg-type]
    repeated = sum(
        1
        for body in final.values()
        if len({(r["sheet"], r["row"]) for r in body.get("rows") or []})  # type: ignore[union-attr]
        != len(body.get("rows") or [])  # type: ignore[arg-type]
    )
    uploaded = sum(len(ids) for ids in tally.uploaded.values())
    print(f"  uploads accepted {uploaded}, settled {len(final)}: {dict(states)}")
    print(
        f"  rows per questionnaire: {dict(row_counts)}; questionnaires with repeated rows: {repeated}"
    )
    print(f"  5xx: {server_errors}; transport errors: {dict(tally.errors) or 0}")
    slow_events = lost_events = repeated_events = 0
    if arrivals is not None:
        delays, lost_events, repeated_events = webhook_delays(final, arrivals)
        if delays:
            p95 = percentile(delays, 0.95)
            slow_events = p95 > max_webhook_p95
            print(
                f"  webhook delay after the job finished: n={len(delays)}"
                f"  p50 {statistics.median(delays):.2f} s  p95 {p95:.2f} s"
                f"  max {max(delays):.2f} s; events missing {lost_events}, repeated {repeated_events}"
            )
    broken = (
        slow_events
        or lost_events
        or repeated_events
        or server_errors
        or tally.errors
        or repeated
        or len(final) != uploaded
        or len(row_counts) > 1
        or set(states) - {"needs_review"}
    )
    print("FAILED" if broken else "OK: no 5xx, no lost or duplicated questionnaires or rows")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
