"""Refunds out: returns posted by the OMS, refunded in Shopify when the shop asks.

Every return (`POST /oms/v1/returns`) is kept. When the shop's "upload refunds to
Shopify" setting (`settings["upload_refunds"]`) is on, the `fulfillments` flow
sends it with `refundCreate`: once, on the OMS's `external_id`. The refund's
`@idempotent` key is derived from the request (a resend is replayed by Shopify,
not repeated), the request is marked "sending" before the call, and its note
carries a marker we look for among the order's refunds before sending again.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ..extensions import db
from ..models import ReturnRequest, Shop
from ..shopify.graphql_client import GraphQLError
from .flows import RunContext
from .fulfillments import (
    MAX_ATTEMPTS,
    RequestInvalid,
    _text,
    body_hash,
    gid_of,
    resolve_lines,
    validate_lines,
    validate_shop_and_order,
)
from .locations import queue_run
from .shop import find_shop

log = logging.getLogger(__name__)

LOCATION_GID = "gid://shopify/Location/"
RESTOCK_TYPES = ("RETURN", "NO_RESTOCK", "CANCEL")


def uploads_refunds(shop: Shop) -> bool:
    return bool((shop.settings or {}).get("upload_refunds"))


def marker(external_id: str) -> str:
    return f"[OMS return {external_id}]"


# --- validation (pure) ----------------------------------------------------------------

def _money(value, name: str, errors: list) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append(f"{name} must be a decimal amount")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{name} must be a decimal amount")
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e12") or amount.as_tuple().exponent < -2:
        errors.append(f"{name} must be a non-negative amount with at most 2 decimals")
        return None
    return format(amount.quantize(Decimal("0.01")), "f")


def validate_return_body(body) -> tuple[dict, list[str]]:
    errors: list[str] = []
    if not isinstance(body, dict):
        return {}, ["the body must be a JSON object"]
    known = {"shop", "order_id", "lines", "external_id", "note", "notify_customer", "amount", "restock_type",
             "location_id", "reason"}
    unknown = sorted(set(body) - known)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    shop, order = validate_shop_and_order(body, errors)
    external_id = _text(body.get("external_id"), "external_id", errors, required=True)
    amount_only = body.get("amount") is not None
    lines = validate_lines(body.get("lines", [] if amount_only else None), errors, allow_empty=amount_only)
    note = _text(body.get("note"), "note", errors, max_len=2000)
    reason = _text(body.get("reason"), "reason", errors)
    notify = body.get("notify_customer", False)
    if not isinstance(notify, bool):
        errors.append("notify_customer must be true or false")
    amount = _money(body.get("amount"), "amount", errors)
    restock = body.get("restock_type", "NO_RESTOCK")
    if restock not in RESTOCK_TYPES:
        errors.append(f"restock_type must be one of {', '.join(RESTOCK_TYPES)}")
    location = None
    if body.get("location_id") is not None:
        location = gid_of(LOCATION_GID, body.get("location_id"))
        if location is None:
            errors.append("location_id must be a Shopify location id")
    elif restock == "RETURN":
        errors.append("restock_type RETURN needs a location_id to restock at")
    clean = {
        "shop": shop,
        "order_id": order,
        "lines": lines,
        "external_id": external_id,
        "note": note,
        "reason": reason,
        "notify_customer": notify if isinstance(notify, bool) else False,
        "amount": amount,
        "restock_type": restock,
        "location_id": location,
    }
    return clean, errors


# --- requests ------------------------------------------------------------------------

def find_return(shop_id: int, external_id: str) -> ReturnRequest | None:
    return db.session.execute(
        select(ReturnRequest).where(ReturnRequest.shop_id == shop_id, ReturnRequest.external_id == external_id)
    ).scalar_one_or_none()


def submit_return(body) -> tuple[ReturnRequest, bool]:
    clean, errors = validate_return_body(body)
    if errors:
        raise RequestInvalid(400, "; ".join(errors), errors)
    shop = find_shop(clean["shop"])
    if shop is None:
        raise RequestInvalid(404, f"unknown shop {clean['shop']}")
    digest = body_hash(clean)
    existing = find_return(shop.id, clean["external_id"])
    if existing is not None:
        if existing.body_hash != digest:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        return existing, False
    upload = uploads_refunds(shop)
    req = ReturnRequest(
        shop_id=shop.id,
        external_id=clean["external_id"],
        order_id=clean["order_id"],
        lines=clean["lines"],
        note=clean["note"],
        body=clean,
        body_hash=digest,
        status="pending" if upload else "kept",
        user_errors=[],
        attempts=0,
    )
    db.session.add(req)
    try:
        if upload:
            queue_run(shop.id, "fulfillments", trigger="manual")
        db.session.commit()
    except Exception:
        db.session.rollback()
        existing = find_return(shop.id, clean["external_id"])
        if existing is not None and existing.body_hash == digest:
            return existing, False
        if existing is not None:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        raise
    return req, True


def return_json(req: ReturnRequest, shop_domain: str) -> dict:
    body = req.body or {}
    return {
        "shop": shop_domain,
        "external_id": req.external_id,
        "order_id": req.order_id,
        "lines": req.lines,
        "note": req.note,
        "amount": body.get("amount"),
        "restock_type": body.get("restock_type"),
        "status": req.status,
        "refund_id": req.refund_id,
        "user_errors": req.user_errors or [],
        "error": req.error,
        "attempts": req.attempts,
        "created_at": req.created_at.isoformat() if req.created_at else None,
    }


# --- the refund (pure parts) ----------------------------------------------------------------

def _shop_amount(bag) -> Decimal:
    try:
        return Decimal(str(((bag or {}).get("shopMoney") or {}).get("amount") or "0"))
    except InvalidOperation:
        return Decimal(0)


def refund_input(clean: dict, order: dict) -> tuple[dict | None, list[dict]]:
    """The `refundCreate` input for a return against the order as Shopify has it now."""
    order_lines = (order.get("lineItems") or {}).get("nodes") or []
    wanted, errors = resolve_lines(clean.get("lines") or [], order_lines)
    if errors:
        return None, errors
    by_id = {li["id"]: li for li in order_lines}
    refund_lines = []
    lines_total = Decimal(0)
    for want in wanted:
        li = by_id[want["line_item_id"]]
        refundable = li.get("refundableQuantity")
        if refundable is not None and want["quantity"] > int(refundable):
            errors.append({"field": ["lines"], "message": f"line item {li['id']} has only {refundable} refundable"})
            continue
        line = {"lineItemId": li["id"], "quantity": want["quantity"], "restockType": clean.get("restock_type") or "NO_RESTOCK"}
        if clean.get("location_id") and line["restockType"] != "NO_RESTOCK":
            line["locationId"] = clean["location_id"]
        refund_lines.append(line)
        lines_total += _shop_amount(li.get("discountedUnitPriceSet")) * want["quantity"]
    if errors:
        return None, errors
    amount = Decimal(clean["amount"]) if clean.get("amount") is not None else lines_total
    transactions = []
    txs = order.get("transactions") or []
    parents = [t for t in txs if t.get("status") == "SUCCESS" and t.get("kind") in ("SALE", "CAPTURE")]
    refunded = sum((_shop_amount(t.get("amountSet")) for t in txs
                    if t.get("status") == "SUCCESS" and t.get("kind") == "REFUND"), Decimal(0))
    left = amount
    available = sum((_shop_amount(p.get("amountSet")) for p in parents), Decimal(0)) - refunded
    if left > available:
        left = max(available, Decimal(0))
    for parent in parents:
        if left <= 0:
            break
        take = min(left, _shop_amount(parent.get("amountSet")))
        if take <= 0:
            continue
        transactions.append({"orderId": order["id"], "parentId": parent["id"], "gateway": parent.get("gateway") or "manual",
                             "kind": "REFUND", "amount": format(take.quantize(Decimal("0.01")), "f")})
        left -= take
    note = " ".join(x for x in (clean.get("note"), clean.get("reason") and f"Reason: {clean['reason']}",
                                marker(clean["external_id"])) if x)
    return {
        "orderId": order["id"],
        "note": note,
        "notify": bool(clean.get("notify_customer")),
        "refundLineItems": refund_lines,
        "transactions": transactions,
    }, []


def find_existing_refund(external_id: str, refunds: list[dict]) -> str | None:
    tag = marker(external_id)
    for r in refunds or []:
        if tag in (r.get("note") or ""):
            return r["id"]
    return None


# --- the push -----------------------------------------------------------------------------------

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
    data = client.execute("refund_create", {"input": refund, "idempotencyKey": f"oms-refund-{req.shop_id}-{req.id}"})
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
    pending = list(db.session.execute(
        select(ReturnRequest)
        .where(ReturnRequest.shop_id == ctx.shop.id, ReturnRequest.status.in_(("pending", "sending")))
        .order_by(ReturnRequest.id)
    ).scalars())
    for req in pending:
        try:
            status = push_return(ctx.client, req)
        except GraphQLError as exc:
            db.session.rollback()
            req = db.session.merge(req)
            req.error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if (req.attempts or 0) >= MAX_ATTEMPTS:
                req.status = "failed"
            db.session.commit()
            ctx.count("refund_errors")
            continue
        ctx.count(f"refund_{status}")
