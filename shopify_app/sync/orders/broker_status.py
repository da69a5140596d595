"""What the OMS may say about an order it brokers (pure): the statuses, the body of
`POST /oms/v1/orders/{id}/status`, and what a Shopify cancellation does to the status.

A cancellation in Shopify sets `broker_status` to `cancelled` (unless the OMS already
completed the order): the OMS's queue readers filter on `broker_status`, so an order
cancelled in Shopify must leave `queued`/`brokered` where they look, not only show
`status: cancelled` beside it. The lines' facilities stay, so the OMS still knows
where it had brokered them.
"""
from __future__ import annotations

from ...shopify.gids import gid_of
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain

BROKER_STATUSES = ("queued", "brokered", "rejected", "completed", "cancelled")
# Statuses a Shopify cancellation overrides (a completed order stays completed).
CANCELLABLE = ("queued", "brokered", "rejected")
MAX_LINES = 250
MAX_ID_LENGTH = 64


def error(field: list[str], message: str) -> dict:
    return {"field": field, "message": message}


def check_status_body(body, shop_arg: str | None) -> tuple[dict, list[dict]]:
    """(clean, errors): clean is {"shop", "status", "lines": [{"line_item_id", "facility_id"}]}.
    `lines` is required for `brokered` and refused with any other status."""
    errors: list[dict] = []
    if not isinstance(body, dict):
        return {}, [error([], "send a JSON object")]
    shop = body.get("shop", shop_arg)
    try:
        shop = validate_shop_domain(shop.strip()) if isinstance(shop, str) else None
    except InvalidShopDomain:
        shop = None
    if shop is None:
        errors.append(error(["shop"], "shop must be a shop's myshopify.com domain (in the body or the query)"))
    status = body.get("status")
    if status not in BROKER_STATUSES:
        errors.append(error(["status"], f"status must be one of {', '.join(BROKER_STATUSES)}"))
    lines = body.get("lines")
    clean_lines: list[dict] = []
    if status == "brokered":
        if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
            errors.append(error(["lines"], f"brokered needs lines: 1 to {MAX_LINES} of {{line_item_id, facility_id}}"))
            lines = []
        seen = set()
        for i, line in enumerate(lines):
            if not isinstance(line, dict):
                errors.append(error(["lines", str(i)], "must be an object"))
                continue
            line_gid = gid_of("LineItem", line.get("line_item_id"))
            facility = line.get("facility_id")
            if line_gid is None:
                errors.append(error(["lines", str(i), "line_item_id"], "must be a Shopify line item id"))
            elif line_gid in seen:
                errors.append(error(["lines", str(i), "line_item_id"], "given twice"))
            if not isinstance(facility, str) or not facility.strip() or len(facility) > MAX_ID_LENGTH:
                errors.append(error(["lines", str(i), "facility_id"],
                                    f"must be a facility id (a string of 1 to {MAX_ID_LENGTH} characters)"))
            elif line_gid is not None:
                seen.add(line_gid)
                clean_lines.append({"line_item_id": line_gid, "facility_id": facility.strip()})
    elif lines not in (None, []):
        errors.append(error(["lines"], "lines are given only with status brokered"))
    return {"shop": shop, "status": status, "lines": clean_lines}, errors


def check_lines_known(lines: list[dict], order_line_ids: set[str], facility_ids: set[str]) -> list[dict]:
    """Each line must be one of the order's, each facility one of the shop's."""
    errors = []
    for i, line in enumerate(lines):
        if line["line_item_id"] not in order_line_ids:
            errors.append(error(["lines", str(i), "line_item_id"], "not a line item of this order"))
        if line["facility_id"] not in facility_ids:
            errors.append(error(["lines", str(i), "facility_id"], "no such facility for this shop"))
    return errors

