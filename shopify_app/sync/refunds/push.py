"""Pushing a return to Shopify as a refund (`refundCreate`), once.

The refund's `@idempotent` key is derived from the request (a resend is replayed by
Shopify, not repeated), the request is marked "sending" before the call, and its note
carries a marker we look for among the order's refunds before sending again. A call
whose answer is lost (OutcomeUnknown: the client never resends a mutation) is looked
for by that marker at once; not found, the request stays "sending" for the next push.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ...extensions import db
from ...models import ReturnRequest
from ...shopify.graphql_client import OutcomeUnknown
from ..flows import RunContext
from ..oms_requests.store import push_pending
from .plan import find_existing_refund, refund_input
from .requests import uploads_refunds


def push_return(client, req: ReturnRequest, after_call=None) -> str:
    if req.status not in ("pending", "sending"):
        return req.status
    req.attempts = (req.attempts or 0) + 1
    db.session.commit()
    order = (client.execute("refund_order_state", {"id": req.order_id}) or {}).get("order")
    if order is None:
        req.status = "failed"
        req.user_errors = [{"field": ["order_id"], "message": "order not found in Shopify"}]
        req.error = "order not found"
        db.session.commit()
        return req.status
    found = find_existing_refund(req.external_id, order.get("refunds") or [])
    if found:  # sent before a crash, or by a previous attempt
        req.status, req.refund_id, req.error = "refunded", found, None
        db.session.commit()
        return req.status
    if ((order.get("lineItems") or {}).get("pageInfo") or {}).get("hasNextPage"):
        req.status, req.error = "failed", "order too large"
        req.user_errors = [{"field": ["order_id"], "message": "the order has more than 50 line items"}]
        db.session.commit()
        return req.status
    refund, errors = refund_input(req.body or {}, order)
    if errors:
        req.status, req.user_errors, req.error = "failed", errors, "the order cannot take this refund"
        db.session.commit()
        return req.status
    req.status = "sending"
    req.sending_at = datetime.now(timezone.utc)
    db.session.commit()  # recorded before the call
    try:
        data = client.execute("refund_create", {"input": refund,
                                                "idempotencyKey": f"oms-refund-{req.shop_id}-{req.id}"})
    except OutcomeUnknown as exc:
        # Shopify may have refunded it: its state decides, never a blind resend.
        order = (client.execute("refund_order_state", {"id": req.order_id}) or {}).get("order") or {}
        found = find_existing_refund(req.external_id, order.get("refunds") or [])
        if found:
            req.status, req.refund_id, req.error, req.user_errors = "refunded", found, None, []
        else:
            req.error = f"Shopify's answer was lost and the refund is not there (yet): {exc}"[:2000]
        db.session.commit()
        return req.status  # "sending" when not found: the next push looks again, and only then sends
    if after_call is not None:
        after_call(req, data)
    payload = data.get("refundCreate") or {}
    errors = payload.get("userErrors") or []
    if errors or not payload.get("refund"):
        req.status = "failed"
        req.user_errors = [{"field": e.get("field"), "message": e.get("message")} for e in errors] or [
            {"field": None, "message": "Shopify returned no refund"}]
        req.error = "Shopify refused the refund"
    else:
        req.status = "refunded"
        req.refund_id = payload["refund"]["id"]
        req.error = None
        req.user_errors = []
    db.session.commit()
    return req.status


def push_pending_returns(ctx: RunContext) -> None:
    if not uploads_refunds(ctx.shop):
        return
    push_pending(ctx, ReturnRequest, push_return, counter_prefix="refund_")
