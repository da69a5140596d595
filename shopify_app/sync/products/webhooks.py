"""`products/create|update|delete` webhooks: applied at once."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import FlowState, Shop
from ...shopify.access import AccessLevel
from ..shop import find_shop
from ..webhooks import handles
from .normalize import product_from_rest, product_gid_of
from .type_mapping import TypeResolver
from .write import apply_product, mark_deleted

FLOW = "products"


def shop_taking_products(domain: str) -> Shop | None:
    """The shop a delivery is for, when products may come in for it now."""
    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None  # uninstalled, inactive or at access none: nothing comes in
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == FLOW, FlowState.enabled.is_(False))
    ).first()
    if switched_off:
        return None  # the merchant switched the flow off
    return shop


@handles("products/create", "products/update")
def product_changed(shop_domain: str, payload: dict) -> None:
    shop = shop_taking_products(shop_domain)
    if shop is None:
        return
    types = TypeResolver(shop.id)
    row, variants = product_from_rest(shop.id, payload, types)
    apply_product(shop.id, row, variants)
    types.record()
    db.session.commit()


@handles("products/delete")
def product_deleted(shop_domain: str, payload: dict) -> None:
    shop = shop_taking_products(shop_domain)
    if shop is None or payload.get("id") is None:
        return
    mark_deleted(shop.id, product_gid_of(payload))
    db.session.commit()
