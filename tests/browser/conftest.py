"""A real Vouch server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("VOUCH_CHROMIUM", "/usr/bin/chromium")


@dataclass(frozen=True)
class Server:
    """A running Vouch with its admin password."""

    url: str
    admin_password: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, approved_bank_dir: Path) -> Iterator[Server]:
    """Start `vouch serve` on SQLite with an approved copy of the bundled bank."""
    port = _free_port()
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "VOUCH_DATA_DIR": str(data_dir),
        "VOUCH_BANK_DIR": str(approved_bank_dir),
        "VOUCH_PORT": str(port),
        "VOUCH_ENVIRONMENT": "development",
    }
    env.pop("VOUCH_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError((tmp_path / "server.log").read_text())
        password = (data_dir / "initial-admin-password").read_text().strip()
        yield Server(url=url, admin_password=password, data_dir=data_dir)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    """A fresh headless Chromium page, or skip saying what is missing."""
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed"
    )
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(
            "Debian's Chromium is not installed (apt-get install -y chromium); .ci/run installs it"
        )
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
