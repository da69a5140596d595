"""Returns stored: every one kept, one per (shop, external_id), idempotent on its body;
queued for a refund when the shop uploads refunds."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import ReturnRequest, Shop
from ..oms_requests import RequestInvalid, body_hash
from ..runner import queue_run
from ..shop import find_shop
from .validate import validate_return_body


def uploads_refunds(shop: Shop) -> bool:
    return bool((shop.settings or {}).get("upload_refunds"))


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
