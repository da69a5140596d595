"""The orders flow's webhook topics: `orders/create|updated|cancelled` apply their
payload at once (a burst of them a batch at a time); `orders/edited` and `refunds/create` fetch the whole order (their
payloads are partial). Nothing comes in for a shop that is uninstalled, inactive, at
access none, or has the orders flow switched off."""
from __future__ import annotations

from datetime import datetime, timezone

from ...extensions import db
from ...shopify.gids import gid
from .. import mappings
from ..shop import shop_taking
from .mapper import Mapper
from .normalize import order_from_rest
from .run import FLOW, ORDER_MAPPING_KINDS, refetch
from .write import apply_order


def order_changed(shop_domain: str, payload: dict) -> None:
    started = datetime.now(timezone.utc)
    shop_id = orders_changed(shop_domain, [payload])
    db.session.commit()
    if shop_id is not None:
        settle_order_mappings(shop_id, started)


def orders_changed(shop_domain: str, payloads: list[dict]) -> int | None:
    """Apply orders/create|updated|cancelled payloads, oldest delivery first (each order's
    newest version wins in SQL); the caller commits. Returns the shop's id, or None when
    the shop takes no orders now. A burst is one batch (sync/webhooks/batches.py)."""
    shop = shop_taking(shop_domain, FLOW)
    if shop is None:
        return None
    mapper = Mapper(shop.id)
    for payload in payloads:
        apply_order(shop.id, order_from_rest(payload), mapper, settings=shop.settings)
    mapper.record()
    return shop.id


def settle_order_mappings(shop_id: int, started: datetime) -> None:
    """After the commit: a mapping saved in another process moments ago may not have
    reached these orders."""
    mappings.settle_after_run(shop_id, ORDER_MAPPING_KINDS, started)


def order_edited(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    edit = payload.get("order_edit") or payload
    order_id = edit.get("order_id")
    if shop is None or order_id is None:
        return
    refetch(shop, gid("Order", order_id))
    db.session.commit()


def refund_created(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None or payload.get("order_id") is None:
        return
    refetch(shop, gid("Order", payload["order_id"]))
    db.session.commit()

