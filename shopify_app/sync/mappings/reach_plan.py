"""What a mapping change does to the stored records carrying its values: pure, no I/O.

A saved mapping reaches every stored record (DESIGN: "Mappings are applied to
everything stored"). `sync/mappings/reach.py` carries the plans out in SQL; this module
decides them:

- `scalar_plan`: for the kinds whose Shopify value is one column of the record
  (an order's `channel`, a product's `product_type`), the set-based updates to run:
  one per OMS target, over the Shopify values mapped to it (in chunks, so that an
  `IN (...)` list stays short);
- `payment_of` / `shipping_of`: for the kinds read from a list the record holds (an
  order's payment gateways, its shipping lines), the mapped values of one record,
  decided exactly as the orders flow decides them when it downloads the order, so that
  mapping before or after a download gives the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import normalize

# Shopify values per `IN (...)` list: well under SQLite's and PostgreSQL's bind limits.
VALUES_PER_STATEMENT = 500

# The kinds read from one column, and the kinds read from a list of the order. Written
# out, not derived from MAPPING_KIND_TABLE: each needs its own update (`scalar_update` or
# `LIST_COLUMNS` in reach.py, `order_list_changes` here), and a kind in neither is
# refused (reach_stored raises) rather than sent down another kind's.
SCALAR_KINDS = ("sales_channel", "product_type")
LIST_KINDS = ("payment_method", "shipping_method")


@dataclass(frozen=True)
class Target:
    """What a Shopify value maps to: `oms_value` None means unmapped."""
    oms_value: str | None
    carrier: str | None = None


@dataclass(frozen=True)
class ScalarUpdate:
    """Set every record whose Shopify value is in `values` to `target` (None: unmapped,
    flagged), moving `updated_at` only where something changes."""
    values: tuple[str, ...]
    target: str | None


def scalar_plan(table: dict[str, Target], values) -> list[ScalarUpdate]:
    """The updates that bring the records carrying `values` in line with `table` (the
    shop's mappings of one kind; a value absent from it is unmapped)."""
    by_target: dict[str | None, list[str]] = {}
    for value in sorted({v for v in (normalize(x) for x in values) if v}):
        target = table.get(value)
        by_target.setdefault(target.oms_value if target else None, []).append(value)
    plan = []
    for target in sorted(by_target, key=lambda t: (t is not None, t or "")):
        group = by_target[target]
        for i in range(0, len(group), VALUES_PER_STATEMENT):
            plan.append(ScalarUpdate(tuple(group[i:i + VALUES_PER_STATEMENT]), target))
    return plan


def lookup(table: dict[str, Target], value) -> Target | None:
    key = normalize(value)
    target = table.get(key) if key else None
    return target if target and target.oms_value else None


def payment_of(gateways: list | None, table: dict[str, Target]) -> tuple[str | None, str | None]:
    """(payment method, unmapped gateway): the first gateway that maps, as the orders flow
    picks it; when none maps, the first gateway is the one flagged."""
    for gateway in gateways or []:
        target = lookup(table, gateway)
        if target:
            return target.oms_value, None
    return None, (gateways[0] if gateways else None)


def shipping_title(ship_lines: list | None) -> str | None:
    """The title the shipping-method mapping reads: the first shipping line not removed."""
    for line in ship_lines or []:
        if isinstance(line, dict) and not line.get("removed"):
            return line.get("title")
    return None


def shipping_of(ship_lines: list | None, table: dict[str, Target]) -> tuple[str | None, str | None, str | None]:
    """(shipment method, carrier, unmapped title) for an order's shipping lines."""
    title = shipping_title(ship_lines)
    target = lookup(table, title)
    if target:
        return target.oms_value, target.carrier, None
    return None, None, title or None


def with_flag(unmapped: dict | None, key: str, value: str | None) -> dict:
    """An order's `unmapped` with `key` flagged as `value` (None: the flag removed)."""
    out = {k: v for k, v in (unmapped if isinstance(unmapped, dict) else {}).items() if k != key}
    if value is not None:
        out[key] = value
    return out


def order_list_changes(kind: str, row: dict, table: dict[str, Target]) -> dict | None:
    """The columns of a stored order (`row`: payment_gateways, shipping_lines, unmapped
    and the mapped columns) to change for `kind`, or None when it is already right."""
    if kind == "payment_method":
        method, flagged = payment_of(row.get("payment_gateways"), table)
        new = {"payment_method": method, "unmapped": with_flag(row.get("unmapped"), "payment_method", flagged)}
    elif kind == "shipping_method":
        if row.get("shipping_lines") is None:
            return None  # shipping lines never listed: nothing was mapped from them
        method, carrier, flagged = shipping_of(row.get("shipping_lines"), table)
        new = {"shipping_method": method, "shipping_carrier": carrier,
               "unmapped": with_flag(row.get("unmapped"), "shipping_method", flagged)}
    else:
        raise ValueError(f"{kind!r} is not read from a list")
    current = {k: row.get(k) for k in new}
    if not isinstance(current["unmapped"], dict):
        current["unmapped"] = {}
    return None if current == new else new
