"""Fulfillment requests stored: one per (shop, external_id), idempotent on its body."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import FulfillmentRequest
from ..oms_requests import RequestInvalid, body_hash
from ..runner import queue_run
from ..shop import find_shop
from .validate import validate_fulfillment_body


def submit_fulfillment(body) -> tuple[FulfillmentRequest, bool]:
    """Store a request. Returns (request, created). Raises RequestInvalid (400/404/409)."""
    clean, errors = validate_fulfillment_body(body)
    if errors:
        raise RequestInvalid(400, "; ".join(errors), errors)
    shop = find_shop(clean["shop"])
    if shop is None:
        raise RequestInvalid(404, f"unknown shop {clean['shop']}")
    digest = body_hash(clean)
    existing = find_request(shop.id, clean["external_id"])
    if existing is not None:
        if existing.body_hash != digest:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        return existing, False
    req = FulfillmentRequest(
        shop_id=shop.id,
        external_id=clean["external_id"],
        order_id=clean["order_id"],
        lines=clean["lines"],
        tracking=clean["tracking"],
        notify_customer=clean["notify_customer"],
        body_hash=digest,
        status="pending",
        parts=[],
        fulfillment_ids=[],
        user_errors=[],
        attempts=0,
    )
    db.session.add(req)
    try:
        queue_run(shop.id, "fulfillments", trigger="manual")
        db.session.commit()
    except Exception:
        db.session.rollback()
        existing = find_request(shop.id, clean["external_id"])  # posted twice at once
        if existing is not None and existing.body_hash == digest:
            return existing, False
        if existing is not None:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        raise
    return req, True


def find_request(shop_id: int, external_id: str) -> FulfillmentRequest | None:
    return db.session.execute(
        select(FulfillmentRequest).where(
            FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.external_id == external_id
        )
    ).scalar_one_or_none()


def pending_requests(shop_id: int) -> list[FulfillmentRequest]:
    return list(db.session.execute(
        select(FulfillmentRequest)
        .where(FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.status.in_(("pending", "sending")))
        .order_by(FulfillmentRequest.id)
    ).scalars())
