"""Returns stored: every one kept, one per (shop, external_id), idempotent on its body;
queued for a refund when the shop uploads refunds."""
from __future__ import annotations

from ...models import ReturnRequest, Shop
from ..oms_requests.checks import INVALID, RequestInvalid
from ..oms_requests.store import find_request, store_once
from ..tenancy import ALL_STORES, Tenancy
from .validate import validate_return_body


def uploads_refunds(shop: Shop) -> bool:
    return bool((shop.settings or {}).get("upload_refunds"))


def find_return(shop_id: int, external_id: str) -> ReturnRequest | None:
    return find_request(ReturnRequest, shop_id, external_id)


def submit_return(body, tenancy: Tenancy = ALL_STORES) -> tuple[ReturnRequest, bool]:
    """Store a return for a shop the tenancy sees. Returns (return, created).
    Raises RequestInvalid (INVALID, UNKNOWN_SHOP, EXTERNAL_ID_REUSED)."""
    clean, errors = validate_return_body(body)
    if errors:
        raise RequestInvalid(INVALID, "; ".join(errors), errors)

    def build(shop: Shop, digest: str) -> tuple[ReturnRequest, bool]:
        upload = uploads_refunds(shop)
        return ReturnRequest(
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
        ), upload

    return store_once(ReturnRequest, clean, build, tenancy)

