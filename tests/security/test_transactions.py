"""Who owns a transaction: routes declare whether they write, and what records an audit row writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from app import deps
from app.db import Database
from app.models import AuditEvent, BankState
from app.services import audit
from tests.conftest import bearer
from tests.web.test_login import log_in

# Reads that record who downloaded what: each must run in a write transaction.
AUDITED_READS = {
    "/api/v1/bank/export",
    "/api/v1/questionnaires/{questionnaire_id}/workbook",
    "/api/v1/questionnaires/{questionnaire_id}/signed",
    "/bank/export.{kind}",
    "/admin/audit.csv",
    "/questionnaires/{questionnaire_id}/workbook",
    "/questionnaires/{questionnaire_id}/signed",
}


def test_every_route_that_records_a_download_declares_that_it_writes(app) -> None:  # type: ignore[no-untyped-def]
    routes = {r.path: r for r in deps.every_route(app.routes) if isinstance(r, APIRoute)}
    assert set(routes) >= AUDITED_READS
    assert [
        path for path in sorted(AUDITED_READS) if deps.declared(routes[path]) is not deps.writes
    ] == []


def test_every_route_with_an_unsafe_method_says_whether_it_writes(app) -> None:  # type: ignore[no-untyped-def]
    assert deps.undeclared_routes(app.routes) == []
    unsafe = [
        r for r in deps.every_route(app.routes) if isinstance(r, APIRoute) and r.methods - {"GET"}
    ]
    assert len(unsafe) > 40, "the walk sees the routes inside included routers"


def test_an_audit_row_in_a_read_transaction_is_refused_not_lost(database: Database) -> None:
    with database.session() as db_session, pytest.raises(RuntimeError):
        audit.record(db_session=db_session, actor="test", action="test.read")


def _competing_writer(database: Database) -> Callable[..., Any]:
    """Wrap audit.record so another connection commits just before the audit row is added."""
    path = database.engine.url.database
    real = audit.record

    def record(**kwargs: Any) -> AuditEvent:
        other = sqlite3.connect(str(path), timeout=0)
        try:
            other.execute("UPDATE bank_state SET revision = revision + 1")
            other.commit()
        except sqlite3.OperationalError:
            pass  # the request holds the write lock already: nobody can slip in between
        finally:
            other.close()
        return real(**kwargs)

    return record


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_audited_exports_survive_a_writer_committing_in_between(
    client: TestClient, database: Database, make_key, make_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    with database.session(write=True) as db_session:
        if db_session.get(BankState, 1) is None:
            db_session.add(BankState(id=1, revision=0))
    monkeypatch.setattr(audit, "record", _competing_writer(database))
    headers = bearer(make_key("curator"))
    username, password = make_user("ada", "admin")

    api = client.get("/api/v1/bank/export", params={"format": "csv"}, headers=headers)
    log_in(client, username, password)
    web = client.get("/bank/export.csv")
    admin = client.get("/admin/audit.csv")

    assert (api.status_code, web.status_code, admin.status_code) == (200, 200, 200), api.text
    with database.session() as db_session:
        actions = [e.action for e in db_session.exec(select(AuditEvent))]
    assert actions.count("bank.export") == 2 and "audit.export" in actions
