"""The API a sales-ops tool integrates with: a coverage quote, webhook subscriptions and their log."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from app.api.idempotent import respond_once
from app.api.questionnaires import ERRORS, NOT_FOUND
from app.api.schemas import ErrorBody, QuestionText
from app.deps import (
    ApiError,
    CanMatch,
    CanReadQuestionnaires,
    DatabaseDep,
    RowId,
    SessionDep,
    SettingsDep,
    StepsDep,
    Writes,
    WritesInSteps,
)
from app.form_parts import refuse_repeated_parts
from app.models import WebhookDelivery, WebhookSubscription
from app.services import quotes, webhooks
from app.services.bank import MatchContext, match_context
from app.services.idempotency import Reservation

router = APIRouter(prefix="/api/v1", tags=["integration"], responses=ERRORS)

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The same Idempotency-Key is still in flight"}
}


class QuoteRequest(BaseModel):
    questions: list[QuestionText] = Field(min_length=1, max_length=5_000)


class QuoteOut(BaseModel):
    source: str = Field(description="'workbook' or 'questions'")
    rows: int
    auto: int
    suggest: int
    none: int
    seconds_per_row: dict[str, int] = Field(description="The review time assumed per band")
    estimated_review_seconds: int
    estimated_review_minutes: float
    sheets: list[str] = []
    warnings: list[str] = []


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    events: list[Annotated[str, Field(max_length=64)]] = Field(
        default=list(webhooks.EVENTS), min_length=1, max_length=10
    )


class SubscriptionOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: Any
    created_by: str


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret; shown only in this response")


class DeliveryOut(BaseModel):
    id: str
    subscription_id: int
    event: str
    event_id: str
    questionnaire_id: str | None
    status: str = Field(description="pending | sending | delivered | failed")
    attempts: int
    next_attempt_at: Any
    last_status_code: int | None
    last_error: str | None
    log: list[dict[str, Any]]
    created_at: Any
    delivered_at: Any | None


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


QUOTE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": QuoteRequest.model_json_schema()},
        },
    }
}


def _questions_of(body: bytes) -> tuple[list[str], list[bytes]]:
    """Read a JSON quote request: its questions, and the parts its idempotency key covers."""
    try:
        parsed = QuoteRequest.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ApiError(422, "invalid", f"{where or 'body'}: {first['msg']}") from exc
    # Each question is its own length-prefixed part: as exact as the JSON text, without
    # re-encoding 20 MB in one call that holds the interpreter lock (measured: 0.3-0.5 s).
    return parsed.questions, [b"questions", *(q.encode("utf-8") for q in parsed.questions)]


@router.post(
    "/quote",
    response_model=QuoteOut,
    responses=CONFLICT,
    openapi_extra=QUOTE_BODY,
    operation_id="quote_coverage",
    # Stores nothing but the idempotent replay; a second file part is refused, naming the field.
    dependencies=[WritesInSteps, Depends(refuse_repeated_parts)],
)
async def quote_coverage(
    request: Request,
    principal: CanMatch,
    db_session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Tell how much Vouch would answer, and the review time left, without storing anything.

    Send a workbook as multipart `file`, or JSON `{"questions": [...]}`.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "invalid", "file: send the workbook as a multipart field 'file'")
        content = await upload.read()
        filename = upload.filename or "questionnaire.xlsx"
        digest = await run_in_threadpool(lambda: hashlib.sha256(content).digest())
        parts = [b"file", filename.encode("utf-8"), digest]
        questions: list[str] | None = None
    else:
        # Off the event loop: 5,000 questions of 4,000 characters are 20 MB of JSON.
        questions, parts = await run_in_threadpool(_questions_of, await request.body())

    # Off the event loop: rebuilding the index after a bank change takes a while.
    context: MatchContext = await run_in_threadpool(
        match_context, db_session=db_session, settings=settings
    )

    async def produce(_reservation: Reservation | None) -> Response:
        # A quote stores nothing, so a retry after a crash simply quotes again.
        if questions is None:
            quote = await run_in_threadpool(
                quotes.for_workbook,
                filename=filename,
                content=content,
                settings=settings,
                context=context,
            )
        else:
            quote = await run_in_threadpool(quotes.for_questions, questions, context=context)
        return JSONResponse(jsonable_encoder(quote.as_dict()))

    return await respond_once(
        request,
        principal=principal,
        database=database,
        settings=settings,
        body_parts=parts,
        produce=produce,
    )


def subscription_out(subscription: WebhookSubscription) -> dict[str, Any]:
    """Describe a subscription, never with its secret."""
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
        "created_at": subscription.created_at,
        "created_by": subscription.created_by,
    }


@router.post(
    "/webhooks",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=CONFLICT,
    operation_id="create_webhook",
    dependencies=[WritesInSteps],
)
async def create_webhook(
    request: Request,
    body: SubscriptionIn,
    principal: CanReadQuestionnaires,
    steps: StepsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Register a URL for this key's questionnaire events; the signing secret is shown once."""

    def create(reservation: Reservation | None) -> dict[str, Any]:
        with steps.write() as db_session:
            subscription, secret = webhooks.create_subscription(
                db_session=db_session,
                principal=principal,
                url=body.url,
                events=body.events,
                settings=settings,
                reservation=reservation,
            )
            return {**subscription_out(subscription), "secret": secret}

    async def produce(reservation: Reservation | None) -> Response:
        out = await run_in_threadpool(create, reservation)
        return JSONResponse(jsonable_encoder(out), status_code=201)

    async def resume(subscription_id: str) -> Response:
        # The secret is shown once and that response died with its server: it cannot be replayed.
        raise ApiError(
            409,
            "idempotency_response_lost",
            f"webhook {subscription_id} was created under this Idempotency-Key but the server "
            "stopped before answering, so its secret was never shown; delete it and register again",
        )

    return await respond_once(
        request,
        principal=principal,
        database=database,
        settings=settings,
        body_parts=[body.model_dump_json().encode("utf-8")],
        produce=produce,
        resume=resume,
    )


@router.get("/webhooks", response_model=list[SubscriptionOut], operation_id="list_webhooks")
def list_webhooks(principal: CanReadQuestionnaires, db_session: SessionDep) -> list[dict[str, Any]]:
    """List this key's webhook subscriptions (every one, for an admin key)."""
    return [
        subscription_out(s)
        for s in webhooks.list_subscriptions(db_session=db_session, principal=principal)
    ]


@router.delete(
    "/webhooks/{subscription_id}",
    status_code=204,
    responses=NOT_FOUND,
    response_class=Response,
    operation_id="delete_webhook",
    dependencies=[Writes],
)
def delete_webhook(
    subscription_id: RowId, principal: CanReadQuestionnaires, db_session: SessionDep
) -> Response:
    """Remove a subscription; its pending deliveries are dropped."""
    webhooks.delete_subscription(
        db_session=db_session, principal=principal, subscription_id=subscription_id
    )
    return Response(status_code=204)


def delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    """Describe a delivery and its attempts."""
    return delivery.model_dump(exclude={"body", "lease_expires_at"})


@router.get(
    "/webhook-deliveries", response_model=DeliveryList, operation_id="list_webhook_deliveries"
)
def list_webhook_deliveries(
    principal: CanReadQuestionnaires,
    db_session: SessionDep,
    subscription_id: int | None = None,
    status: Annotated[str | None, Query(pattern="^(pending|sending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The delivery log, newest first: this key's deliveries, or every one for an admin key."""
    items, total = webhooks.list_deliveries(
        db_session=db_session,
        principal=principal,
        subscription_id=subscription_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [delivery_out(d) for d in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.post(
    "/webhook-deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    responses=NOT_FOUND,
    operation_id="retry_webhook_delivery",
    dependencies=[WritesInSteps],
)
def retry_webhook_delivery(
    delivery_id: str, request: Request, principal: CanReadQuestionnaires, steps: StepsDep
) -> dict[str, Any]:
    """Send a delivery again now, e.g. after the receiver was fixed."""
    # Committed before the worker is woken, so the worker finds it.
    with steps.write() as db_session:
        delivery = webhooks.redeliver(
            db_session=db_session, principal=principal, delivery_id=delivery_id
        )
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return delivery_out(delivery)
