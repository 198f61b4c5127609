"""Scale-out on PostgreSQL: 1, 2 and 4 `vouch serve` processes on one database, under 20 users.

    .venv/bin/python bench/bench_scale_out.py                         # 30 s per step
    .venv/bin/python bench/bench_scale_out.py --duration 20 --baseline main   # before and after

It starts a throwaway PostgreSQL 15 cluster (initdb as the `postgres` user when run as root, a
free loopback port, a temporary directory), and for each step a fresh database with the bundled
bank approved, then N `vouch serve` processes on it (each runs its own worker threads, so no
`vouch worker` is needed). The users, each with a reviewer's API key, send every request to the
next process in turn (client-side round robin) for --duration seconds: upload the CAIQ v4.0.3
template, decide rows (accept an auto row, reject the others) of the questionnaires already
filled, and call /api/v1/match. Afterwards it waits for the uploads to finish and checks every
questionnaire and every decision. `--baseline REF` also runs every step on the code of a git
revision (exported with `git archive`, nothing is checked out), taking turns with the working
tree step by step, so before and after come from one run on the same machine. Exit 1 on any
5xx, lost or duplicated questionnaire, row or decision.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.load_test import CAIQ, QUESTIONS, free_port, percentile

REPO = Path(__file__).resolve().parents[1]
UPLOAD_SHARE = 0.1  # of each user's calls
DECIDE_SHARE = 0.5  # the rest are matches
SEEDS = 4  # questionnaires filled before each step, shared out among the users to decide
CALLS = ("upload", "decide", "match")
# A connection idle past uvicorn's keep-alive (5 s) is closed by the server; reusing it at that
# moment fails on the client. Dropping idle connections sooner keeps that race out of the figures.
LIMITS = httpx.Limits(keepalive_expiry=2.0)

# Run with the code under test: an empty database gets its bank (approved) and the users' keys.
SETUP = """
import json, sys
from pathlib import Path
from app.db import get_database
from app.security import new_password
from app.services import accounts, bank_entries, bank_transfer

users, bank = int(sys.argv[1]), Path(sys.argv[2])
database = get_database()
with database.session(write=True) as s:
    accounts.create_user(db_session=s, username="admin", password=new_password(), role="admin",
                         actor="bench")
    bank_transfer.import_directory(db_session=s, directory=bank, actor="bench")
with database.session(write=True) as s:
    bank_entries.approve_drafts(db_session=s, actor="bench", entry_ids=None, reason="bench")
keys = []
with database.session(write=True) as s:
    for n in range(users):
        keys.append(accounts.create_api_key(db_session=s, name=f"bench user {n}", role="reviewer",
                                            actor="bench")[1])
print(json.dumps(keys))
"""


class Postgres:
    """A throwaway PostgreSQL cluster on loopback, as .ci/run starts one."""

    def __init__(self) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        wanted = [p for p in versions if p.parts[-3] == "15"] or versions
        if not wanted:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = wanted[-1].parent
        self.version = self.bin.parts[-2]
        self.root = Path(tempfile.mkdtemp(prefix="vouch-scale-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(map(_quote, command))]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=300"
        )
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-w", "-o", options, "start"
        )

    def create(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


class Fleet:
    """N `vouch serve` processes of one code tree on one database, sharing one data directory."""

    def __init__(self, *, code: Path, url: str, processes: int, directory: Path) -> None:
        self.code, self.processes, self.directory = code, processes, directory
        self.env = {
            **os.environ,
            "PYTHONPATH": str(code),
            "VOUCH_DATABASE_URL": url,
            "VOUCH_DATA_DIR": str(directory / "var"),
            "VOUCH_BANK_DIR": str(code / "answer_bank"),
            "VOUCH_API_REQUESTS_PER_MINUTE": "1000000",
            "VOUCH_ENVIRONMENT": "development",
        }
        self.urls: list[str] = []
        self.children: list[subprocess.Popen[bytes]] = []

    def python(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, *args],
            env=self.env,
            cwd=self.code,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def prepare(self, users: int) -> list[str]:
        """Migrate, load and approve the bundled bank, and return one reviewer key per user."""
        self.python("-m", "app.cli", "db", "upgrade")
        keys = json.loads(self.python("-c", SETUP, str(users), str(self.code / "answer_bank")))
        return list(keys)

    def start(self) -> None:
        for n in range(self.processes):
            port = free_port()
            log = (self.directory / f"serve-{n}.log").open("wb")
            self.children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                    env=self.env,
                    cwd=self.code,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 120
        for url in self.urls:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"a server did not start; see {self.directory}")
                time.sleep(0.3)

    def tracebacks(self) -> int:
        return sum(
            log.read_text(errors="replace").count("Traceback")
            for log in self.directory.glob("serve-*.log")
        )

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


@dataclass
class Tally:
    """Latencies and statuses per call, what was uploaded and what was decided."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    uploaded: list[str] = field(default_factory=list)
    decided: dict[tuple[str, int], str] = field(default_factory=dict)  # (id, position) -> status
    errors: Counter[str] = field(default_factory=Counter)

    def record(self, call: str, status: int, seconds: float) -> None:
        self.latency[call].append(seconds)
        self.statuses[call][status] += 1


class RoundRobin:
    """The next server for each request, in turn."""

    def __init__(self, urls: list[str]) -> None:
        self.urls, self.n = urls, 0

    def next(self) -> str:
        self.n += 1
        return self.urls[self.n % len(self.urls)]


async def wait_filled(
    client: httpx.AsyncClient, servers: RoundRobin, ids: list[str], *, timeout: float
) -> dict[str, dict[str, Any]]:
    """Wait until every questionnaire has left the queue; return each one's final state."""
    final: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    for questionnaire_id in ids:
        while True:
            body = (
                await client.get(f"{servers.next()}/api/v1/questionnaires/{questionnaire_id}")
            ).json()
            if body["status"] not in ("queued", "running") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        final[questionnaire_id] = body
    return final


async def rows_of(
    client: httpx.AsyncClient, servers: RoundRobin, questionnaire_id: str
) -> list[dict[str, Any]]:
    """Every row of a questionnaire with its review state, following the pages."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2000, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(
                f"{servers.next()}/api/v1/questionnaires/{questionnaire_id}/rows", params=params
            )
        ).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def decision_for(row: dict[str, Any], *, refused: bool = False) -> tuple[str, str]:
    """Accept a row Vouch filled on its own; reject (leave blank) the others, or one refused."""
    if row.get("existing_answer"):
        return "keep", "kept"
    if row.get("band") == "auto" and row.get("answer") and not refused:
        return "accept", "accepted"
    return "reject", "rejected"


async def user(
    number: int,
    key: str,
    servers: RoundRobin,
    work: list[tuple[str, int]],
    workbook: bytes,
    until: float,
    tally: Tally,
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """One user: uploads, decisions on its share of rows, and matches, until the time is up."""
    rng = random.Random(number)
    mine: list[str] = []  # this user's uploads, decided once filled
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {key}"}, timeout=180, limits=LIMITS
    ) as client:
        while time.monotonic() < until:
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < UPLOAD_SHARE:
                    response = await client.post(
                        f"{servers.next()}/api/v1/questionnaires",
                        files={"file": (f"caiq-{number}.xlsx", workbook)},
                    )
                    tally.record("upload", response.status_code, time.perf_counter() - started)
                    if response.status_code in (201, 202):
                        tally.uploaded.append(response.json()["id"])
                        mine.append(response.json()["id"])
                    elif response.status_code == 429:
                        wait = float(response.headers.get("retry-after", "1"))
                        await asyncio.sleep(min(wait, max(0.0, until - time.monotonic())))
                    continue
                if roll < UPLOAD_SHARE + DECIDE_SHARE and (work or mine):
                    if not work:
                        await _take_own(client, servers, mine, work, rows)
                    if work:
                        questionnaire_id, position = work.pop(0)
                        row = rows[questionnaire_id][position]
                        action, status = decision_for(row)
                        started = time.perf_counter()
                        response = await client.post(
                            f"{servers.next()}/api/v1/questionnaires/{questionnaire_id}/rows/{position}",
                            json={"action": action},
                        )
                        tally.record("decide", response.status_code, time.perf_counter() - started)
                        if response.status_code == 200:
                            tally.decided[(questionnaire_id, position)] = status
                        elif response.status_code in (409, 422) and action == "accept":
                            # An answer that does not fit the cell's list: leave it blank instead.
                            row["band"] = "refused"
                            work.insert(0, (questionnaire_id, position))
                        continue
                questions = rng.sample(QUESTIONS, k=rng.randint(1, 5))
                started = time.perf_counter()
                response = await client.post(
                    f"{servers.next()}/api/v1/match", json={"questions": questions, "top": 3}
                )
                tally.record("match", response.status_code, time.perf_counter() - started)
            except httpx.HTTPError as exc:
                tally.errors[type(exc).__name__] += 1


async def _take_own(
    client: httpx.AsyncClient,
    servers: RoundRobin,
    mine: list[str],
    work: list[tuple[str, int]],
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """Queue the rows of this user's first upload that has been filled, if one has."""
    for questionnaire_id in list(mine):
        body = (
            await client.get(f"{servers.next()}/api/v1/questionnaires/{questionnaire_id}")
        ).json()
        if body["status"] in ("queued", "running"):
            continue
        mine.remove(questionnaire_id)
        if body["status"] == "needs_review":
            rows[questionnaire_id] = await rows_of(client, servers, questionnaire_id)
            work += [(questionnaire_id, r["position"]) for r in rows[questionnaire_id]]
            return


async def run_step(
    fleet: Fleet, keys: list[str], workbook: bytes, duration: float
) -> dict[str, Any]:
    """Seed, load for the duration, settle, check; return the step's figures."""
    servers = RoundRobin(fleet.urls)
    tally = Tally()
    admin = {"Authorization": f"Bearer {keys[0]}"}
    async with httpx.AsyncClient(headers=admin, timeout=300, limits=LIMITS) as client:
        # Warm every process (its matcher), then fill the seeds the users start deciding.
        for url in fleet.urls:
            await client.post(f"{url}/api/v1/match", json={"questions": QUESTIONS[:1]})
        seeds = []
        for n in range(SEEDS):
            response = await client.post(
                f"{servers.next()}/api/v1/questionnaires",
                files={"file": (f"seed-{n}.xlsx", workbook)},
            )
            response.raise_for_status()
            seeds.append(response.json()["id"])
        await wait_filled(client, servers, seeds, timeout=600)
        rows = {q: await rows_of(client, servers, q) for q in seeds}
    users = len(keys)
    # Each seed's rows are dealt out among the users working on it: no row has two deciders.
    work: list[list[tuple[str, int]]] = [[] for _ in range(users)]
    for n in range(users):
        seed = seeds[n % SEEDS]
        sharers = [u for u in range(users) if u % SEEDS == n % SEEDS]
        share = sharers.index(n)
        work[n] = [
            (seed, r["position"]) for r in rows[seed] if r["position"] % len(sharers) == share
        ]
    started_at = datetime.now(UTC)
    started = time.monotonic()
    until = started + duration
    await asyncio.gather(
        *(user(n, keys[n], servers, work[n], workbook, until, tally, rows) for n in range(users))
    )
    elapsed = time.monotonic() - started
    ended_at = datetime.now(UTC)
    async with httpx.AsyncClient(headers=admin, timeout=300, limits=LIMITS) as client:
        final = await wait_filled(client, servers, tally.uploaded, timeout=900)
        listed: list[str] = []
        offset = 0
        while True:
            page = (
                await client.get(
                    f"{servers.next()}/api/v1/questionnaires",
                    params={"limit": 200, "offset": offset},
                )
            ).json()
            listed += [item["id"] for item in page["items"]]
            if len(page["items"]) < 200:
                break
            offset += 200
        decided_ids = sorted({q for q, _ in tally.decided})
        now = {
            q: {r["position"]: r for r in await rows_of(client, servers, q)} for q in decided_ids
        }
    return check(tally, final, listed, seeds, rows, now, elapsed, started_at, ended_at, fleet)


def check(
    tally: Tally,
    final: dict[str, dict[str, Any]],
    listed: list[str],
    seeds: list[str],
    seed_rows: dict[str, list[dict[str, Any]]],
    now: dict[str, dict[int, dict[str, Any]]],
    elapsed: float,
    started_at: datetime,
    ended_at: datetime,
    fleet: Fleet,
) -> dict[str, Any]:
    """Count what was done and everything lost or duplicated."""
    expected_rows = len(seed_rows[seeds[0]])
    problems: Counter[str] = Counter()
    if sorted(listed) != sorted([*seeds, *tally.uploaded]):
        problems["questionnaires listed differ from those uploaded"] += 1
    problems["questionnaire uploaded twice"] += len(tally.uploaded) - len(set(tally.uploaded))
    filled_in_window = 0
    for body in final.values():
        if body["status"] != "needs_review":
            problems[f"questionnaire {body['status']}"] += 1
            continue
        cells = [(r["sheet"], r["row"]) for r in body.get("rows") or []]
        if len(cells) != expected_rows:
            problems["questionnaire with missing rows"] += 1
        if len(set(cells)) != len(cells):
            problems["questionnaire with repeated rows"] += 1
        finished = (body.get("job") or {}).get("finished_at")
        if finished and started_at <= datetime.fromisoformat(finished) <= ended_at:
            filled_in_window += 1
    for (questionnaire_id, position), status in tally.decided.items():
        if now[questionnaire_id][position]["review_status"] != status:
            problems["decision lost"] += 1
    for by_position in now.values():
        if len(by_position) != expected_rows:
            problems["decided questionnaire with missing or repeated rows"] += 1
    server_errors = sum(n for c in tally.statuses.values() for s, n in c.items() if s >= 500)
    latency = {
        call: {
            "n": len(values),
            "p50_ms": round(percentile(values, 0.50) * 1000),
            "p95_ms": round(percentile(values, 0.95) * 1000),
            "p99_ms": round(percentile(values, 0.99) * 1000),
            "statuses": dict(sorted(tally.statuses[call].items())),
        }
        for call, values in sorted(tally.latency.items())
    }
    return {
        "processes": fleet.processes,
        "seconds": round(elapsed, 1),
        "uploads_accepted": len(tally.uploaded),
        "filled_per_minute": round(filled_in_window / (elapsed / 60), 1),
        "decisions_per_second": round(len(tally.decided) / elapsed, 1),
        "matches_per_second": round(len(tally.latency["match"]) / elapsed, 1),
        "latency": latency,
        "server_errors": server_errors,
        "tracebacks": fleet.tracebacks(),
        "transport_errors": dict(tally.errors),
        "problems": {k: v for k, v in problems.items() if v},
    }


def run_step_on(
    label: str,
    code: Path,
    pg: Postgres,
    processes: int,
    users: int,
    duration: float,
    workbook: bytes,
) -> dict[str, Any]:
    """Run one step of one code tree on a fresh database."""
    directory = Path(tempfile.mkdtemp(prefix=f"vouch-scale-{processes}-"))
    url = pg.create(f"bench_{label}_{processes}")
    fleet = Fleet(code=code, url=url, processes=processes, directory=directory)
    try:
        keys = fleet.prepare(users)
        fleet.start()
        print(f"{label}: {processes} process(es), {users} users, {duration:.0f} s ...", flush=True)
        result = asyncio.run(run_step(fleet, keys, workbook, duration))
    finally:
        fleet.stop()
    result["code"] = label
    print(json.dumps(result), flush=True)
    if result["problems"] or result["server_errors"] or result["transport_errors"]:
        print(f"  logs kept in {directory}", file=sys.stderr)
    else:
        shutil.rmtree(directory, ignore_errors=True)
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The README table: one line per code and step, with the growth over one process."""
    lines = [
        "| code | processes | uploads filled/min | decisions/s | matches/s | "
        + " | ".join(f"{c} p50/p95/p99 ms" for c in CALLS)
        + " | 5xx | lost or duplicated |",
        "|---|---|---|---|---|" + "---|" * len(CALLS) + "---|---|",
    ]
    one: dict[str, dict[str, Any]] = {}
    for r in results:
        one.setdefault(r["code"], r)
        base = one[r["code"]]

        def grown(name: str, r: dict[str, Any] = r, base: dict[str, Any] = base) -> str:
            if r is base or not base[name]:
                return f"{r[name]}"
            return f"{r[name]} (×{r[name] / base[name]:.2f})"

        cells = []
        for call in CALLS:
            figures = r["latency"].get(call)
            cells.append(
                f"{figures['p50_ms']}/{figures['p95_ms']}/{figures['p99_ms']}" if figures else "–"
            )
        lost = sum(r["problems"].values())
        lines.append(
            f"| {r['code']} | {r['processes']} | {grown('filled_per_minute')} | "
            f"{grown('decisions_per_second')} | {grown('matches_per_second')} | "
            + " | ".join(cells)
            + f" | {r['server_errors']} | {lost} |"
        )
    return "\n".join(lines)


def export(ref: str) -> Path:
    """Export a git revision's tree to a temporary directory (no checkout)."""
    target = Path(tempfile.mkdtemp(prefix="vouch-scale-code-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per step")
    parser.add_argument("--steps", default="1,2,4", help="processes per step")
    parser.add_argument("--baseline", metavar="REF", help="also run a git revision's code first")
    parser.add_argument("--workbook", type=Path, default=CAIQ)
    parser.add_argument("--out", type=Path, default=REPO / "bench/out/scale_out.json")
    args = parser.parse_args()
    if not args.workbook.is_file():
        print(f"skipped: {args.workbook} not found (the CAIQ template lives in ../shared)")
        return 0
    workbook = args.workbook.read_bytes()
    steps = [int(s) for s in args.steps.split(",")]
    pg = Postgres()
    pg.start()
    print(f"PostgreSQL {pg.version} on 127.0.0.1:{pg.port}; {os.cpu_count()} CPUs", flush=True)
    results: list[dict[str, Any]] = []
    exported: Path | None = None
    try:
        codes = [("after", REPO)]
        if args.baseline:
            exported = export(args.baseline)
            codes.insert(0, ("before", exported))
        # Before and after take turns step by step, so the load of a shared machine drifting
        # during the run falls on both alike.
        for processes in steps:
            for label, code in codes:
                results.append(
                    run_step_on(label, code, pg, processes, args.users, args.duration, workbook)
                )
        results.sort(key=lambda r: (r["code"] != "before", r["processes"]))
    finally:
        pg.stop()
        if exported is not None:
            shutil.rmtree(exported, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print()
    print(table(results))
    broken = any(r["problems"] or r["server_errors"] or r["transport_errors"] for r in results)
    print(
        "FAILED"
        if broken
        else "OK: no 5xx, no lost or duplicated questionnaires, rows or decisions"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
