"""The orders flow's webhook topics: `orders/create|updated|cancelled` apply their
payload at once; `orders/edited` and `refunds/create` fetch the whole order (their
payloads are partial). Nothing comes in for a shop that is uninstalled, inactive, at
access none, or has the orders flow switched off."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import FlowState, Shop
from ...shopify.access import AccessLevel
from ...shopify.gids import gid
from ..shop import find_shop
from ..webhooks import handles
from .mapper import Mapper
from .normalize import order_from_rest
from .run import FLOW, refetch
from .write import apply_order


def shop_for_webhook(domain: str) -> Shop | None:
    """The shop whose order webhooks we apply, or None when nothing comes in."""
    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None  # uninstalled, inactive or at access none: nothing comes in
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == FLOW, FlowState.enabled.is_(False))
    ).first()
    if switched_off:
        return None  # the merchant switched the flow off
    return shop


def _register_webhooks() -> None:
    @handles("orders/create", "orders/updated", "orders/cancelled")
    def order_changed(shop_domain: str, payload: dict) -> None:
        shop = shop_for_webhook(shop_domain)
        if shop is None:
            return
        mapper = Mapper(shop.id)
        apply_order(shop.id, order_from_rest(payload), mapper, settings=shop.settings)
        mapper.record()
        db.session.commit()

    @handles("orders/edited", deferred=True)
    def order_edited(shop_domain: str, payload: dict) -> None:
        shop = shop_for_webhook(shop_domain)
        edit = payload.get("order_edit") or payload
        order_id = edit.get("order_id")
        if shop is None or order_id is None:
            return
        refetch(shop, gid("Order", order_id))
        db.session.commit()

    @handles("refunds/create", deferred=True)
    def refund_created(shop_domain: str, payload: dict) -> None:
        shop = shop_for_webhook(shop_domain)
        if shop is None or payload.get("order_id") is None:
            return
        refetch(shop, gid("Order", payload["order_id"]))
        db.session.commit()


_register_webhooks()
