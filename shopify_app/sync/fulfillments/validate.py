"""`POST /oms/v1/fulfillments`: the body checked and cleaned (pure)."""
from __future__ import annotations

from urllib.parse import urlsplit

from ..oms_requests.checks import text_field, validate_lines, validate_shop_and_order


def validate_tracking(tracking, errors: list) -> dict | None:
    if tracking is None:
        return None
    if not isinstance(tracking, dict):
        errors.append("tracking must be an object {company, number, url}")
        return None
    unknown = sorted(set(tracking) - {"company", "number", "url"})
    if unknown:
        errors.append(f"tracking has unknown field(s): {', '.join(unknown)}")
    company = text_field(tracking.get("company"), "tracking.company", errors)
    number = text_field(tracking.get("number"), "tracking.number", errors)
    url = text_field(tracking.get("url"), "tracking.url", errors, max_len=2000)
    if url is not None:
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append("tracking.url must be an http(s) URL")
    clean = {"company": company, "number": number, "url": url}
    return clean if any(clean.values()) else None


def validate_fulfillment_body(body) -> tuple[dict, list[str]]:
    """`POST /oms/v1/fulfillments` -> (clean request, errors)."""
    errors: list[str] = []
    if not isinstance(body, dict):
        return {}, ["the body must be a JSON object"]
    known = {"shop", "order_id", "lines", "tracking", "notify_customer", "external_id"}
    unknown = sorted(set(body) - known)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    shop, order = validate_shop_and_order(body, errors)
    external_id = text_field(body.get("external_id"), "external_id", errors, required=True)
    lines = validate_lines(body.get("lines"), errors)
    tracking = validate_tracking(body.get("tracking"), errors)
    notify = body.get("notify_customer", False)
    if not isinstance(notify, bool):
        errors.append("notify_customer must be true or false")
    clean = {
        "shop": shop,
        "order_id": order,
        "lines": lines,
        "tracking": tracking,
        "notify_customer": bool(notify) if isinstance(notify, bool) else False,
        "external_id": external_id,
    }
    return clean, errors
