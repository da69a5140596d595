"""What the merchant should know about a shop's locations, in their words: pure, no I/O.

The inventory push sends the online total to the default location and a store's own
stock to a point-of-sale location with a facility, nothing elsewhere
(`sync/inventory/plan.py`). So:
- a location that fulfils online orders but is not the default keeps whatever stock
  Shopify holds there (ours from before, or not ours), and Shopify sells it online
  beside the default's: online stock can count twice;
- a location we no longer push to (a former default, a store whose facility was
  unmapped) still holds the levels we set there;
- a default that does not fulfil online orders cannot sell the stock we send it.
Each warning names its ways out (`actions`), which the API carries out after the
merchant confirms: `stop_online_selling`, `zero_levels`, `choose_default`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..inventory.plan import LocationInfo, plan_targets


@dataclass(frozen=True)
class LocationWarning:
    code: str
    message: str
    actions: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "actions": list(self.actions)}


def levels(n: int) -> str:
    return f"{n} stock level{'s' if n != 1 else ''}"


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
        found: list[LocationWarning] = []
        held = levels_held.get(loc.shopify_id, 0)
        if loc.is_default and not loc.fulfills_online_orders:
            found.append(LocationWarning(
                "default_not_online",
                f"{loc.name} is the default location but does not fulfil online orders, so the online stock "
                "we send there cannot be sold online. Choose a location that fulfils online orders as the default.",
                ("choose_default",)))
        if loc.fulfills_online_orders and not loc.is_default:
            where = default.name if default else "the default location"
            actions = ("stop_online_selling", "zero_levels") if held else ("stop_online_selling",)
            found.append(LocationWarning(
                "online_not_default",
                f"{loc.name} fulfils online orders but is not the default location. We send online stock to "
                f"{where} only; the stock Shopify holds at {loc.name} (ours or not) is sold online too, so online "
                f"stock can count twice. Stop online selling at {loc.name}"
                + (", or set the levels we pushed there to 0." if held else "."),
                actions))
        if held and loc.shopify_id not in pushed_to:
            found.append(LocationWarning(
                "pushed_levels_left",
                f"{loc.name} still holds {levels(held)} we set there (when it was the default, or before its "
                f"facility was unmapped); we no longer update them. Set them to 0 if they are not real stock "
                f"at {loc.name}.",
                ("zero_levels",)))
        if found:
            out[loc.shopify_id] = found
    return out
