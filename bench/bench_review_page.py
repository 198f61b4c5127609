"""Time the review page on a 2,000-row questionnaire: server render, and browser time to interactive.

Run: .venv/bin/python -m bench.bench_review_page
Prints the paginated page (the default, 500 rows a page) beside the baseline of all 2,000 rows
on one page, for the server render and for Chromium's DOMContentLoaded / load.
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import SQLModel, select

import app.models  # noqa: F401 - registers the tables
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import User
from app.services import accounts
from app.services import bank as bank_service
from app.web import review as review_pages
from tests.services.test_review import seed, small_questionnaire

ROWS = 2_000
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def questions(bank_dir: Path) -> tuple[str, ...]:
    """Make 2,000 question wordings from the bank's own questions, varied so they are not exact."""
    from app.core.bank import load_bank

    base = [e.question for e in load_bank(bank_dir).entries]
    prefixes = ("", "Please confirm: ", "Does your organisation ensure that: ", "Describe whether ")
    return tuple(f"{prefixes[i % 4]}{base[i % len(base)]}" for i in range(ROWS))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="vouch-bench-review-"))
    bank_dir = workdir / "bank"
    shutil.copytree(REPO / "answer_bank", bank_dir)
    for path in bank_dir.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^(\s*)status: draft\s*$", r"\1status: approved", text))
    settings = Settings(
        environment="development",
        data_dir=workdir / "var",
        bank_dir=bank_dir,
        _env_file=None,  # type: ignore[call-arg]
    )
    settings.data_dir.mkdir(parents=True)
    database = Database(f"sqlite:///{workdir / 'vouch.db'}")
    SQLModel.metadata.create_all(database.engine)
    application = create_app(settings, database)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    password = (settings.data_dir / "initial-admin-password").read_text().strip()
    with database.session() as db_session:
        admin = db_session.exec(select(User).where(User.username == "admin")).one()
        principal = accounts.principal_for_user(admin)
    started = time.perf_counter()
    questionnaire_id = seed(database, settings, principal, small_questionnaire(questions(bank_dir)))
    print(f"seeded {ROWS} rows in {time.perf_counter() - started:.1f}s")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        paged = review_pages.PAGE_SIZE
        for size, label in ((paged, "paginated"), (ROWS, "baseline: one page")):
            review_pages.PAGE_SIZE = size
            server_ms, html_kb = [], 0
            with httpx.Client(base_url=url, cookies=cookies) as client:
                for _ in range(5):
                    response = client.get(f"/questionnaires/{questionnaire_id}")
                    timing = response.headers["server-timing"]
                    server_ms.append(float(timing.split("dur=")[1]))
                    html_kb = len(response.content) // 1024
            loaded, interactive = [], []
            for _ in range(3):
                page.goto(f"{url}/questionnaires/{questionnaire_id}")
                page.wait_for_selector("table.review tbody tr.current")
                nav = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return [n.domContentLoadedEventEnd, n.loadEventEnd]; }"
                )
                interactive.append(nav[0])
                loaded.append(nav[1])
            shown = page.locator("table.review tbody tr[data-row-id]").count()
            print(
                f"{label:>20}: {shown:>5} rows shown, {html_kb:>5} KiB HTML, "
                f"server render median {statistics.median(server_ms):7.1f} ms, "
                f"browser DOMContentLoaded {statistics.median(interactive):7.1f} ms, "
                f"load {statistics.median(loaded):7.1f} ms"
            )
        # The time a reviewer waits on one decision, on the 2,000-row questionnaire.
        review_pages.PAGE_SIZE = paged
        page.goto(f"{url}/questionnaires/{questionnaire_id}")
        page.wait_for_selector("table.review tbody tr.current")
        started = time.perf_counter()
        for _ in range(20):
            before = page.locator("#review-progress").inner_text()
            page.keyboard.press("r")
            page.wait_for_selector(f"#review-progress:not(:text-is('{before}'))")
        print(
            f"{'keyboard reject':>20}: {(time.perf_counter() - started) / 20 * 1000:.0f} ms per row"
        )
        browser.close()
    server.should_exit = True
    thread.join(5)
    bank_service.matchers.clear()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
