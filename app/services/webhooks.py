"""Webhooks: subscriptions per API key, signed deliveries kept as rows and retried with backoff.

Each delivery is a POST of a JSON body with the header
`Vouch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the subscription's
secret>`. Receivers recompute the HMAC, compare in constant time and refuse a `t` more than five
minutes away from their clock. Every retry is signed afresh with a new `t` over the same body.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.core.errors import VouchError
from app.db import Database, locked
from app.models import ApiKey, Questionnaire, WebhookDelivery, WebhookSubscription, new_id, utcnow
from app.security import (
    SecretUnreadable,
    can,
    new_webhook_secret,
    open_webhook_secret,
    seal_webhook_secret,
)
from app.services import audit, idempotency
from app.services.accounts import Principal

log = logging.getLogger("vouch.webhooks")

EVENTS = ("questionnaire.filled", "questionnaire.signed", "questionnaire.failed")
SIGNATURE_HEADER = "Vouch-Signature"
TOLERANCE_SECONDS = 300
MAX_BACKOFF_SECONDS = 6 * 3600
USER_AGENT = "Vouch-Webhooks/1"
# Cloud instance-metadata endpoints: never a legitimate receiver, the classic SSRF target.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
        "metadata.oraclecloud.com",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

Resolver = Callable[[str, int], Sequence[str]]


class WebhookRefused(VouchError):
    """A webhook URL or subscription request Vouch will not accept; the message says why."""


class SubscriptionNotFound(LookupError):
    """No subscription with that id is visible to the caller."""


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """Return the signature header value for a body sent at a time."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Tell whether a signature header is valid for the body and recent enough."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_url(url: str, *, allow_private: bool, resolve: Resolver = _system_resolver) -> list[str]:
    """Refuse a URL Vouch must not call; return the addresses its host resolves to.

    Only http(s). Link-local and cloud-metadata addresses are always refused; loopback, private and
    other non-public addresses only when `allow_private` is off. Every resolved address is checked,
    so one public record cannot smuggle in a private one.
    """
    if len(url) > 2000:
        raise WebhookRefused("the webhook URL is longer than 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookRefused(f"the webhook URL is malformed ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused("a webhook URL must start with http:// or https://")
    if parts.username or parts.password:
        raise WebhookRefused("a webhook URL must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise WebhookRefused("the webhook URL has no host")
    if host in METADATA_HOSTS:
        raise WebhookRefused(f"'{host}' is a cloud metadata service; webhooks may not call it")
    try:
        addresses = list(resolve(host, port))
    except (OSError, UnicodeError) as exc:
        raise WebhookRefused(f"the host '{host}' does not resolve") from exc
    if not addresses:
        raise WebhookRefused(f"the host '{host}' does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_link_local or ip in METADATA_ADDRESSES:
            raise WebhookRefused(
                f"'{host}' resolves to {ip}, a link-local or metadata address; webhooks may not call it"
            )
        if ip.is_unspecified or ip.is_multicast:
            raise WebhookRefused(f"'{host}' resolves to {ip}, which is not a host")
        if not ip.is_global and not allow_private:
            raise WebhookRefused(
                f"'{host}' resolves to {ip}, a loopback or private address; an admin must set "
                "VOUCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            )
    return addresses


def _key_id(principal: Principal) -> int:
    if principal.kind != "key":
        raise WebhookRefused("webhooks are registered with an API key")
    return principal.id


def create_subscription(
    *,
    db_session: Session,
    principal: Principal,
    url: str,
    events: Sequence[str],
    settings: Settings,
    reservation: idempotency.Reservation | None = None,
) -> tuple[WebhookSubscription, str]:
    """Registers a URL for the caller's key; returns it and its signing secret (shown once)."""
    key_id = _key_id(principal)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise WebhookRefused(
            f"events must be some of {', '.join(EVENTS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    url = url.strip()
    check_url(url, allow_private=settings.webhook_allow_private)
    secret = new_webhook_secret()
    subscription = WebhookSubscription(
        api_key_id=key_id,
        url=url,
        events=[e for e in EVENTS if e in set(events)],
        secret=seal_webhook_secret(secret, secret_key=settings.secret_key),
        created_by=principal.ref,
    )
    db_session.add(subscription)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="webhook.create",
        target=f"webhook:{subscription.id}",
        details={"url": url, "events": subscription.events},
    )
    if reservation is not None:
        idempotency.attach(
            db_session=db_session, reservation=reservation, resource_id=str(subscription.id)
        )
    return subscription, secret


def _subscriptions_query(principal: Principal) -> Any:
    query = select(WebhookSubscription)
    if not principal.can("admin"):
        query = query.where(col(WebhookSubscription.api_key_id) == _key_id(principal))
    return query


def list_subscriptions(*, db_session: Session, principal: Principal) -> list[WebhookSubscription]:
    """Lists the caller's subscriptions (every one, for an admin)."""
    return list(
        db_session.exec(_subscriptions_query(principal).order_by(col(WebhookSubscription.id)))
    )


def get_subscription(
    *, db_session: Session, principal: Principal, subscription_id: int
) -> WebhookSubscription:
    """Gets a subscription the caller owns (any, for an admin)."""
    found = db_session.exec(
        _subscriptions_query(principal).where(col(WebhookSubscription.id) == subscription_id)
    ).first()
    if found is None:
        raise SubscriptionNotFound(subscription_id)
    return found  # type: ignore[no-any-return]


def delete_subscription(*, db_session: Session, principal: Principal, subscription_id: int) -> None:
    """Removes a subscription and its pending deliveries."""
    subscription = get_subscription(
        db_session=db_session, principal=principal, subscription_id=subscription_id
    )
    for delivery in db_session.exec(
        select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    ):
        db_session.delete(delivery)
    db_session.delete(subscription)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="webhook.delete",
        target=f"webhook:{subscription_id}",
        details={"url": subscription.url},
    )


def questionnaire_summary(questionnaire: Questionnaire, *, base_url: str = "") -> dict[str, Any]:
    """Describe a questionnaire in an event: enough to decide, with links to fetch the rest."""
    base = base_url.rstrip("/")
    path = f"{base}/api/v1/questionnaires/{questionnaire.id}"
    return {
        "id": questionnaire.id,
        "filename": questionnaire.filename,
        "status": questionnaire.status,
        "revision": getattr(questionnaire, "revision", 1),
        "error": questionnaire.error,
        "summary": questionnaire.summary,
        "links": {"self": path, "workbook": f"{path}/workbook"},
    }


def _recipients(db_session: Session, event: str, owner: str) -> list[WebhookSubscription]:
    kind, _, raw_id = owner.partition(":")
    owner_key = int(raw_id) if kind == "key" and raw_id.isdigit() else None
    rows = db_session.exec(
        select(WebhookSubscription, ApiKey)
        .join(ApiKey, col(ApiKey.id) == col(WebhookSubscription.api_key_id))
        .where(col(WebhookSubscription.active), col(ApiKey.revoked_at).is_(None))
    )
    # A key hears about its own questionnaires; a key that may read them all hears about all.
    return [
        subscription
        for subscription, key in rows
        if event in subscription.events
        and (key.id == owner_key or can(key.role, "questionnaire:read-all"))
    ]


def emit(
    *, db_session: Session, event: str, questionnaire: Questionnaire, base_url: str = ""
) -> list[WebhookDelivery]:
    """Queues an event about a questionnaire for every subscriber, in the caller's transaction.

    Call it in the same transaction as the change it reports: the deliveries then exist exactly
    when the change does, and the worker sends them after the commit.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event '{event}'")
    subscriptions = _recipients(db_session, event, questionnaire.owner)
    if not subscriptions:
        return []
    event_id = new_id()
    body = json.dumps(
        {
            "id": event_id,
            "type": event,
            "created_at": utcnow().isoformat(),
            "data": {"questionnaire": questionnaire_summary(questionnaire, base_url=base_url)},
        },
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    deliveries = []
    for subscription in subscriptions:
        assert subscription.id is not None
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            event=event,
            event_id=event_id,
            questionnaire_id=questionnaire.id,
            body=body,
        )
        db_session.add(delivery)
        deliveries.append(delivery)
    return deliveries


@dataclass(frozen=True)
class Outgoing:
    """A delivery claimed for one attempt, with what is needed to send it."""

    delivery_id: str
    event: str
    url: str
    secret: str | None  # None when the stored secret cannot be opened (see `unreadable`)
    body: str
    attempt: int
    unreadable: str | None = None


@dataclass(frozen=True)
class AttemptResult:
    """How one attempt went."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def _due() -> Any:
    now = utcnow()
    return or_(
        and_(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
        ),
        and_(
            col(WebhookDelivery.status) == "sending",
            col(WebhookDelivery.lease_expires_at) < now,
        ),
    )


def claim_next(*, database: Database, settings: Settings) -> Outgoing | None:
    """Takes the next due delivery (or one whose sender died) for one attempt."""
    # Look before locking, as the job queue does: idle polls must not take SQLite's write lock.
    with database.session() as db_session:
        if db_session.exec(select(WebhookDelivery.id).where(_due()).limit(1)).first() is None:
            return None
    with database.session(write=True) as db_session:
        now = utcnow()
        delivery = db_session.exec(
            select(WebhookDelivery)
            .where(_due())
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if delivery is None:
            return None
        subscription = db_session.get(WebhookSubscription, delivery.subscription_id)
        if subscription is None:
            db_session.delete(delivery)
            return None
        delivery.status = "sending"
        delivery.lease_expires_at = now + timedelta(seconds=settings.webhook_timeout_seconds + 60)
        db_session.add(delivery)
        try:
            secret: str | None = open_webhook_secret(
                subscription.secret, secret_key=settings.secret_key
            )
            unreadable = None
        except SecretUnreadable as exc:
            secret, unreadable = None, str(exc)
        return Outgoing(
            delivery_id=delivery.id,
            event=delivery.event,
            url=subscription.url,
            secret=secret,
            body=delivery.body,
            attempt=delivery.attempts + 1,
            unreadable=unreadable,
        )


def send(outgoing: Outgoing, *, settings: Settings) -> AttemptResult:
    """POST a signed delivery once; never follow redirects, never call a refused address."""
    started = time.monotonic()
    body = outgoing.body.encode("utf-8")
    if outgoing.secret is None:
        # Never send unsigned: the attempt fails with the reason and is retried as usual.
        return AttemptResult(False, None, outgoing.unreadable or "no signing secret", 0)
    try:
        # Checked again at send time, and the connection goes to the address just checked, so a
        # name that re-resolves elsewhere between the check and the call (DNS rebinding) cannot
        # steer the request; Host and TLS SNI still carry the name, so certificates verify.
        addresses = check_url(outgoing.url, allow_private=settings.webhook_allow_private)
        pinned_url, host_header, hostname = pin(outgoing.url, addresses[0])
        with httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        ) as client:
            response = client.post(
                pinned_url,
                content=body,
                extensions={"sni_hostname": hostname},
                headers={
                    "Host": host_header,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Vouch-Event": outgoing.event,
                    "Vouch-Delivery": outgoing.delivery_id,
                    SIGNATURE_HEADER: sign(
                        secret=outgoing.secret, body=body, timestamp=int(time.time())
                    ),
                },
            )
    except WebhookRefused as exc:
        return AttemptResult(False, None, str(exc), _elapsed_ms(started))
    except Exception as exc:  # noqa: BLE001 - any failure is one failed attempt, logged and retried
        return AttemptResult(
            False, None, f"{type(exc).__name__}: {exc}"[:500], _elapsed_ms(started)
        )
    ok = 200 <= response.status_code < 300
    return AttemptResult(
        ok,
        response.status_code,
        None if ok else f"the receiver answered {response.status_code}",
        _elapsed_ms(started),
    )


def pin(url: str, address: str) -> tuple[str, str, str]:
    """Return the URL aimed at one address, with the Host header and TLS name of the original."""
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc).geturl(), host_header, hostname


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def backoff_seconds(attempt: int, *, base: float) -> float:
    """Return the wait before the next attempt: doubling from base, capped, with jitter."""
    delay = min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
    return float(delay * random.uniform(0.8, 1.2))


def record(
    *, database: Database, outgoing: Outgoing, result: AttemptResult, settings: Settings
) -> None:
    """Logs an attempt and schedules the next one, or closes the delivery."""
    with database.session(write=True) as db_session:
        delivery = locked(db_session, WebhookDelivery, outgoing.delivery_id)
        if delivery is None:
            return
        now = utcnow()
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        delivery.lease_expires_at = None
        delivery.log = [
            *delivery.log,
            {
                "attempt": delivery.attempts,
                "at": now.isoformat(),
                "status_code": result.status_code,
                "error": result.error,
                "duration_ms": result.duration_ms,
            },
        ]
        if result.ok:
            delivery.status = "delivered"
            delivery.delivered_at = now
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = "failed"
        else:
            delivery.status = "pending"
            delivery.next_attempt_at = now + timedelta(
                seconds=backoff_seconds(delivery.attempts, base=settings.webhook_retry_base_seconds)
            )
        db_session.add(delivery)


def deliver_next(*, database: Database, settings: Settings) -> bool:
    """Send the next due delivery once; tell whether there was one."""
    outgoing = claim_next(database=database, settings=settings)
    if outgoing is None:
        return False
    result = send(outgoing, settings=settings)
    log.info(
        "webhook %s %s attempt %d: %s",
        outgoing.event,
        outgoing.delivery_id,
        outgoing.attempt,
        "delivered" if result.ok else result.error,
    )
    record(database=database, outgoing=outgoing, result=result, settings=settings)
    return True


def list_deliveries(
    *,
    db_session: Session,
    principal: Principal,
    subscription_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[WebhookDelivery], int]:
    """Lists deliveries newest first with their total: the caller's own, or all for an admin."""
    query = select(WebhookDelivery)
    if not principal.can("admin"):
        owned = select(WebhookSubscription.id).where(
            col(WebhookSubscription.api_key_id) == _key_id(principal)
        )
        query = query.where(col(WebhookDelivery.subscription_id).in_(owned))
    if subscription_id is not None:
        query = query.where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status:
        query = query.where(col(WebhookDelivery.status) == status)
    total = int(db_session.exec(select(func.count()).select_from(query.subquery())).one())
    items = db_session.exec(
        query.order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
        .offset(offset)
        .limit(limit)
    )
    return list(items), total


def redeliver(*, db_session: Session, principal: Principal, delivery_id: str) -> WebhookDelivery:
    """Queues a delivery to be sent again now (an admin's retry after fixing the receiver)."""
    delivery = locked(db_session, WebhookDelivery, delivery_id)
    if delivery is None:
        raise SubscriptionNotFound(delivery_id)
    get_subscription(
        db_session=db_session, principal=principal, subscription_id=delivery.subscription_id
    )
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    db_session.add(delivery)
    audit.record(
        db_session=db_session,
        actor=principal.ref,
        action="webhook.redeliver",
        target=f"delivery:{delivery_id}",
    )
    return delivery
