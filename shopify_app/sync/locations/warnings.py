"""What the merchant should know about a shop's locations, as facts: pure, no I/O.

The inventory push sends the online total to the default location and a store's own
stock to a point-of-sale location with a facility, nothing elsewhere
(`sync/inventory/plan.py`). So:
- a location that fulfils online orders but is not the default keeps whatever stock
  Shopify holds there (ours from before, or not ours), and Shopify sells it online
  beside the default's: online stock can count twice (`online_not_default`);
- a location we no longer push to (a former default, a store whose facility was
  unmapped) still holds the levels we set there (`pushed_levels_left`);
- a default that does not fulfil online orders cannot sell the stock we send it
  (`default_not_online`).
What the page says of each, and the ways out it offers, is web/location_warnings.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..inventory.plan import LocationInfo, plan_targets

DEFAULT_NOT_ONLINE = "default_not_online"
ONLINE_NOT_DEFAULT = "online_not_default"
PUSHED_LEVELS_LEFT = "pushed_levels_left"


@dataclass(frozen=True)
class LocationWarning:
    """One thing to know about a location: `code` says what; `location` is its name,
    `default` the default location's (None when the shop has none active), `held` how
    many levels we pushed there Shopify still holds."""
    code: str
    location: str
    default: str | None
    held: int


def location_warnings(locations: list, levels_held: dict[str, int]) -> dict[str, list[LocationWarning]]:
    """{location GID: warnings} for the shop's `locations` (Location rows), given how many
    levels we pushed are still held at each location (`levels_held`, by location GID)."""
    infos = [LocationInfo(l.shopify_id, l.active, l.deleted, l.pos, l.is_default, l.facility_id) for l in locations]
    pushed_to = {t.location_id for t in plan_targets(infos, [])}
    default = next((l for l in locations if l.is_default and l.active and not l.deleted), None)
    out: dict[str, list[LocationWarning]] = {}
    for loc in locations:
        if loc.deleted or not loc.active:
            continue
        held = levels_held.get(loc.shopify_id, 0)
        codes = []
        if loc.is_default and not loc.fulfills_online_orders:
            codes.append(DEFAULT_NOT_ONLINE)
        if loc.fulfills_online_orders and not loc.is_default:
            codes.append(ONLINE_NOT_DEFAULT)
        if held and loc.shopify_id not in pushed_to:
            codes.append(PUSHED_LEVELS_LEFT)
        if codes:
            out[loc.shopify_id] = [LocationWarning(code, loc.name, default.name if default else None, held)
                                   for code in codes]
    return out
