"""Locations in our tables: read, written from Shopify's nodes, marked deleted, and the
shop's default kept."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import Facility, Location, Shop
from ...shopify.gids import gid_of, number_of
from .decide import choose_default, sells_online
from .normalize import address_from_node, is_pos


def locations_of(shop_id: int, include_deleted: bool = False) -> list[Location]:
    query = select(Location).where(Location.shop_id == shop_id)
    if not include_deleted:
        query = query.where(Location.deleted.is_(False))
    return list(db.session.execute(query.order_by(Location.name, Location.id)).scalars())


def find_location(shop_id: int, gid: str) -> Location | None:
    return db.session.execute(
        select(Location).where(Location.shop_id == shop_id, Location.shopify_id == gid)
    ).scalar_one_or_none()


def upsert_location(shop: Shop, node: dict) -> Location:
    """Create or update a location from a GraphQL `Location` node."""
    gid = node["id"]
    loc = find_location(shop.id, gid)
    if loc is None:
        loc = Location(shop_id=shop.id, shopify_id=gid, is_default=False)
        db.session.add(loc)
    loc.legacy_id = str(node.get("legacyResourceId") or number_of(gid) or "")
    loc.name = node.get("name") or loc.name or ""
    loc.address = address_from_node(node.get("address"))
    loc.active = bool(node.get("isActive", True))
    loc.fulfills_online_orders = bool(node.get("fulfillsOnlineOrders"))
    loc.pos = is_pos(node)
    loc.deleted = False
    loc.imported_at = datetime.now(timezone.utc)
    keep_facility_in_step(loc)
    return loc


def keep_facility_in_step(loc: Location) -> None:
    """Keep a mapped facility's online-selling flag in step with its location."""
    if loc.facility_id is not None:
        facility = db.session.get(Facility, loc.facility_id)
        if facility is not None:
            facility.sells_online = sells_online(loc)


def mark_deleted(loc: Location) -> None:
    loc.deleted = True
    loc.active = False
    loc.is_default = False
    loc.facility_id = None


def ensure_default(shop_id: int) -> None:
    """A shop with locations has a default one (decide.choose_default says which)."""
    db.session.flush()
    locs = locations_of(shop_id)
    if any(l.is_default for l in locs):
        return
    chosen = choose_default(locs)
    if chosen is not None:
        chosen.is_default = True


def default_location(shop_id: int) -> Location | None:
    """The shop's default location (takes online orders; its orders go to the OMS brokering queue)."""
    return db.session.execute(
        select(Location).where(Location.shop_id == shop_id, Location.is_default.is_(True), Location.deleted.is_(False))
    ).scalars().first()


def facility_for_location(shop_id: int, location_id: str | None) -> Facility | None:
    """The OMS facility mapped to a Shopify location, if any (e.g. for an order's fulfillment location)."""
    gid = gid_of("Location", location_id)
    loc = find_location(shop_id, gid) if gid else None
    return db.session.get(Facility, loc.facility_id) if loc is not None and loc.facility_id else None
