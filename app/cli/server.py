"""`vouch serve` and `vouch worker`: the web server and the background worker."""

from __future__ import annotations

import argparse

from app.cli.common import migrate
from app.config import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the database, then serve the web UI and the API."""
    import uvicorn

    # A new data directory is migrated here, as `make run` does, so the first start needs no
    # second command; on a current database this is a no-op.
    migrate(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run queued jobs and webhook deliveries until stopped or idle."""
    import logging
    import signal
    import threading

    from app.db import get_database
    from app.services import jobs, questionnaires

    jobs.register(questionnaires.FILL_JOB)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    migrate(settings)
    threads = args.threads or settings.worker_threads or 1
    worker = jobs.Worker(database=get_database(), settings=settings, threads=threads)
    if args.until_idle:
        done = worker.run_until_idle()
        print(f"worked through {done} jobs and deliveries; nothing is due")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    print(f"worker running with {threads} threads; stop with Ctrl-C or SIGTERM", flush=True)
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    # A job cut short here is not lost: its lease lapses and another worker takes it again.
    worker.stop()
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve` and `worker` to the command parser."""
    serve = commands.add_parser("serve", help="serve the web UI and the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser(
        "worker", help="process queued questionnaires and webhook deliveries (no web server)"
    )
    worker.add_argument("--threads", type=int, help="worker threads (default VOUCH_WORKER_THREADS)")
    worker.add_argument(
        "--until-idle", action="store_true", help="exit once nothing is due instead of waiting"
    )
    worker.set_defaults(run=cmd_worker)
