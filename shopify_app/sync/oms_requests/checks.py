"""The checks fulfillment and return requests from the OMS share (pure).

Both name a shop, an order and lines (`sku` or `line_item_id`, and a quantity), and
both are idempotent on the OMS's `external_id` with a hash of their cleaned body.
The checks of those fields, and finding the lines on the order's line items, are
written here once for `sync/fulfillments/` and `sync/refunds/`.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict, defaultdict

from ...shopify.gids import gid_of
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain

MAX_LINES = 250

# Why a request is refused (web/ answers each with its status).
INVALID = "invalid"  # the body breaks the checks: `details` lists how
UNKNOWN_SHOP = "unknown_shop"  # no such shop, or one the tenancy does not see (the same answer)
EXTERNAL_ID_REUSED = "external_id_reused"  # the external id came before with another body


class RequestInvalid(ValueError):
    """A request that cannot be stored, in the OMS's words; `reason` says why (one of
    the reasons above)."""

    def __init__(self, reason: str, message: str, details: list | None = None):
        super().__init__(message)
        self.reason = reason
        self.details = details or []


def text_field(value, name: str, errors: list, required: bool = False, max_len: int = 255) -> str | None:
    """A free-text field: stripped, None when blank; a wrong type or length is an error."""
    if value is None:
        if required:
            errors.append(f"{name} is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
        errors.append(f"{name} must be a{' non-empty' if required else ''} string of at most {max_len} characters")
        return None
    return value.strip() or None


def validate_lines(lines, errors: list, allow_empty: bool = False) -> list[dict]:
    out = []
    if not isinstance(lines, list) or (not lines and not allow_empty):
        errors.append("lines must be a non-empty array of {sku or line_item_id, quantity}")
        return out
    if len(lines) > MAX_LINES:
        errors.append(f"at most {MAX_LINES} lines")
        return out
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            errors.append(f"lines[{i}] must be an object")
            continue
        qty = line.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty < 2**31:
            errors.append(f"lines[{i}].quantity must be a positive whole number")
            continue
        has_sku = line.get("sku") is not None
        has_line = line.get("line_item_id") is not None
        if has_sku == has_line:
            errors.append(f"lines[{i}] needs exactly one of sku and line_item_id")
            continue
        if has_line:
            line_gid = gid_of("LineItem", line["line_item_id"])
            if line_gid is None:
                errors.append(f"lines[{i}].line_item_id must be a Shopify line item id")
                continue
            out.append({"line_item_id": line_gid, "quantity": qty})
        else:
            sku = line["sku"]
            if not isinstance(sku, str) or not sku.strip() or len(sku) > 255:
                errors.append(f"lines[{i}].sku must be a non-empty string")
                continue
            out.append({"sku": sku.strip(), "quantity": qty})
    return out


def validate_shop_and_order(body: dict, errors: list) -> tuple[str | None, str | None]:
    shop = body.get("shop")
    try:
        shop = validate_shop_domain(shop) if isinstance(shop, str) else None
    except InvalidShopDomain:
        shop = None
    if shop is None:
        errors.append("shop must be a shop's myshopify.com domain")
    order = gid_of("Order", body.get("order_id"))
    if order is None:
        errors.append("order_id must be a Shopify order id (gid://shopify/Order/N or N)")
    return shop, order


def body_hash(clean: dict) -> str:
    return hashlib.sha256(json.dumps(clean, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def resolve_lines(lines: list[dict], order_lines: list[dict]) -> tuple[list[dict], list[dict]]:
    """Turn request lines (sku or line_item_id) into order line items with quantities.

    A SKU matching several order lines takes from each in order. Returns (wanted, errors):
    wanted is [{"line_item_id", "quantity"}] merged per line item.
    """
    by_id = {li["id"]: li for li in order_lines}
    by_sku: dict[str, list[dict]] = defaultdict(list)
    for li in order_lines:
        if li.get("sku"):
            by_sku[li["sku"]].append(li)
    wanted: dict[str, int] = OrderedDict()
    errors = []
    for i, line in enumerate(lines):
        if "line_item_id" in line:
            if line["line_item_id"] not in by_id:
                errors.append({"field": ["lines", str(i), "line_item_id"], "message": "not a line item of this order"})
                continue
            wanted[line["line_item_id"]] = wanted.get(line["line_item_id"], 0) + line["quantity"]
        else:
            candidates = by_sku.get(line["sku"]) or []
            if not candidates:
                errors.append({"field": ["lines", str(i), "sku"], "message": f"no line of this order has SKU {line['sku']!r}"})
                continue
            need = line["quantity"]
            for li in candidates:
                room = int(li.get("quantity") or 0) - wanted.get(li["id"], 0)
                take = min(room, need) if li is not candidates[-1] else need
                if take > 0:
                    wanted[li["id"]] = wanted.get(li["id"], 0) + take
                    need -= take
                if need <= 0:
                    break
    return [{"line_item_id": k, "quantity": v} for k, v in wanted.items()], errors
