"""What an `inventory_levels/update` delivery means for a level we manage: pure, no I/O.

Our own pushes come back as deliveries too; only a change made outside this app
(in the admin, by another app, a sale at a POS) is drift worth recording.
"""
from __future__ import annotations

from datetime import datetime

from ...shopify.times import parse_time_or_none


def classify_level_webhook(payload: dict, quantity: int | None, pushed_quantity: int | None,
                           pushed_at: datetime | None) -> str:
    """What an `inventory_levels/update` delivery means for a level we manage:

    - "echo": Shopify holds what we last pushed (our own push coming back): ignore;
    - "old": it describes a moment before our last push: ignore;
    - "drift": Shopify's level changed outside this app: record the new value;
    - "unmanaged": we never pushed this level.
    """
    available = payload.get("available")
    if pushed_quantity is None and quantity is None:
        return "unmanaged"
    if available is None:
        return "old"
    if pushed_quantity is not None and int(available) == pushed_quantity:
        return "echo"
    updated_at = parse_time_or_none(payload.get("updated_at"))
    if pushed_at is not None and updated_at is not None and updated_at < pushed_at.replace(microsecond=0):
        return "old"
    if quantity is not None and int(available) == quantity:
        return "echo"
    return "drift"
