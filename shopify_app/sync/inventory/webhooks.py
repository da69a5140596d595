"""`inventory_levels/update`: our own pushes coming back are ignored; a level changed
in Shopify is remembered in the ledger, so that the next push starts from it."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import PushedLevel
from ...shopify.gids import gid_of
from ..shop import find_shop
from .level_updates import classify_level_webhook


def inventory_level_updated(shop_domain: str, payload: dict) -> None:
    """Ignore our own pushes coming back; remember a level changed in Shopify."""
    shop = find_shop(shop_domain)
    item = gid_of("InventoryItem", payload.get("inventory_item_id"))
    loc = gid_of("Location", payload.get("location_id"))
    if shop is None or item is None or loc is None:
        return
    entry = db.session.execute(
        select(PushedLevel).where(
            PushedLevel.shop_id == shop.id, PushedLevel.inventory_item_id == item, PushedLevel.location_id == loc
        )
    ).scalar_one_or_none()
    if entry is None:
        return
    verdict = classify_level_webhook(payload, entry.quantity, entry.pushed_quantity, entry.pushed_at)
    if verdict == "drift":
        entry.quantity = int(payload["available"])
        entry.observed_at = datetime.now(timezone.utc)
        db.session.commit()
