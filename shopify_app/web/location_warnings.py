"""The locations' warnings as the pages show them: the merchant's words and the ways out.

The facts are sync/locations/warnings.py's. Each way out (`actions`) is a call of
/api/locations/<gid> the page makes after the merchant confirms: `stop_online_selling`,
`zero_levels`, or `choose_default` (a `PUT` with `"default": true` elsewhere).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..sync.locations import warnings as facts


@dataclass(frozen=True)
class ShownWarning:
    code: str
    message: str
    actions: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "actions": list(self.actions)}


def levels(n: int) -> str:
    return f"{n} stock level{'s' if n != 1 else ''}"


def shown(warning: facts.LocationWarning) -> ShownWarning:
    name, held = warning.location, warning.held
    if warning.code == facts.DEFAULT_NOT_ONLINE:
        return ShownWarning(
            warning.code,
            f"{name} is the default location but does not fulfil online orders, so the online stock "
            "we send there cannot be sold online. Choose a location that fulfils online orders as the default.",
            ("choose_default",))
    if warning.code == facts.ONLINE_NOT_DEFAULT:
        where = warning.default or "the default location"
        return ShownWarning(
            warning.code,
            f"{name} fulfils online orders but is not the default location. We send online stock to "
            f"{where} only; the stock Shopify holds at {name} (ours or not) is sold online too, so online "
            f"stock can count twice. Stop online selling at {name}"
            + (", or set the levels we pushed there to 0." if held else "."),
            ("stop_online_selling", "zero_levels") if held else ("stop_online_selling",))
    if warning.code == facts.PUSHED_LEVELS_LEFT:
        return ShownWarning(
            warning.code,
            f"{name} still holds {levels(held)} we set there (when it was the default, or before its "
            f"facility was unmapped); we no longer update them. Set them to 0 if they are not real stock "
            f"at {name}.",
            ("zero_levels",))
    raise ValueError(f"no words for the location warning {warning.code!r}")


def location_warnings(locations: list, levels_held: dict[str, int]) -> dict[str, list[ShownWarning]]:
    """{location GID: warnings as shown} for the shop's `locations` (Location rows), given
    how many levels we pushed are still held at each (`levels_held`, by location GID)."""
    return {gid: [shown(w) for w in found] for gid, found in facts.location_warnings(locations, levels_held).items()}
