"""`POST /oms/v1/returns`: the body checked and cleaned (pure)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...shopify.gids import gid_of
from ..oms_requests.checks import text_field, validate_lines, validate_shop_and_order

RESTOCK_TYPES = ("RETURN", "NO_RESTOCK", "CANCEL")


def _money(value, name: str, errors: list) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append(f"{name} must be a decimal amount")
        return None
    if isinstance(value, float) and not value.is_integer():
        # A binary fraction is not an amount of cents: 0.1 + 0.2 is not 0.3.
        errors.append(f'{name} with cents must be a string, e.g. "10.50"')
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{name} must be a decimal amount")
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e12") or amount.as_tuple().exponent < -2:
        errors.append(f"{name} must be a non-negative amount with at most 2 decimals")
        return None
    return format(amount.quantize(Decimal("0.01")), "f")


def validate_return_body(body) -> tuple[dict, list[str]]:
    errors: list[str] = []
    if not isinstance(body, dict):
        return {}, ["the body must be a JSON object"]
    known = {"shop", "order_id", "lines", "external_id", "note", "notify_customer", "amount", "restock_type",
             "location_id", "reason"}
    unknown = sorted(set(body) - known)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    shop, order = validate_shop_and_order(body, errors)
    external_id = text_field(body.get("external_id"), "external_id", errors, required=True)
    amount_only = body.get("amount") is not None
    lines = validate_lines(body.get("lines", [] if amount_only else None), errors, allow_empty=amount_only)
    note = text_field(body.get("note"), "note", errors, max_len=2000)
    reason = text_field(body.get("reason"), "reason", errors)
    notify = body.get("notify_customer", False)
    if not isinstance(notify, bool):
        errors.append("notify_customer must be true or false")
    amount = _money(body.get("amount"), "amount", errors)
    restock = body.get("restock_type", "NO_RESTOCK")
    if restock not in RESTOCK_TYPES:
        errors.append(f"restock_type must be one of {', '.join(RESTOCK_TYPES)}")
    location = None
    if body.get("location_id") is not None:
        location = gid_of("Location", body.get("location_id"))
        if location is None:
            errors.append("location_id must be a Shopify location id")
    elif restock == "RETURN":
        errors.append("restock_type RETURN needs a location_id to restock at")
    clean = {
        "shop": shop,
        "order_id": order,
        "lines": lines,
        "external_id": external_id,
        "note": note,
        "reason": reason,
        "notify_customer": notify if isinstance(notify, bool) else False,
        "amount": amount,
        "restock_type": restock,
        "location_id": location,
    }
    return clean, errors
