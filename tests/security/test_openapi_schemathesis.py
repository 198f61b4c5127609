"""schemathesis against /openapi.json: no 5xx and no response that breaks the schema."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlmodel import SQLModel

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.services import accounts

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def started_app() -> tuple[object, dict[str, str]]:
    """Build and start an app on its own SQLite file; return it and an admin key's headers."""
    directory = Path(tempfile.mkdtemp(prefix="vouch-schemathesis-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    database = Database(f"sqlite:///{directory / 'vouch.db'}")
    SQLModel.metadata.create_all(database.engine)
    app_settings = Settings(
        environment="test",
        data_dir=directory / "var",
        bank_dir=REPO / "answer_bank",
        secret_key="schemathesis-secret-key",
        # The fuzzer is not an abusive client; it sends hundreds of requests a minute.
        api_requests_per_minute=1_000_000,
        _env_file=None,  # type: ignore[call-arg]
    )
    application = create_app(app_settings, database)
    with TestClient(application):  # runs the lifespan: first admin, bundled bank
        pass
    with database.session(write=True) as db_session:
        _, secret = accounts.create_api_key(
            db_session=db_session, name="schemathesis", role="admin", actor="test"
        )
    return application, {"Authorization": f"Bearer {secret}"}


# The checklist's bar: no 5xx and nothing outside the documented statuses, types and shapes.
# (Whether a schema-valid request may still be refused on business rules is left to each route.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
APP, HEADERS = started_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_generated_request_within_its_schema(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
