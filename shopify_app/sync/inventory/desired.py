"""What Shopify should hold, from our tables: the targets (locations and their
facilities), the ATP the OMS sent, and the inventory item of each SKU."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import AtpLevel, Facility, Location, Variant
from .plan import FacilityInfo, Key, LocationInfo, Target, desired_levels, plan_targets


def inventory_items_by_sku(shop_id: int, skus: Iterable[str] | None = None) -> tuple[dict[str, str], set[str]]:
    """SKU -> inventory item GID from the catalog; and the SKUs shared by several items
    (left out: setting each would multiply what can be sold)."""
    query = select(Variant.sku, Variant.inventory_item_id).where(
        Variant.shop_id == shop_id,
        Variant.sku.is_not(None),
        Variant.inventory_item_id.is_not(None),
        Variant.deleted_at.is_(None),
    )
    wanted = set(skus) if skus is not None else None
    found: dict[str, set[str]] = defaultdict(set)
    for sku, item in db.session.execute(query):
        if wanted is None or sku in wanted:
            found[sku].add(item)
    items = {sku: next(iter(ids)) for sku, ids in found.items() if len(ids) == 1}
    ambiguous = {sku for sku, ids in found.items() if len(ids) > 1}
    return items, ambiguous


def load_targets(shop_id: int) -> list[Target]:
    locs = [
        LocationInfo(l.shopify_id, l.active, l.deleted, l.pos, l.is_default, l.facility_id)
        for l in db.session.execute(select(Location).where(Location.shop_id == shop_id)).scalars()
    ]
    facs = [
        FacilityInfo(f.id, f.sells_online)
        for f in db.session.execute(select(Facility).where(Facility.shop_id == shop_id)).scalars()
    ]
    return plan_targets(locs, facs)


def load_atp(shop_id: int) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(AtpLevel.facility_id, AtpLevel.sku, AtpLevel.atp).where(AtpLevel.shop_id == shop_id)
    )
    return {(fid, sku): atp for fid, sku, atp in rows}


def compute_desired(shop_id: int) -> tuple[dict[Key, int], dict]:
    targets = load_targets(shop_id)
    atp = load_atp(shop_id)
    skus = {sku for _f, sku in atp}
    items, ambiguous = inventory_items_by_sku(shop_id, skus)
    info = {
        "targets": len(targets),
        "unknown_skus": len(skus - set(items) - ambiguous),
        "ambiguous_skus": len(ambiguous),
    }
    return desired_levels(targets, atp, items), info
