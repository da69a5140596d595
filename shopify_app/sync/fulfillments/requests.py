"""Fulfillment requests stored: one per (shop, external_id), idempotent on its body."""
from __future__ import annotations

from ...models import FulfillmentRequest, Shop
from ..oms_requests.checks import INVALID, RequestInvalid
from ..oms_requests.store import find_request as find_stored, store_once
from ..tenancy import ALL_STORES, Tenancy
from .validate import validate_fulfillment_body


def submit_fulfillment(body, tenancy: Tenancy = ALL_STORES) -> tuple[FulfillmentRequest, bool]:
    """Store a request for a shop the tenancy sees. Returns (request, created).
    Raises RequestInvalid (INVALID, UNKNOWN_SHOP, EXTERNAL_ID_REUSED)."""
    clean, errors = validate_fulfillment_body(body)
    if errors:
        raise RequestInvalid(INVALID, "; ".join(errors), errors)

    def build(shop: Shop, digest: str) -> tuple[FulfillmentRequest, bool]:
        return FulfillmentRequest(
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
        ), True

    return store_once(FulfillmentRequest, clean, build, tenancy)


def find_request(shop_id: int, external_id: str) -> FulfillmentRequest | None:
    return find_stored(FulfillmentRequest, shop_id, external_id)

