"""Orders' mapped values: sales channel, payment and shipping method (and carrier).

`Mapper` resolves through the shop's mappings (`sync/mappings.py`), cached for one
run, and remembers the values it met so the merchant sees them to map. A value
without a mapping resolves to None and is listed in the order's `unmapped`.
"""
from __future__ import annotations

import logging

from ...extensions import db
from .. import mappings

log = logging.getLogger(__name__)


class Mapper:
    """Mapping resolution for one shop, cached for a run; remembers values met."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._cache: dict[tuple[str, str], str | None] = {}
        self.seen: dict[str, set[str]] = {}

    def resolve(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        self.seen.setdefault(kind, set()).add(value)
        key = (kind, value)
        if key not in self._cache:
            result = None
            try:
                result = mappings.resolve(self.shop_id, kind, value)
            except Exception:  # an order never fails over its mapping: it stays unmapped
                log.exception("mapping %s failed", kind)
            self._cache[key] = result
        return self._cache[key]

    def carrier(self, shipping_title: str | None) -> str | None:
        """The carrier mapped with a shipping method (None when unmapped or none set)."""
        if not shipping_title:
            return None
        key = ("shipping_carrier", shipping_title)
        if key not in self._cache:
            try:
                self._cache[key] = mappings.resolve_shipping(self.shop_id, shipping_title)[1]
            except Exception:
                log.exception("shipping carrier mapping failed")
                self._cache[key] = None
        return self._cache[key]

    def record(self) -> None:
        """Remember the values met since the last call (in the caller's transaction)."""
        for kind, values in self.seen.items():
            if values:
                try:
                    with db.session.begin_nested():
                        mappings.record_seen(self.shop_id, kind, sorted(values), source="order")
                except Exception:
                    log.exception("could not record %s values", kind)
        self.seen = {}


def shipping_title(ship_lines: list[dict] | None) -> str | None:
    """The shipping line title the shipping-method mapping reads: the first line not removed."""
    for line in ship_lines or []:
        if not line.get("removed"):
            return line.get("title")
    return None


def mapped_shipping(mapper: Mapper, ship_lines: list[dict] | None, unmapped: dict) -> dict:
    """`shipping_method` and `shipping_carrier` for these shipping lines; an unmapped
    title is added to `unmapped`."""
    title = shipping_title(ship_lines)
    method = mapper.resolve("shipping_method", title)
    if title and method is None:
        unmapped["shipping_method"] = title
    return {"shipping_method": method, "shipping_carrier": mapper.carrier(title) if method else None}


def mapped_fields(mapper: Mapper, row: dict) -> dict:
    """The mapped columns of an Order row (normalize's): sales channel, payment method,
    and the shipping method when the row lists its shipping lines; plus `unmapped`."""
    unmapped: dict[str, str] = {}
    channel = row["channel"]
    sales_channel = mapper.resolve("sales_channel", channel)
    if channel and sales_channel is None:
        unmapped["sales_channel"] = channel
    gateways = row["payment_gateways"]
    payment = None
    for g in gateways or []:
        payment = mapper.resolve("payment_method", g)
        if payment:
            break
    if gateways and payment is None:
        unmapped["payment_method"] = gateways[0]
    out = {"sales_channel": sales_channel, "payment_method": payment}
    if "shipping_lines" in row:
        out.update(mapped_shipping(mapper, row["shipping_lines"], unmapped))
    out["unmapped"] = unmapped
    return out
