"""Writing returns from Shopify: upserts versioned by their order's `updatedAt` (a
changed return changes its order's), so a replayed or late delivery never takes a
return back to an older state. No commit: the caller owns it.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import ShopifyReturn
from ..upsert import upsert


def apply_returns(shop_id: int, rows: Iterable[dict]) -> int:
    """Upsert return rows (normalize's). Rows from the bulk download lack the detail
    columns: they go in their own batch, which leaves the stored details alone."""
    batches: dict[tuple, list[dict]] = {}
    for row in rows:
        batches.setdefault(tuple(sorted(row)), []).append({**row, "shop_id": shop_id})
    for batch in batches.values():
        upsert(db.session, ShopifyReturn, batch, newer="order_updated_at")
    return sum(len(b) for b in batches.values())


def order_of_return(shop_id: int, shopify_ids: list[str]) -> str | None:
    """The order of a stored return, found by the return's gid (or a reverse fulfillment
    order's, for deliveries that name only that)."""
    ids = [i for i in shopify_ids if i]
    if not ids:
        return None
    found = db.session.execute(select(ShopifyReturn.order_shopify_id).where(
        ShopifyReturn.shop_id == shop_id, ShopifyReturn.shopify_id.in_(ids))).scalars().first()
    if found:
        return found
    for order_gid, rfos in db.session.execute(select(ShopifyReturn.order_shopify_id,
                                                     ShopifyReturn.reverse_fulfillment_orders)
                                              .where(ShopifyReturn.shop_id == shop_id)):
        if any(r.get("id") in ids for r in rfos or []):
            return order_gid
    return None
