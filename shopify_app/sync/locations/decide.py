"""The locations' decisions (pure): which location is the default, what sells online,
what feeds the brokering queue, what a location's facility is called."""
from __future__ import annotations

from collections.abc import Iterable

from ...models import Location


def choose_default(locations: Iterable[Location]) -> Location | None:
    """The location to make the default when a shop has none: the first active one
    fulfilling online orders (by Shopify id), else the first active one; None if none is active."""
    locs = list(locations)
    candidates = [l for l in locs if l.active and l.fulfills_online_orders] or [l for l in locs if l.active]
    if not candidates:
        return None
    return min(candidates, key=lambda l: int(l.legacy_id) if l.legacy_id.isdigit() else 0)


def sells_online(loc: Location) -> bool:
    """A facility mapped to this location counts towards the online sellable total."""
    return loc.fulfills_online_orders and loc.active


def feeds_brokering_queue(loc: Location | None) -> bool:
    """Orders taken at the default location go to the OMS brokering queue."""
    return bool(loc is not None and loc.is_default)


def facility_external_id(loc: Location) -> str:
    return f"SHOPIFY_{loc.legacy_id}"


def shop_facility_external_id(shop_domain: str, loc: Location) -> str:
    """Facility ids are one namespace in the OMS; Shopify's location ids are unique, but a
    copied or test store may repeat them: then the id names the shop too."""
    return f"SHOPIFY_{shop_domain.split('.', 1)[0].upper()}_{loc.legacy_id}"[:64]
