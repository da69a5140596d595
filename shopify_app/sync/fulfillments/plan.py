"""Planning a fulfillment onto the order's fulfillment orders, and recognising one
already sent (pure)."""
from __future__ import annotations

from collections import OrderedDict, defaultdict
from datetime import datetime, timedelta

from ...shopify.times import parse_time_or_none

FULFILLABLE_STATUSES = ("OPEN", "IN_PROGRESS")
# How far Shopify's clock may be behind ours when we compare its createdAt with our sending_at
CLOCK_SLACK = timedelta(minutes=5)


def plan_fulfillment(wanted: list[dict], fulfillment_orders: list[dict]) -> tuple[list[dict], list[dict]]:
    """Allocate the wanted quantities to fulfillment order line items with room left,
    grouped into one part per assigned location (fulfillmentCreate takes one location).

    Returns (parts, errors). A part: {"location_id", "items": [{"fulfillment_order_id",
    "id", "line_item_id", "quantity"}], "status": "pending"}.
    """
    room: list[tuple[dict, dict]] = []
    for fo in fulfillment_orders:
        if fo.get("status") not in FULFILLABLE_STATUSES:
            continue
        for foli in ((fo.get("lineItems") or {}).get("nodes") or []):
            if int(foli.get("remainingQuantity") or 0) > 0:
                room.append((fo, foli))
    parts: "OrderedDict[str, dict]" = OrderedDict()
    errors = []
    for want in wanted:
        need = want["quantity"]
        for fo, foli in room:
            if (foli.get("lineItem") or {}).get("id") != want["line_item_id"] or need <= 0:
                continue
            left = int(foli["remainingQuantity"]) - foli.get("_taken", 0)
            take = min(left, need)
            if take <= 0:
                continue
            foli["_taken"] = foli.get("_taken", 0) + take
            need -= take
            loc = (((fo.get("assignedLocation") or {}).get("location")) or {}).get("id") or "unassigned"
            part = parts.setdefault(loc, {"location_id": loc, "items": [], "status": "pending"})
            part["items"].append({"fulfillment_order_id": fo["id"], "id": foli["id"],
                                  "line_item_id": want["line_item_id"], "quantity": take})
        if need > 0:
            errors.append({"field": ["lines"], "message": f"line item {want['line_item_id']} has only "
                                                          f"{want['quantity'] - need} left to fulfil, "
                                                          f"{want['quantity']} asked"})
    for _fo, foli in room:
        foli.pop("_taken", None)
    return list(parts.values()), errors


def has_next_page(connection: dict | None) -> bool:
    """Whether Shopify left more of this connection unread (a page limit)."""
    return bool(((connection or {}).get("pageInfo") or {}).get("hasNextPage"))


def truncated(order: dict) -> bool:
    """Whether the order query left line items or fulfillment orders out (a page limit)."""
    fos = order.get("fulfillmentOrders") or {}
    return (has_next_page(order.get("lineItems")) or has_next_page(fos)
            or any(has_next_page(fo.get("lineItems")) for fo in fos.get("nodes") or []))


def fulfillment_input(part: dict, tracking: dict | None, notify: bool) -> dict:
    groups: "OrderedDict[str, list]" = OrderedDict()
    for item in part["items"]:
        groups.setdefault(item["fulfillment_order_id"], []).append({"id": item["id"], "quantity": item["quantity"]})
    out = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items} for fo, items in groups.items()
        ],
        "notifyCustomer": bool(notify),
    }
    if tracking:
        out["trackingInfo"] = {k: v for k, v in tracking.items() if v}
    return out


def _line_quantities(items) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for item in items:
        out[item["line_item_id"]] += item["quantity"]
    return dict(out)


class NotKnownYet:
    """find_existing's answer when the part may be in what was not read of Shopify's
    fulfillments (a page limit): neither found nor absent. Sending it now could ship it
    twice; it is looked for again later."""

    def __repr__(self) -> str:
        return "NOT_KNOWN_YET"


NOT_KNOWN_YET = NotKnownYet()


def _could_become(got: dict[str, int], want: dict[str, int]) -> bool:
    """Whether lines read so far could still add up to `want` once the rest is read."""
    return all(line in want and quantity <= want[line] for line, quantity in got.items())


def find_existing(part: dict, tracking: dict | None, fulfillments: list[dict], claimed: set[str],
                  since: datetime | None, all_read: bool = True) -> str | NotKnownYet | None:
    """The id of a fulfillment in Shopify that is this part already sent; None when it is
    not there; NOT_KNOWN_YET when it may be among what was not read: `all_read` False
    (more fulfillments than were read) or a fulfillment whose lines were cut off."""
    want = _line_quantities(part["items"])
    number = (tracking or {}).get("number")
    maybe_unread = not all_read
    for f in fulfillments:
        if f.get("id") in claimed:
            continue
        numbers = {t.get("number") for t in (f.get("trackingInfo") or [])}
        if number and number not in numbers:
            continue
        if since is not None:
            created = parse_time_or_none(f.get("createdAt"))
            if created is not None and created < since - CLOCK_SLACK:
                continue
        lines = f.get("fulfillmentLineItems") or {}
        got: dict[str, int] = defaultdict(int)
        for node in lines.get("nodes") or []:
            got[(node.get("lineItem") or {}).get("id")] += int(node.get("quantity") or 0)
        if has_next_page(lines):
            # More lines than were read: it is ours only if what was read fits the part.
            maybe_unread = maybe_unread or _could_become(dict(got), want)
            continue
        if dict(got) == want:
            return f["id"]
    return NOT_KNOWN_YET if maybe_unread else None
