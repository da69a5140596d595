"""Shopify locations and OMS facilities.

Locations come from Shopify (a periodic pull, an import on demand, and the
`locations/create|update|delete` webhooks); facilities are the OMS's, created one
to one from chosen locations. The default location takes online orders and is
tied to the OMS brokering queue; inventory pushes put the sellable total there.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Facility, Location, Shop
from ..shopify.access import AccessLevel
from ..shopify.shop_domain import admin_url
from .flows import RunContext, register_flow
from .shop import find_shop
from .webhooks import handles

log = logging.getLogger(__name__)

LOCATION_GID = "gid://shopify/Location/"


class LocationError(ValueError):
    """A mapping request that cannot be carried out (the message says why)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# --- pure helpers -------------------------------------------------------------

def location_gid(value) -> str | None:
    """A location id as a GID, from a GID or a numeric id; None when it is neither."""
    text = str(value or "").strip()
    if text.startswith(LOCATION_GID):
        num = text[len(LOCATION_GID):]
    else:
        num = text
    return f"{LOCATION_GID}{num}" if num.isdigit() else None


def is_pos(node: dict) -> bool:
    """A store: not a fulfilment service's location and not fulfilling online orders."""
    return not node.get("isFulfillmentService") and not node.get("fulfillsOnlineOrders")


def address_from_node(address: dict | None) -> dict:
    a = address or {}
    keys = ("address1", "address2", "city", "province", "provinceCode", "zip", "country", "countryCode", "phone")
    return {k: a.get(k) for k in keys}


def address_from_rest(payload: dict) -> dict:
    return {
        "address1": payload.get("address1"),
        "address2": payload.get("address2"),
        "city": payload.get("city"),
        "province": payload.get("province"),
        "provinceCode": payload.get("province_code"),
        "zip": payload.get("zip"),
        "country": payload.get("country_name") or payload.get("country"),
        "countryCode": payload.get("country_code"),
        "phone": payload.get("phone"),
    }


def shopify_admin_url(shop_domain: str, location: Location) -> str:
    return admin_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop_domain, f"/settings/locations/{location.legacy_id}")


# --- reading and writing locations -----------------------------------------------

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
    loc.legacy_id = str(node.get("legacyResourceId") or gid.rsplit("/", 1)[-1])
    loc.name = node.get("name") or loc.name or ""
    loc.address = address_from_node(node.get("address"))
    loc.active = bool(node.get("isActive", True))
    loc.fulfills_online_orders = bool(node.get("fulfillsOnlineOrders"))
    loc.pos = is_pos(node)
    loc.deleted = False
    loc.imported_at = datetime.now(timezone.utc)
    _sync_facility(loc)
    return loc


def _sync_facility(loc: Location) -> None:
    """Keep a mapped facility's online-selling flag in step with its location."""
    if loc.facility_id is not None:
        facility = db.session.get(Facility, loc.facility_id)
        if facility is not None:
            facility.sells_online = loc.fulfills_online_orders and loc.active


def import_locations(shop: Shop, client) -> dict:
    """Pull every location from Shopify. Returns counts; locations gone from Shopify are marked deleted."""
    seen: set[str] = set()
    after = None
    created = updated = 0
    while True:
        data = client.execute("locations_list", {"first": 100, "after": after})
        conn = data.get("locations") or {}
        for node in conn.get("nodes") or []:
            existed = find_location(shop.id, node["id"]) is not None
            upsert_location(shop, node)
            seen.add(node["id"])
            if existed:
                updated += 1
            else:
                created += 1
        db.session.commit()  # one transaction a page, never held across the next call
        page = conn.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            break
        after = page.get("endCursor")
    removed = 0
    for loc in locations_of(shop.id):
        if loc.shopify_id not in seen:
            _mark_deleted(loc)
            removed += 1
    _ensure_default(shop.id)
    db.session.commit()
    return {"created": created, "updated": updated, "deleted": removed}


def _mark_deleted(loc: Location) -> None:
    loc.deleted = True
    loc.active = False
    loc.is_default = False
    loc.facility_id = None


def _ensure_default(shop_id: int) -> None:
    """A shop with locations has a default one: the first active location fulfilling online orders."""
    db.session.flush()
    locs = locations_of(shop_id)
    if any(l.is_default for l in locs):
        return
    candidates = [l for l in locs if l.active and l.fulfills_online_orders] or [l for l in locs if l.active]
    if candidates:
        candidates.sort(key=lambda l: int(l.legacy_id) if l.legacy_id.isdigit() else 0)
        candidates[0].is_default = True


def facility_external_id(loc: Location) -> str:
    return f"SHOPIFY_{loc.legacy_id}"


def find_facility(external_id: str) -> Facility | None:
    return db.session.execute(select(Facility).where(Facility.external_id == external_id)).scalar_one_or_none()


def create_facility(shop: Shop, loc: Location) -> Facility:
    """Create an OMS facility from this location, with its details, and map it (one to one)."""
    if loc.deleted:
        raise LocationError("this location was deleted in Shopify")
    if loc.facility_id is not None:
        raise LocationError("this location is already mapped to a facility; unmap it first", 409)
    external_id = facility_external_id(loc)
    facility = find_facility(external_id)
    if facility is not None and facility.shop_id != shop.id:
        # Facility ids are one namespace in the OMS; Shopify's location ids are unique,
        # but a copied or test store may repeat them: fall back to a shop-specific id.
        external_id = f"SHOPIFY_{shop.domain.split('.', 1)[0].upper()}_{loc.legacy_id}"[:64]
        facility = find_facility(external_id)
    if facility is None:
        facility = Facility(shop_id=shop.id, external_id=external_id, name=loc.name, address=dict(loc.address or {}))
        db.session.add(facility)
    elif facility.shop_id != shop.id:
        raise LocationError("a facility with this id belongs to another shop", 409)
    else:
        taken = _location_of_facility(facility.id)
        if taken is not None and taken.id != loc.id:
            raise LocationError(f"facility {external_id} is mapped to another location", 409)
    facility.name = loc.name
    facility.address = dict(loc.address or {})
    facility.sells_online = loc.fulfills_online_orders and loc.active
    db.session.flush()
    loc.facility_id = facility.id
    db.session.commit()
    return facility


def _location_of_facility(facility_pk: int) -> Location | None:
    return db.session.execute(select(Location).where(Location.facility_id == facility_pk)).scalar_one_or_none()


def update_location(shop: Shop, loc: Location, changes: dict) -> Location:
    """Map, unmap or re-map (`facility_id`), and choose the default (`default: true`)."""
    if "facility_id" in changes:
        wanted = changes["facility_id"]
        if wanted is None:
            loc.facility_id = None
        else:
            if loc.deleted:
                raise LocationError("this location was deleted in Shopify")
            facility = find_facility(wanted)
            if facility is None or facility.shop_id != shop.id:
                # Another shop's facility answers as an unknown one: its existence is not ours to tell.
                raise LocationError(f"unknown facility {wanted!r}", 404)
            other = _location_of_facility(facility.id)
            if other is not None and other.id != loc.id:
                # Re-map: the facility moves here (one to one).
                other.facility_id = None
                db.session.flush()
            loc.facility_id = facility.id
    if changes.get("default") is True:
        if loc.deleted or not loc.active:
            raise LocationError("only an active location can be the default")
        for other in locations_of(shop.id, include_deleted=True):
            if other.id != loc.id and other.is_default:
                other.is_default = False
        db.session.flush()
        loc.is_default = True
    elif changes.get("default") is False and loc.is_default:
        raise LocationError("choose another location as the default instead (a shop always has one)")
    db.session.commit()
    return loc


def location_json(shop: Shop, loc: Location, facilities: dict[int, Facility] | None = None) -> dict:
    facility = None
    if loc.facility_id is not None:
        facility = (facilities or {}).get(loc.facility_id) or db.session.get(Facility, loc.facility_id)
    return {
        "id": loc.shopify_id,
        "name": loc.name,
        "active": loc.active,
        "fulfills_online_orders": loc.fulfills_online_orders,
        "pos": loc.pos,
        "address": loc.address or {},
        "facility_id": facility.external_id if facility else None,
        "default": loc.is_default,
        "shopify_admin_url": shopify_admin_url(shop.domain, loc),
    }


def facilities_json(shop_ids: list[int] | None = None, after_id: int = 0, limit: int | None = None) -> list[dict]:
    """Facilities (in id order, after `after_id`) with their mapped location, online-selling
    flag and brokering queue tie. Each item carries its row id as `_id` for paging."""
    query = select(Facility).where(Facility.id > after_id).order_by(Facility.id)
    if shop_ids is not None:
        query = query.where(Facility.shop_id.in_(shop_ids))
    if limit is not None:
        query = query.limit(limit)
    facilities = list(db.session.execute(query).scalars())
    ids = [f.id for f in facilities]
    locs = {
        l.facility_id: l
        for l in db.session.execute(select(Location).where(Location.facility_id.in_(ids))).scalars()
    } if ids else {}
    shop_pks = {f.shop_id for f in facilities}
    shops = {s.id: s for s in db.session.execute(select(Shop).where(Shop.id.in_(shop_pks))).scalars()} if shop_pks else {}
    out = []
    for f in facilities:
        loc = locs.get(f.id)
        shop = shops.get(f.shop_id)
        out.append({
            "facility_id": f.external_id,
            "shop": shop.domain if shop else None,
            "name": f.name,
            "address": f.address or {},
            "sells_online": f.sells_online,
            "location": None if loc is None else {
                "id": loc.shopify_id,
                "name": loc.name,
                "active": loc.active,
                "fulfills_online_orders": loc.fulfills_online_orders,
                "pos": loc.pos,
                "default": loc.is_default,
                "shopify_admin_url": shopify_admin_url(shop.domain, loc) if shop else None,
            },
            # Orders taken at the default location go to the OMS brokering queue.
            "brokering_queue": bool(loc is not None and loc.is_default),
            "_id": f.id,
        })
    return out


# --- the flow and the webhooks ----------------------------------------------------

@register_flow("locations", min_level=AccessLevel.READ, default_interval_minutes=60)
def run_locations(ctx: RunContext) -> None:
    """Pull Shopify locations (the safety net behind the locations webhooks)."""
    counts = import_locations(ctx.shop, ctx.client)
    for key, n in counts.items():
        ctx.count(key, n)


def queue_run(shop_id: int, flow: str, trigger: str = "webhook") -> None:
    """Ask the scheduler for a run soon, unless one is already queued (commits)."""
    from .runner import queue_run as runner_queue_run

    runner_queue_run(shop_id, flow, trigger)


def _apply_rest_location(shop: Shop, payload: dict) -> Location | None:
    gid = location_gid(payload.get("admin_graphql_api_id") or payload.get("id"))
    if gid is None:
        return None
    loc = find_location(shop.id, gid)
    created = loc is None
    if created:
        loc = Location(shop_id=shop.id, shopify_id=gid, fulfills_online_orders=False, pos=False, is_default=False,
                       address={}, active=True, deleted=False)
    loc.legacy_id = gid.rsplit("/", 1)[-1]
    loc.name = payload.get("name") or loc.name or ""
    loc.address = address_from_rest(payload)
    if payload.get("active") is not None:
        loc.active = bool(payload.get("active"))
    loc.deleted = False
    if not loc.active and loc.is_default:
        loc.is_default = False
    if created:
        db.session.add(loc)
    _sync_facility(loc)
    # The REST payload does not say whether it fulfils online orders: a pull, queued now, will.
    queue_run(shop.id, "locations")
    return loc


@handles("locations/create", "locations/update")
def location_changed(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None:
        return
    _apply_rest_location(shop, payload)
    _ensure_default(shop.id)
    db.session.commit()


@handles("locations/delete")
def location_deleted(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None:
        return
    gid = location_gid(payload.get("admin_graphql_api_id") or payload.get("id"))
    loc = find_location(shop.id, gid) if gid else None
    if loc is not None:
        _mark_deleted(loc)
        _ensure_default(shop.id)
    db.session.commit()


def import_now(shop: Shop) -> dict:
    """Import the shop's locations now (the merchant's "import" button)."""
    from .connection import client_for

    return import_locations(shop, client_for(shop, min_level=AccessLevel.READ))


def default_location(shop_id: int) -> Location | None:
    """The shop's default location (takes online orders; its orders go to the OMS brokering queue)."""
    return db.session.execute(
        select(Location).where(Location.shop_id == shop_id, Location.is_default.is_(True), Location.deleted.is_(False))
    ).scalars().first()


def facility_for_location(shop_id: int, location_gid_value: str | None) -> Facility | None:
    """The OMS facility mapped to a Shopify location, if any (e.g. for an order's fulfillment location)."""
    gid = location_gid(location_gid_value)
    loc = find_location(shop_id, gid) if gid else None
    return db.session.get(Facility, loc.facility_id) if loc is not None and loc.facility_id else None
