"""Administration: `vouch db`, `users`, `apikey`, `audit`, `backup` and `restore`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import CliError, migrate
from app.config import Settings


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the database to the latest revision."""
    migrate(settings)
    print("database is at the latest revision")
    return 0


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create an account with a random password, printed once."""
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
    """Create an API key and print its secret once."""
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
    """Enable or disable an account."""
    from app.db import get_database
    from app.services import accounts

    active = args.users_command == "enable"
    with get_database().session(write=True) as db_session:
        user = _user_named(db_session, args.name)
        accounts.set_user_active(db_session=db_session, user_id=user.id, active=active, actor="cli")
    print(f"user {user.username} is {'enabled' if active else 'disabled; its sessions ended'}")
    return 0


def cmd_apikey_list(args: argparse.Namespace, settings: Settings) -> int:
    """List API keys with their role, state and last use."""
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
    """Revoke an API key at once."""
    from app.db import get_database
    from app.services import accounts

    with get_database().session(write=True) as db_session:
        key = accounts.revoke_api_key(db_session=db_session, key_id=args.id, actor="cli")
    print(f"API key {key.id} ('{key.name}') is revoked")
    return 0


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the audit log as CSV and record the export."""
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
    """Copy the SQLite database to a new file."""
    from app.db import get_database
    from app.services import backup

    report = backup.backup(database=get_database(), target=Path(args.path))
    print(f"backed up to {report.path} (schema {report.revision or 'unversioned'}):")
    _print_rows(report.rows)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the SQLite database with a checked backup."""
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


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the administration commands to the command parser."""
    # Not from app.security: its Argon2 and cryptography imports would slow every command.
    from app.roles import ROLES

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
