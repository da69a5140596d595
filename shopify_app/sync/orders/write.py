"""Writing orders: one whole order at a time (pages, webhooks, refetches), and the
placeholders for lines whose product we lack. No commit: the caller owns it.

Newer wins, decided in SQL only: the upserts carry the version (`shopify_updated_at`
for orders, `order_updated_at` for lines) and never let an older version overwrite a
newer one, whatever order a webhook and a pull land in. Afterwards the writer only
reads which version is stored to tell whether its own landed.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from ...extensions import db
from ...models import Order, OrderLine, Product, Variant
from ..returns.write import apply_returns
from ..upsert import upsert
from .broker import mark_cancelled_in_shopify
from .filter import wanted_new
from .mapper import Mapper, mapped_fields
from .normalize import OrderRows

ORDER_KEEP = ("broker_status", "queued_at")  # the OMS owns these once the order is in


def held_orders(shop_id: int, gids: list[str]) -> set[str]:
    """Which of these orders we hold."""
    if not gids:
        return set()
    return set(db.session.execute(
        select(Order.shopify_id).where(Order.shop_id == shop_id, Order.shopify_id.in_(gids))).scalars())


def stored_versions(shop_id: int, gids) -> dict[str, datetime | None]:
    """The stored version of each of these orders we hold."""
    if not gids:
        return {}
    return dict(db.session.execute(
        select(Order.shopify_id, Order.shopify_updated_at)
        .where(Order.shop_id == shop_id, Order.shopify_id.in_(list(gids)))).all())


def stored_marks(shop_id: int, order_gid: str) -> tuple | None:
    """(version, updated_at) of an order we hold; None when we do not."""
    row = db.session.execute(select(Order.shopify_updated_at, Order.updated_at).where(
        Order.shop_id == shop_id, Order.shopify_id == order_gid)).first()
    return None if row is None else tuple(row)


def attach_placeholders(shop_id: int, lines: list[dict]) -> int:
    """Flag lines whose variant the catalog lacks (deleted in Shopify, or not downloaded
    yet) and insert a flagged placeholder product/variant for them. Returns how many."""
    wanted = {l["variant_shopify_id"] for l in lines if l["variant_shopify_id"]}
    known = set()
    if wanted:
        known = set(db.session.execute(
            select(Variant.shopify_id).where(Variant.shop_id == shop_id, Variant.shopify_id.in_(list(wanted)),
                                             Variant.is_placeholder.is_(False))).scalars())
    products, variants = {}, {}
    flagged = 0
    for line in lines:
        vid = line["variant_shopify_id"]
        if vid and vid in known:
            continue
        line["placeholder_product"] = True
        flagged += 1
        pid = line["product_shopify_id"]
        if pid and pid not in products:
            products[pid] = {"shop_id": shop_id, "shopify_id": pid, "title": line["title"], "is_placeholder": True}
        if vid and vid not in variants:
            variants[vid] = {"shop_id": shop_id, "shopify_id": vid, "product_shopify_id": pid, "sku": line["sku"],
                             "title": line["variant_title"], "is_placeholder": True}
    if products:
        upsert(db.session, Product, list(products.values()), do_nothing=True)
    if variants:
        upsert(db.session, Variant, list(variants.values()), do_nothing=True)
    return flagged


def apply_order(shop_id: int, order: OrderRows, mapper: Mapper, *, settings: dict | None = None,
                only_held_or_wanted: bool = True) -> str:
    """Upsert one order with its lines. Returns 'applied', 'unchanged' (this very version
    was stored already: an overlapping pull seeing it again; re-applied, which changes
    nothing), 'stale' (a newer version is stored) or 'skipped' (a new order outside the
    import filter)."""
    row = {**order.order, "shop_id": shop_id}
    order_gid = row["shopify_id"]
    before = stored_marks(shop_id, order_gid)
    if only_held_or_wanted and before is None and not wanted_new(row, settings):
        return "skipped"
    row.update(mapped_fields(mapper, row))
    lines = [{**l, "shop_id": shop_id} for l in order.lines]
    row["has_placeholder_products"] = attach_placeholders(shop_id, lines) > 0
    # Rewritten only when a value differs: an order seen again unchanged (the pull's
    # overlap) keeps its `updated_at`, so the OMS reading by `updated_since` gets no duplicate.
    upsert(db.session, Order, [row], newer="shopify_updated_at", keep=ORDER_KEEP,
           only_if_changed=[c for c in row if c not in ("shop_id", "shopify_id", *ORDER_KEEP)])
    after = stored_marks(shop_id, order_gid)
    if after[0] != row["shopify_updated_at"]:
        return "stale"  # the upsert kept a newer version
    upsert(db.session, OrderLine, lines, newer="order_updated_at")
    if order.returns:
        apply_returns(shop_id, order.returns)
    if order.whole:  # lines it no longer has were removed
        now = datetime.now(timezone.utc)
        db.session.execute(
            update(OrderLine).where(OrderLine.shop_id == shop_id, OrderLine.order_shopify_id == order_gid,
                                    OrderLine.shopify_id.not_in([l["shopify_id"] for l in lines]),
                                    OrderLine.removed.is_(False))
            .values(removed=True, current_quantity=0, updated_at=now).execution_options(synchronize_session=False))
    if row.get("cancelled_at") is not None:
        mark_cancelled_in_shopify(shop_id, [order_gid])
    if before == after:  # same version, no value differed: the upsert kept `updated_at` too
        return "unchanged"
    return "applied"
