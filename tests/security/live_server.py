"""A real `vouch serve` on loopback that a test can kill with SIGKILL and start again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`vouch serve` on SQLite in its own process group, so its worker children die with it."""

    def __init__(self, *, data_dir: Path, bank_dir: Path, env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VOUCH_DATA_DIR": str(data_dir),
            "VOUCH_BANK_DIR": str(bank_dir),
            "VOUCH_PORT": str(self.port),
            "VOUCH_ENVIRONMENT": "development",
            **(env or {}),
        }
        self.env.pop("VOUCH_DATABASE_URL", None)
        self.log_path = data_dir.parent / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run a `vouch` command against this server's database and return its output."""
        completed = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        return completed.stdout

    def start(self, *, migrate_first: bool = True) -> None:
        """Start serving and wait until /healthz answers."""
        if migrate_first:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.cli("db", "upgrade")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve"],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(self.log_path.read_text(errors="replace"))

    def api_key(self, role: str = "responder") -> str:
        """Create an API key through the CLI and return its secret."""
        return self.cli("apikey", "create", "--name", f"{role} test", "--role", role).split()[-1]

    def kill(self) -> None:
        """SIGKILL the server and every process it started, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """Stop the server politely, then make sure its process group is gone."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
