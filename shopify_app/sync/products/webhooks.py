"""`products/create|update|delete` webhooks: applied at once."""
from __future__ import annotations

from ...extensions import db
from ..shop import shop_taking
from .normalize import product_from_rest, product_gid_of
from .run import FLOW
from .type_mapping import TypeResolver
from .write import apply_product, mark_deleted


def product_changed(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None:
        return
    types = TypeResolver(shop.id)
    row, variants = product_from_rest(shop.id, payload, types)
    apply_product(shop.id, row, variants)
    types.record()
    db.session.commit()


def product_deleted(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None or payload.get("id") is None:
        return
    mark_deleted(shop.id, product_gid_of(payload))
    db.session.commit()
