"""A real `vouch serve` on loopback, with whatever extra settings a test needs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunningVouch:
    """A running Vouch: its URL, its environment (for CLI calls on the same data) and its log."""

    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str) -> str:
        """Run a `vouch` command against this server's database and return its output."""
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def start_vouch(tmp_path: Path, approved_bank_dir: Path) -> Iterator[Callable[..., RunningVouch]]:
    """Start `vouch serve` on SQLite with an approved bank and extra `VOUCH_*` settings."""
    processes: list[tuple[subprocess.Popen[bytes], object]] = []

    def start(**settings: str) -> RunningVouch:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "VOUCH_DATA_DIR": str(tmp_path / "var"),
            "VOUCH_BANK_DIR": str(approved_bank_dir),
            "VOUCH_PORT": str(port),
            "VOUCH_ENVIRONMENT": "development",
            "VOUCH_PUBLIC_URL": url,
            **{f"VOUCH_{name.upper()}": value for name, value in settings.items()},
        }
        env.pop("VOUCH_DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        log_path = tmp_path / f"server-{port}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return RunningVouch(url=url, env=env, log=log_path)
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(log_path.read_text())

    yield start
    for process, log in processes:
        process.terminate()
        process.wait(10)
        log.close()  # type: ignore[attr-defined]
