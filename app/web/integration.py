"""Admin page for webhooks: every subscription and the delivery log, with a retry button."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import SessionDep, Writes
from app.services import webhooks
from app.web.auth import CsrfProtected, UserIsAdmin
from app.web.home import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])
DELIVERY_PAGE_LIMIT = 200
STATUSES = ("pending", "sending", "delivered", "failed")


@router.get("/admin/webhooks", name="admin_webhooks")
def webhooks_page(
    request: Request, user: UserIsAdmin, db_session: SessionDep, status: str | None = None
) -> HTMLResponse:
    status = status if status in STATUSES else None
    deliveries, total = webhooks.list_deliveries(
        db_session=db_session,
        principal=user.principal,
        status=status,
        limit=DELIVERY_PAGE_LIMIT,
    )
    return render(
        request,
        "admin/webhooks.html",
        {
            "subscriptions": webhooks.list_subscriptions(
                db_session=db_session, principal=user.principal
            ),
            "deliveries": deliveries,
            "total": total,
            "status": status,
            "statuses": STATUSES,
            "limit": DELIVERY_PAGE_LIMIT,
        },
        user=user,
    )


@router.post(
    "/admin/webhooks/deliveries/{delivery_id}/retry",
    name="admin_webhook_retry",
    dependencies=[Writes],
)
def retry_delivery(
    request: Request,
    delivery_id: str,
    user: UserIsAdmin,
    db_session: SessionDep,
) -> Response:
    webhooks.redeliver(db_session=db_session, principal=user.principal, delivery_id=delivery_id)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return RedirectResponse(request.url_for("admin_webhooks"), status_code=303)
