"""The `vouch` command: serve, fill and match offline, and administer the bank, users and keys."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config import Settings, get_settings
from app.core.errors import VouchError


class CliError(Exception):
    """A problem to report on stderr with exit status 2, without a traceback."""


def _bank_dir(given: str | None, settings: Settings) -> Path:
    """Return the bank directory to read, or say where Vouch looked and how to name another."""
    directory = Path(given) if given else settings.bank_dir
    if not directory.is_dir():
        source = "--bank" if given else "VOUCH_BANK_DIR (default ./answer_bank)"
        raise CliError(
            f"no answer bank at {directory.resolve()} (from {source}); "
            "name one with --bank DIR or VOUCH_BANK_DIR=DIR"
        )
    return directory


def _migrate(settings: Settings) -> None:
    """Bring the database to the latest revision, creating the SQLite data directory if needed."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.migrations import upgrade

    try:
        if settings.resolved_database_url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(
            f"cannot bring the database up to date ({reason}); "
            "check VOUCH_DATABASE_URL or VOUCH_DATA_DIR, then run `vouch db upgrade`"
        ) from exc


def _matcher_for(
    bank_dir: Path, settings: Settings, *, need_bank: bool = True
) -> tuple[Any, Any, Callable[[], object]]:
    """Return the bank, its matcher, and a call that stores a freshly built index.

    The bank is None when it was not needed and the index was read from the store. The index is kept in the data directory under a digest of the bank's files; a warm start
    reads it back without parsing the bank at all when only the matcher is needed.
    """
    from app.core.bank import load_bank
    from app.core.embeddings import load_embedder
    from app.core.index_store import IndexStore, bank_files_digest
    from app.core.matching import Matcher, load_thesaurus
    from app.services.thresholds import thresholds_for

    thesaurus_path = bank_dir / "thesaurus.yaml"
    options: dict[str, Any] = {
        "thresholds": thresholds_for(settings),
        "thesaurus": load_thesaurus(thesaurus_path) if thesaurus_path.exists() else None,
        "today": date.today(),
        "default_review_days": settings.default_review_days,
        "embedder": load_embedder(settings.embedding_model) if settings.embedding_model else None,
    }
    store = IndexStore(settings.data_dir / "index")
    source = bank_files_digest(bank_dir) if bank_dir.is_dir() else None
    if source and not need_bank:
        restored = Matcher.restore(store, index_source=source, **options)
        if restored is not None:
            return None, restored, lambda: None
    # Matching never renders a detail: `vouch match` leaves that check to `bank check` and fill.
    bank = load_bank(bank_dir, check_details=need_bank)
    matcher = Matcher(bank.entries, **options)
    # Files edited while they were read must not be stored under the digest of either version.
    if source is None or source != bank_files_digest(bank_dir):
        return bank, matcher, lambda: None
    return bank, matcher, functools.partial(matcher.keep_index, store, index_source=source)


def cmd_fill(args: argparse.Namespace, settings: Settings) -> int:
    from app.core.answering import auto_writes, propose, report_rows, summarize
    from app.core.formats import fill_questionnaire_file, read_questionnaire_file

    source, target = Path(args.input), Path(args.output)
    if not source.is_file():
        raise CliError(f"{source}: no such file")
    if target.resolve() == source.resolve():
        raise CliError(
            "the output must be a different file from the input; Vouch never overwrites it"
        )
    bank, matcher, keep_index = _matcher_for(_bank_dir(args.bank, settings), settings)
    keep_index()
    content = source.read_bytes()
    from app.services.questionnaires import precheck

    precheck(filename=source.name, content=content, settings=settings)
    detection = read_questionnaire_file(content)
    proposals = propose(detection.rows, matcher=matcher, entries=bank.by_id(), profile=bank.profile)
    result = fill_questionnaire_file(
        content, detection, auto_writes(proposals), overwrite=args.overwrite
    )
    if result.extension != target.suffix.lower():
        target = target.with_suffix(result.extension)
    target.write_bytes(result.data)
    rows = report_rows(proposals, result.outcomes)
    report = {
        "input": str(source),
        "output": str(target),
        "summary": summarize(rows, result),
        "detection": {
            "confident": detection.confident,
            "warnings": list(detection.warnings),
            "skipped_sheets": list(detection.skipped_sheets),
        },
        "fidelity": result.fidelity.to_dict(),
        "rows": rows,
    }
    if args.report:
        Path(args.report).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    s = summarize(rows, result)
    print(
        f"{s['rows']} question rows: {s['auto']} auto, {s['suggest']} suggest, {s['none']} none; "
        f"{s['written']} written to {target}; fidelity {'ok' if result.fidelity.ok else 'FAILED'}"
    )
    return 0 if result.fidelity.ok else 1


# At most this many questions are matched together; a pipe delivers up to 64 KiB at a time.
MATCH_BATCH = 1_000


def _input_batches(stream: Any) -> Iterator[list[bytes]]:
    """Yield the complete lines of a stream in batches, as soon as they arrive.

    Each batch holds the lines that were already waiting (up to MATCH_BATCH), so a file or a
    busy pipe is matched in large batches while a person typing one line at a time gets each
    answer at once. A last line without a newline counts at the end of the input.
    """
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        descriptor = None
    if descriptor is None:
        lines = [line.encode("utf-8") for line in stream]
        for start in range(0, len(lines), MATCH_BATCH):
            yield [line.rstrip(b"\r\n") for line in lines[start : start + MATCH_BATCH]]
        return
    pending = b""
    while True:
        data = os.read(descriptor, 1 << 16)
        if not data:
            if pending:
                yield [pending]
            return
        *complete, pending = (pending + data).split(b"\n")
        for start in range(0, len(complete), MATCH_BATCH):
            yield [line.rstrip(b"\r") for line in complete[start : start + MATCH_BATCH]]


def _parse_match_line(raw: bytes, number: int) -> tuple[str, str | None, str | None] | None:
    """Read one input line into (question, control ID, context); None for a blank line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"line {number}: not UTF-8 text") from exc
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CliError(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise CliError(f'line {number}: expected an object like {{"question": "..."}}')
    control_id, context = item.get("control_id"), item.get("context")
    if not isinstance(control_id, str | None) or not isinstance(context, str | None):
        raise CliError(f'line {number}: "control_id" and "context" must be strings')
    return item["question"], control_id, context


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    if args.top < 1 or args.top > 50:
        raise CliError("--top must be between 1 and 50")
    _, matcher, keep_index = _matcher_for(_bank_dir(args.bank, settings), settings, need_bank=False)
    number, index_kept = 0, False
    for batch in _input_batches(sys.stdin):
        queries: list[tuple[str, str | None, str | None]] = []
        problem: CliError | None = None
        for raw in batch:
            number += 1
            try:
                query = _parse_match_line(raw, number)
            except CliError as exc:
                # Answer the lines before the bad one, in order, then stop on it.
                problem = exc
                break
            if query is not None:
                queries.append(query)
        for (question, _, _), matches in zip(
            queries, matcher.match_many(queries, top=args.top), strict=True
        ):
            out = {
                "question": question,
                "matches": [
                    {"entry_id": m.entry_id, "score": round(m.score, 4), "band": m.band}
                    for m in matches
                ],
            }
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        if not index_kept:
            # After the first answers are out: storing a fresh index costs about half a second.
            keep_index()
            index_kept = True
        if problem is not None:
            raise problem
    if not index_kept:
        keep_index()
    return 0


def cmd_bank_check(args: argparse.Namespace, settings: Settings) -> int:
    from app.core.bank import load_bank

    directory = _bank_dir(args.directory, settings)
    bank = load_bank(directory)
    statuses: dict[str, int] = {}
    for entry in bank.entries:
        statuses[entry.status] = statuses.get(entry.status, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(f"{directory}: {len(bank.entries)} entries ({counts}); every detail renders")
    return 0


def cmd_bank_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import bank_transfer

    with get_database().session(write=True) as db_session:
        outcome = bank_transfer.import_directory(
            db_session=db_session,
            directory=Path(args.directory),
            actor="cli",
            accept_conflicting=args.accept_conflicting,
        )
    counts = outcome.counts()
    print(
        f"added {counts['added']}, changed {counts['changed']}, unchanged {counts['unchanged']}, "
        f"conflicting {counts['conflicting']}"
    )
    for change in outcome.conflicting:
        state = "applied" if outcome.applied_conflicting else "held back"
        print(
            f"  conflicting {change.current.id} ({state}): approved answer "
            f"{change.current.answer!r} -> {change.incoming.answer!r}"
        )
    if outcome.conflicting and not outcome.applied_conflicting:
        print("review these in the bank, or import again with --accept-conflicting")
        return 1
    return 0


def cmd_bank_export(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import bank_transfer

    directory = Path(args.directory)
    with get_database().session(write=True) as db_session:
        if args.format == "yaml":
            written = bank_transfer.export_directory(db_session=db_session, directory=directory)
            print(f"wrote {len(written)} files to {directory}")
            return 0
        content = bank_transfer.export_table(
            db_session=db_session,
            kind=args.format,
            default_review_days=settings.default_review_days,
            actor="cli",
        )
    target = directory / f"answer-bank.{args.format}" if directory.is_dir() else directory
    target.write_bytes(content)
    print(f"wrote {target}")
    return 0


def cmd_bank_harvest(args: argparse.Namespace, settings: Settings) -> int:
    from app.core.harvest_files import summary_line, workbook_paths, write_harvest
    from app.services.questionnaires import precheck

    paths = workbook_paths(args.workbook)
    files = []
    for path in paths:
        content = path.read_bytes()
        precheck(filename=path.name, content=content, settings=settings)
        files.append((path.name, content))
    if args.out:
        from app.core.bank import load_bank
        from app.core.harvest import harvest_workbooks
        from app.core.matching import Matcher

        bank = load_bank(_bank_dir(args.bank, settings))
        result = harvest_workbooks(
            files,
            bank=bank.by_id(),
            matcher=Matcher(bank.entries),
            owner=args.owner,
            profile=bank.profile,
        )
        out = Path(args.out)
        write_harvest(result, directory=out)
        print(f"{summary_line(result)}; written to {out}/")
    else:
        from app.db import get_database
        from app.services import bank_harvest

        label = ", ".join(name for name, _ in files)
        with get_database().session(write=True) as db_session:
            result = bank_harvest.harvest_files(
                db_session=db_session, files=files, owner=args.owner
            )
            stored = bank_harvest.save_harvest(
                db_session=db_session, result=result, source_name=label, actor="cli"
            )
        print(
            f"{summary_line(result)}; {len(stored.drafts)} drafts saved, "
            f"{len(stored.queued)} other wordings and {len(stored.updates_queued)} updates "
            f"queued for review at /bank/proposals"
            + (f" ({stored.skipped} already queued or in the entry)" if stored.skipped else "")
        )
    for conflict in result.conflicts:
        print(f"  answered differently: {conflict.source} and {conflict.first}")
    return 0


def cmd_bank_approve(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import bank_entries

    if not args.all and not args.ids:
        raise CliError("name the drafts to approve, or pass --all after reading them")
    with get_database().session(write=True) as db_session:
        approved = bank_entries.approve_drafts(
            db_session=db_session,
            actor=args.actor,
            entry_ids=None if args.all else args.ids,
            reason=args.reason,
        )
    print(f"approved {len(approved)} drafts")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    print("database is at the latest revision")
    return 0


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.security import new_password
    from app.services import accounts

    password = new_password()
    with get_database().session(write=True) as db_session:
        accounts.create_user(
            db_session=db_session,
            username=args.name,
            password=password,
            role=args.role,
            actor="cli",
        )
    print(f"created user {args.name.lower()} with role {args.role}; password (shown once):")
    print(password)
    return 0


def cmd_apikey_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import accounts

    with get_database().session(write=True) as db_session:
        key, secret = accounts.create_api_key(
            db_session=db_session, name=args.name, role=args.role, actor="cli"
        )
    print(f"created API key '{key.name}' with role {key.role}; it is shown once:")
    print(secret)
    return 0


def _user_named(db_session: Any, name: str) -> Any:
    from app.services import accounts

    found = next(
        (u for u in accounts.list_users(db_session=db_session) if u.username == name.lower()),
        None,
    )
    if found is None:
        raise CliError(f"no user '{name}'")
    return found


def cmd_users_set_active(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import accounts

    active = args.users_command == "enable"
    with get_database().session(write=True) as db_session:
        user = _user_named(db_session, args.name)
        accounts.set_user_active(db_session=db_session, user_id=user.id, active=active, actor="cli")
    print(f"user {user.username} is {'enabled' if active else 'disabled; its sessions ended'}")
    return 0


def cmd_apikey_list(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import accounts

    with get_database().session() as db_session:
        keys = accounts.list_api_keys(db_session=db_session)
    for key in keys:
        used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
        state = "revoked" if key.revoked_at else "live"
        print(f"{key.id}\tvch_{key.prefix}_…\t{key.role}\t{state}\tlast used {used}\t{key.name}")
    return 0


def cmd_apikey_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import accounts

    with get_database().session(write=True) as db_session:
        key = accounts.revoke_api_key(db_session=db_session, key_id=args.id, actor="cli")
    print(f"API key {key.id} ('{key.name}') is revoked")
    return 0


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import audit

    with get_database().session(write=True) as db_session:
        events = audit.all_events(db_session=db_session, action=args.action)
        audit.record(
            db_session=db_session,
            actor="cli",
            action="audit.export",
            details={"events": len(events)},
        )
        text = audit.as_csv(events)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(events)} audit events to {args.output}")
    return 0


def _print_rows(rows: dict[str, int]) -> None:
    print(", ".join(f"{table} {count}" for table, count in rows.items()))


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import backup

    report = backup.backup(database=get_database(), target=Path(args.path))
    print(f"backed up to {report.path} (schema {report.revision or 'unversioned'}):")
    _print_rows(report.rows)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import get_database
    from app.services import backup

    if not args.yes:
        raise CliError(
            "a restore replaces every row; stop `vouch serve` and workers, then run it again with --yes"
        )
    report = backup.restore(database=get_database(), source=Path(args.path))
    print(f"restored {args.path} into {report.path} (schema {report.revision or 'unversioned'}):")
    _print_rows(report.rows)
    if report.previous:
        print(f"the database it replaced is kept at {report.previous}")
    print("run `vouch db upgrade` if the backup is from an older version")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    # A new data directory is migrated here, as `make run` does, so the first start needs no
    # second command; on a current database this is a no-op.
    _migrate(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal
    import threading

    from app.db import get_database
    from app.services import jobs, questionnaires

    jobs.register(questionnaires.FILL_JOB)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _migrate(settings)
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


def build_parser() -> argparse.ArgumentParser:
    """Describe every command and its options."""
    from app.security import ROLES

    parser = argparse.ArgumentParser(
        prog="vouch", description="Security questionnaire auto-responder."
    )
    commands = parser.add_subparsers(dest="command", required=True)

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

    fill = commands.add_parser(
        "fill", help="fill a questionnaire offline, with no server and no database"
    )
    fill.add_argument("input", metavar="IN", help=".xlsx, .xlsm, .docx, .docm, .csv or .tsv")
    fill.add_argument("-o", "--output", required=True, metavar="OUT")
    fill.add_argument("--bank", metavar="DIR")
    fill.add_argument("--report", metavar="REPORT.json")
    fill.add_argument(
        "--overwrite", action="store_true", help="replace answers the workbook already holds"
    )
    fill.set_defaults(run=cmd_fill)

    match = commands.add_parser(
        "match", help="match JSON Lines of questions from stdin against the bank"
    )
    match.add_argument("--bank", metavar="DIR")
    match.add_argument("--top", type=int, default=3)
    match.set_defaults(run=cmd_match)

    bank = commands.add_parser("bank", help="work with answer-bank files").add_subparsers(
        dest="bank_command", required=True
    )
    check = bank.add_parser("check", help="validate a bank directory")
    check.add_argument("directory", nargs="?", metavar="DIR")
    check.set_defaults(run=cmd_bank_check)
    imp = bank.add_parser("import", help="upsert a bank directory into the database")
    imp.add_argument("directory", metavar="DIR")
    imp.add_argument(
        "--accept-conflicting",
        action="store_true",
        help="also apply changes to the answers of approved entries",
    )
    imp.set_defaults(run=cmd_bank_import)
    exp = bank.add_parser("export", help="write the bank as YAML files (or one .csv/.xlsx)")
    exp.add_argument("directory", metavar="DIR")
    exp.add_argument("--format", choices=("yaml", "csv", "xlsx"), default="yaml")
    exp.set_defaults(run=cmd_bank_export)
    harvest = bank.add_parser(
        "harvest", help="turn answered questionnaires into drafts, other wordings and updates"
    )
    harvest.add_argument(
        "workbook",
        nargs="+",
        metavar="COMPLETED",
        help="questionnaires (.xlsx, .xlsm, .docx, .docm, .csv, .tsv), or folders of them",
    )
    harvest.add_argument(
        "--out",
        metavar="DIR",
        help="write drafts/, alternates.yaml and updates.yaml here, not to the database",
    )
    harvest.add_argument("--bank", metavar="DIR", help="the bank to deduplicate against (--out)")
    harvest.add_argument("--owner", help="owner of the drafts")
    harvest.set_defaults(run=cmd_bank_harvest)
    approve = bank.add_parser("approve", help="approve drafts, recorded as versions")
    approve.add_argument("ids", nargs="*", metavar="ID")
    approve.add_argument("--all", action="store_true", help="approve every draft")
    approve.add_argument("--actor", default="cli", help="who approves, for the history")
    approve.add_argument("--reason", help="why, for the history")
    approve.set_defaults(run=cmd_bank_approve)

    db = commands.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the latest revision").set_defaults(
        run=cmd_db_upgrade
    )

    users = commands.add_parser("users", help="accounts").add_subparsers(
        dest="users_command", required=True
    )
    create_user = users.add_parser("create", help="create an account with a random password")
    create_user.add_argument("name")
    create_user.add_argument("--role", default="responder", choices=ROLES)
    create_user.set_defaults(run=cmd_users_create)
    for verb, text in (
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable an account"),
    ):
        toggle = users.add_parser(verb, help=text)
        toggle.add_argument("name")
        toggle.set_defaults(run=cmd_users_set_active)

    apikey = commands.add_parser("apikey", help="API keys").add_subparsers(
        dest="apikey_command", required=True
    )
    create_key = apikey.add_parser("create", help="create an API key; it is printed once")
    create_key.add_argument("--name", required=True)
    create_key.add_argument("--role", default="responder", choices=ROLES)
    create_key.set_defaults(run=cmd_apikey_create)
    apikey.add_parser("list", help="list keys with their role and last use").set_defaults(
        run=cmd_apikey_list
    )
    revoke_key = apikey.add_parser("revoke", help="revoke a key at once")
    revoke_key.add_argument("id", type=int)
    revoke_key.set_defaults(run=cmd_apikey_revoke)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True
    )
    export_audit = audit.add_parser("export", help="write the audit log as CSV")
    export_audit.add_argument("output", nargs="?", metavar="FILE.csv", help="default: stdout")
    export_audit.add_argument("--action", help="only events of this action, e.g. login.fail")
    export_audit.set_defaults(run=cmd_audit_export)

    backup = commands.add_parser(
        "backup", help="copy the SQLite database to a new file, safely while serving"
    )
    backup.add_argument("path", metavar="PATH")
    backup.set_defaults(run=cmd_backup)
    restore = commands.add_parser(
        "restore", help="replace the SQLite database with a backup (server stopped)"
    )
    restore.add_argument("path", metavar="PATH")
    restore.add_argument("--yes", action="store_true", help="confirm replacing every row")
    restore.set_defaults(run=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `vouch` command and return its exit status."""
    args = build_parser().parse_args(argv)
    from app.services.thresholds import thresholds_for

    try:
        settings = get_settings()
        thresholds_for(settings)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            name = f"VOUCH_{field.upper()}: " if field else ""
            message = error["msg"].removeprefix("Value error, ")
            print(f"vouch: configuration: {name}{message}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"vouch: configuration: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.run(args, settings))
    except (CliError, VouchError, ValueError, OSError) as exc:
        print(f"vouch: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
