"""Which orders we import: pure decisions, no I/O.

A first download asks Shopify for open, unfulfilled orders (or all open ones, or
since a date: `shop.settings["order_import"]` "unfulfilled"|"open",
`shop.settings["orders_since"]` "YYYY-MM-DD"). Later downloads and webhooks bring
every changed order: one we already hold takes every change, a new one must pass
the same filter.
"""
from __future__ import annotations

from datetime import date, datetime, timezone


def _unfulfilled_only(settings: dict) -> bool:
    return (settings.get("order_import") or "unfulfilled") == "unfulfilled"


def _since(settings: dict) -> date | None:
    since = settings.get("orders_since")
    return date.fromisoformat(str(since)[:10]) if since else None


def import_query(settings: dict | None) -> str:
    """Shopify search for the orders a first download brings in."""
    settings = settings or {}
    terms = ["status:open"]
    if _unfulfilled_only(settings):
        terms.append("fulfillment_status:unfulfilled")
    since = _since(settings)
    if since:
        terms.append(f"created_at:>='{since.isoformat()}'")
    return " AND ".join(terms)


def wanted_new(order: dict, settings: dict | None) -> bool:
    """Does a new order (one we do not hold) pass the import filter? `order` is its
    Order row as normalize makes it."""
    settings = settings or {}
    if order.get("cancelled_at") or order.get("closed"):
        return False
    if _unfulfilled_only(settings):
        if (order.get("fulfillment_status") or "UNFULFILLED").upper() not in ("UNFULFILLED", "OPEN"):
            return False
    since = _since(settings)
    if since:
        created = order.get("shopify_created_at")
        floor = datetime.combine(since, datetime.min.time(), tzinfo=timezone.utc)
        if created is not None and created < floor:
            return False
    return True
