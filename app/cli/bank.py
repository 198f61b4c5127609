"""`vouch bank ...`: check, import, export, harvest and approve answer-bank entries."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import CliError, bank_dir
from app.config import Settings


def cmd_bank_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate a bank directory and count its entries by status."""
    from app.core.bank import load_bank

    directory = bank_dir(args.directory, settings)
    bank = load_bank(directory)
    statuses: dict[str, int] = {}
    for entry in bank.entries:
        statuses[entry.status] = statuses.get(entry.status, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(f"{directory}: {len(bank.entries)} entries ({counts}); every detail renders")
    return 0


def cmd_bank_import(args: argparse.Namespace, settings: Settings) -> int:
    """Upsert a bank directory into the database; hold back conflicting answers."""
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
    """Write the bank as YAML files, or as one CSV or XLSX table."""
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
    """Harvest answered questionnaires into drafts, other wordings and updates."""
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

        bank = load_bank(bank_dir(args.bank, settings))
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
    """Approve the named drafts, or every draft, as new versions."""
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


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `bank` and its subcommands to the command parser."""
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
