"""The merchant's mapping: a facility created from a location (one to one), a location
mapped, unmapped or re-mapped, the default chosen; and the facilities read with their
locations."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Facility, Location, Shop
from ..tenancy import ALL_STORES, Tenancy
from .decide import facility_external_id, sells_online, shop_facility_external_id
from .store import locations_of


# Why a location request is refused (web/ answers each with its status).
NOT_NOW = "not_now"  # the location's state forbids it: deleted, inactive, the default, not selling online
TAKEN = "taken"  # the location or facility is mapped elsewhere, or the facility is another shop's
UNKNOWN = "unknown"  # no such facility of this shop, or a location Shopify no longer knows
NOT_GRANTED = "not_granted"  # the store has not let the app edit its locations
SHOPIFY_REFUSED = "shopify_refused"  # Shopify answered the change with user errors
NO_ANSWER = "no_answer"  # Shopify did not answer, or did not confirm the change


class LocationError(ValueError):
    """A location request that cannot be carried out, in the merchant's words; `reason`
    says why (one of the reasons above)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def find_facility(external_id: str) -> Facility | None:
    return db.session.execute(select(Facility).where(Facility.external_id == external_id)).scalar_one_or_none()


def create_facility(shop: Shop, loc: Location) -> Facility:
    """Create an OMS facility from this location, with its details, and map it (one to one)."""
    if loc.deleted:
        raise LocationError(NOT_NOW, "this location was deleted in Shopify")
    if loc.facility_id is not None:
        raise LocationError(TAKEN, "this location is already mapped to a facility; unmap it first")
    external_id = facility_external_id(loc)
    facility = find_facility(external_id)
    if facility is not None and facility.shop_id != shop.id:
        external_id = shop_facility_external_id(shop.domain, loc)
        facility = find_facility(external_id)
    if facility is None:
        facility = Facility(shop_id=shop.id, external_id=external_id, name=loc.name, address=dict(loc.address or {}))
        db.session.add(facility)
    elif facility.shop_id != shop.id:
        raise LocationError(TAKEN, "a facility with this id belongs to another shop")
    else:
        taken = location_of_facility(facility.id)
        if taken is not None and taken.id != loc.id:
            raise LocationError(TAKEN, f"facility {external_id} is mapped to another location")
    facility.name = loc.name
    facility.address = dict(loc.address or {})
    facility.sells_online = sells_online(loc)
    db.session.flush()
    loc.facility_id = facility.id
    db.session.commit()
    return facility


def location_of_facility(facility_pk: int) -> Location | None:
    return db.session.execute(select(Location).where(Location.facility_id == facility_pk)).scalar_one_or_none()


def update_location(shop: Shop, loc: Location, changes: dict) -> Location | None:
    """Map, unmap or re-map (`facility_id`), and choose the default (`default: true`).

    A facility mapped to another location moves here only when `take` is true (else
    TAKEN, naming that location); returns the location it was taken from, or None. Only
    a location that fulfils online orders can be the default (else NOT_NOW)."""
    taken_from = None
    if "facility_id" in changes:
        wanted = changes["facility_id"]
        if wanted is None:
            loc.facility_id = None
        else:
            if loc.deleted:
                raise LocationError(NOT_NOW, "this location was deleted in Shopify")
            facility = find_facility(wanted)
            if facility is None or facility.shop_id != shop.id:
                # Another shop's facility answers as an unknown one: its existence is not ours to tell.
                raise LocationError(UNKNOWN, f"unknown facility {wanted!r}")
            other = location_of_facility(facility.id)
            if other is not None and other.id != loc.id:
                if not changes.get("take"):
                    raise LocationError(
                        TAKEN, f"Facility {wanted} is mapped to {other.name}. Mapping it to {loc.name} takes it from "
                        f"{other.name}, which is then mapped to no facility; confirm to move it "
                        '(send "take": true).')
                # Re-map, confirmed: the facility moves here (one to one).
                other.facility_id = None
                taken_from = other
                db.session.flush()
            loc.facility_id = facility.id
    if changes.get("default") is True:
        if loc.deleted or not loc.active:
            raise LocationError(NOT_NOW, "only an active location can be the default")
        if not loc.fulfills_online_orders:
            raise LocationError(
                NOT_NOW, f"Only a location that fulfils online orders can be the default: {loc.name} does not. "
                "Turn on \"Fulfil online orders from this location\" for it in Shopify admin first.")
        for other in locations_of(shop.id, include_deleted=True):
            if other.id != loc.id and other.is_default:
                other.is_default = False
        db.session.flush()
        loc.is_default = True
    elif changes.get("default") is False and loc.is_default:
        raise LocationError(NOT_NOW, "choose another location as the default instead (a shop always has one)")
    db.session.commit()
    return taken_from


def facilities_with_locations(shop_ids: list[int] | None = None, after_id: int = 0,
                              limit: int | None = None, tenancy: Tenancy = ALL_STORES) -> list[tuple[Facility, Location | None, Shop | None]]:
    """Facilities in id order after `after_id` (of these shops, when given), each with its
    mapped location and its shop; only the shops the tenancy sees."""
    query = select(Facility).where(Facility.id > after_id, tenancy.shop_ids(Facility.shop_id)).order_by(Facility.id)
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
    return [(f, locs.get(f.id), shops.get(f.shop_id)) for f in facilities]


def facilities_of(shop_id: int) -> dict[int, Facility]:
    """The shop's facilities by row id."""
    return {f.id: f for f in db.session.execute(select(Facility).where(Facility.shop_id == shop_id)).scalars()}


def facility_of(loc: Location, facilities: dict[int, Facility] | None = None) -> Facility | None:
    """The facility mapped to a location (from `facilities` when given, else read)."""
    if loc.facility_id is None:
        return None
    return (facilities or {}).get(loc.facility_id) or db.session.get(Facility, loc.facility_id)
