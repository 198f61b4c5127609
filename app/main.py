"""The ASGI application: pages, API, error mapping and middleware."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import openpyxl
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.bank import router as bank_api_router
from app.api.integration import router as integration_router
from app.api.openapi_errors import declare_error_responses
from app.api.questionnaires import router as api_router
from app.api.review import router as review_api_router
from app.config import Settings, get_settings
from app.db import BUSY_RETRY_AFTER_SECONDS, Database, get_database, is_busy
from app.deps import ApiError, undeclared_routes
from app.middleware import BodySizeLimit, SecurityHeaders
from app.ratelimit import RateLimiter
from app.refusals import REFUSALS, refusal_for, refusal_message
from app.services import jobs, questionnaires
from app.services.bank import match_context
from app.services.bootstrap import bootstrap
from app.services.jobs import QueueFull
from app.services.storage import storage_failure, unwritable
from app.services.thresholds import thresholds_for
from app.web.admin import router as admin_router
from app.web.auth import CsrfFailure, LoginRequired, PageForbidden
from app.web.bank import router as bank_web_router
from app.web.home import router as web_router
from app.web.integration import router as integration_web_router
from app.web.login import router as login_router
from app.web.mapping import router as mapping_web_router
from app.web.review import FRAGMENT_HEADER
from app.web.review import router as review_web_router
from app.web.templating import templates

log = logging.getLogger("vouch")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """Answer an error as JSON for the API, as text to a page's script, and as a page otherwise."""
    if not _is_api(request) and request.headers.get(FRAGMENT_HEADER) == "1":
        # The review page's script asked for a fragment: it shows the words where the row was.
        return Response(message, status_code=status, headers=headers, media_type="text/plain")
    if _is_api(request) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(
            {"error": {"code": code, "message": message}}, status_code=status, headers=headers
        )
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": message.capitalize() if status != 500 else "Something went wrong",
            "message": message,
            "user": None,
            "csrf_token": None,
        },
        status_code=status,
        headers=headers,
    )


_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to HTTP statuses in one place; nothing leaks a traceback."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status_code, exc.code, str(exc.detail), exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(
            request,
            exc.status_code,
            _CODES.get(exc.status_code, "error"),
            str(exc.detail),
            getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = (
            f"{where}: {first.get('msg', 'invalid')}"
            if where
            else str(first.get("msg", "invalid request"))
        )
        return error_response(request, 422, "invalid", message)

    async def _refused(request: Request, exc: Exception) -> Response:
        refusal = refusal_for(exc)
        return error_response(request, refusal.status, refusal.code, refusal_message(exc))

    for refused in REFUSALS:
        app.add_exception_handler(refused, _refused)

    @app.exception_handler(QueueFull)
    async def _queue_full(request: Request, exc: QueueFull) -> Response:
        return error_response(
            request, 429, "queue_full", str(exc), {"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            return RedirectResponse(request.url_for("login"), status_code=303)
        return error_response(request, 401, "unauthenticated", "log in first")

    @app.exception_handler(CsrfFailure)
    async def _csrf(request: Request, exc: CsrfFailure) -> Response:
        return error_response(request, 403, "csrf", str(exc))

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return error_response(request, 403, "forbidden", "your role may not do this")

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: Exception) -> Response:
        if is_busy(exc):
            log.warning("%s %s: database busy (%s)", request.method, request.url.path, exc)
            return error_response(
                request,
                503,
                "busy",
                "the server is too busy to take this request now; "
                "retry after a moment (with the same Idempotency-Key for an upload)",
                {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
            )
        failure = storage_failure(exc)
        if failure is None:
            return await _unexpected(request, exc)
        log.error("%s %s: %s (%s)", request.method, request.url.path, failure.message, exc)
        # 507 Insufficient Storage: the request was fine, the server could not keep it.
        return error_response(request, 507, failure.code, failure.message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            request, 500, "internal", "an unexpected error occurred; it has been logged"
        )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the application for some settings and database (the process's own by default)."""
    settings = settings or get_settings()
    if not openpyxl.DEFUSEDXML:
        raise RuntimeError(
            "defusedxml must be installed: openpyxl would parse untrusted XML unprotected"
        )
    # Refuse thresholds out of order now, not at the first match.
    thresholds_for(settings)
    jobs.register(questionnaires.FILL_JOB)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        report = bootstrap(database=app.state.database, settings=settings)
        if report.admin_password:
            print(
                f"Created the first account: admin / {report.admin_password}\n"
                f"(also written to {settings.data_dir / 'initial-admin-password'}; change it after logging in)",
                flush=True,
            )
        if report.bank_entries_loaded:
            log.warning(
                "loaded %d answer-bank entries from %s",
                report.bank_entries_loaded,
                settings.bank_dir,
            )
        # Build the index now, so the first request does not pay for it.
        with app.state.database.session() as db_session:
            match_context(db_session=db_session, settings=settings)
        # What start-up built lives as long as the process: keeping it out of the collector's
        # full passes stops them pausing every thread, the event loop's too, for 0.2-0.6 s
        # while a large quote allocates (measured: 5,000 questions of 4,000 characters).
        gc.freeze()
        worker = None
        if settings.worker_threads:
            worker = jobs.Worker(
                database=app.state.database, settings=settings, threads=settings.worker_threads
            )
            worker.start()
        app.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="Vouch",
        version="0.1.0",
        description="Security questionnaire auto-responder. Authenticate with `Authorization: Bearer <API key>`.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database or get_database()
    app.state.login_limiter = RateLimiter(limit=settings.login_attempts_per_minute)
    app.state.api_limiter = RateLimiter(limit=settings.api_requests_per_minute)
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(review_api_router)
    app.include_router(integration_router)
    app.include_router(bank_api_router)
    # Before the general pages, so the curator's /bank pages take precedence over the older ones.
    app.include_router(bank_web_router)
    # Before the general pages: the review page serves /questionnaires/{id}.
    app.include_router(review_web_router)
    app.include_router(mapping_web_router)
    app.include_router(integration_web_router)
    app.include_router(login_router)
    app.include_router(web_router)
    app.include_router(admin_router)
    declare_error_responses(app)
    undeclared = undeclared_routes(app.routes)
    if undeclared:
        # A POST that forgot to say it writes would run in a read transaction and lose its work.
        raise RuntimeError(
            f"routes that do not declare Writes, WritesInSteps or Reads: {undeclared}"
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get(
        "/healthz",
        tags=["health"],
        operation_id="healthz",
        responses={503: {"description": "The store cannot take a write: full or read-only"}},
    )
    def healthz() -> Response:
        """Tell a load balancer the process is serving and its store can take a write."""
        failure = unwritable(database=app.state.database)
        if failure is not None:
            return JSONResponse(
                {"status": "unavailable", "store": failure.code, "message": failure.message},
                status_code=503,
            )
        return JSONResponse({"status": "ok"})

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes + 1024 * 1024)
    app.add_middleware(SecurityHeaders)
    return app
