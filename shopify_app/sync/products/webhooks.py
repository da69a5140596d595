"""`products/create|update|delete` webhooks.

A burst of `products/update` deliveries is applied as a batch (`products_changed`, run by
sync/webhooks/batches.py inside its transaction); a single delivery is a batch of one.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ...extensions import db
from .. import mappings
from ..shop import shop_taking
from .normalize import product_from_rest, product_gid_of
from .run import FLOW, PRODUCT_MAPPING_KINDS
from .type_mapping import TypeResolver
from .write import apply_products, mark_deleted


def product_changed(shop_domain: str, payload: dict) -> None:
    started = datetime.now(timezone.utc)
    shop_id = products_changed(shop_domain, [payload])
    db.session.commit()
    if shop_id is not None:
        settle_product_types(shop_id, started)


def products_changed(shop_domain: str, payloads: list[dict]) -> int | None:
    """Apply products/create|update payloads (newest version of each wins); the caller
    commits. Returns the shop's id, or None when the shop takes no products now."""
    shop = shop_taking(shop_domain, FLOW)
    if shop is None:
        return None
    types = TypeResolver(shop.id)
    apply_products(shop.id, [product_from_rest(shop.id, payload, types) for payload in payloads])
    types.record()
    return shop.id


def settle_product_types(shop_id: int, started: datetime) -> None:
    """After the commit: a product-type mapping saved in another process moments ago may
    not have reached what was just written."""
    mappings.settle_after_run(shop_id, PRODUCT_MAPPING_KINDS, started)


def product_deleted(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None or payload.get("id") is None:
        return
    mark_deleted(shop.id, product_gid_of(payload))
    db.session.commit()
