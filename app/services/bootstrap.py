"""First start: an admin account, the bundled answer bank, and recovery from an interrupted run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from app.config import Settings
from app.db import Database, named_lock
from app.security import new_password
from app.services import accounts, bank_transfer, jobs
from app.services import bank as bank_service

log = logging.getLogger("vouch")
ADMIN_PASSWORD_FILE = "initial-admin-password"


@dataclass(frozen=True)
class BootstrapReport:
    """What the first start did."""

    admin_password: str | None
    bank_entries_loaded: int
    interrupted_failed: int


def bootstrap(*, database: Database, settings: Settings) -> BootstrapReport:
    """Creates the first admin, loads the bundled bank into an empty database, and fails orphaned work."""
    password = None
    loaded = 0
    with database.session(write=True) as db_session:
        # Instances started together each find the database empty; the first fills it and the
        # others, waiting here, find it filled.
        named_lock(db_session, "vouch.first-start")
        if accounts.count_users(db_session=db_session) == 0:
            password = new_password()
            accounts.create_user(
                db_session=db_session,
                username="admin",
                password=password,
                role="admin",
                actor="system",
            )
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            path = settings.data_dir / ADMIN_PASSWORD_FILE
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            os.chmod(path, 0o600)
        if bank_service.is_empty(db_session=db_session) and settings.bank_dir.is_dir():
            # The curator-safe import, the one the CLI uses: an empty bank has nothing to hold back.
            report = bank_transfer.import_directory(
                db_session=db_session, directory=settings.bank_dir, actor="system"
            )
            loaded = len(report.added)
        # Jobs in flight resume once their lease lapses; only work with no job left is failed here.
        failed = jobs.fail_orphans(db_session=db_session)
    return BootstrapReport(
        admin_password=password, bank_entries_loaded=loaded, interrupted_failed=failed
    )
