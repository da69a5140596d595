"""`products/create|update|delete` webhooks: applied at once."""
from __future__ import annotations

from datetime import datetime, timezone

from ...extensions import db
from .. import mappings
from ..shop import shop_taking
from .normalize import product_from_rest, product_gid_of
from .run import FLOW
from .type_mapping import TypeResolver
from .write import apply_product, mark_deleted


def product_changed(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None:
        return
    started = datetime.now(timezone.utc)
    types = TypeResolver(shop.id)
    row, variants = product_from_rest(shop.id, payload, types)
    apply_product(shop.id, row, variants)
    types.record()
    db.session.commit()
    # A product-type mapping saved in another process moments ago may not have reached it.
    mappings.settle_after_run(shop.id, ("product_type",), started)


def product_deleted(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None or payload.get("id") is None:
        return
    mark_deleted(shop.id, product_gid_of(payload))
    db.session.commit()
