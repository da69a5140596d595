"""The Shopify values met in data, recorded so that the merchant can map them."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import Shop
from ...models.mappings import MappingValue
from ..upsert import upsert
from .catalogue import CACHE_TTL_SECONDS, KINDS, normalize

log = logging.getLogger(__name__)

# (shop_id, kind) -> set of values known to be recorded, so that record_seen is free
# when nothing is new. Entries expire like the mapping cache (a caller's rollback
# may have undone an insert: the next look after the expiry records it again).
_seen: dict[tuple[int, str], tuple[float, set[str]]] = {}
_seen_lock = threading.Lock()


def forget_seen(shop_id: int | None = None) -> None:
    """Forget which values are known to be recorded (all shops, or one)."""
    with _seen_lock:
        for key in [k for k in _seen if shop_id is None or k[0] == shop_id]:
            del _seen[key]


def record_seen(shop: Shop | int, kind: str, values: Iterable, *, source: str = "order",
                labels: dict[str, str] | None = None) -> int:
    """Remember Shopify values met in data. Runs in the caller's transaction (no commit).

    Values already recorded are left as they are (their mapping untouched).
    Returns how many new values were added.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    shop_id = shop if isinstance(shop, int) else shop.id
    wanted = {v for v in (normalize(x) for x in values) if v}
    if not wanted:
        return 0
    now_mono = time.monotonic()
    with _seen_lock:
        stamp, known = _seen.get((shop_id, kind), (0.0, set()))
        if now_mono - stamp > CACHE_TTL_SECONDS:
            known = set()
    new = wanted - known
    if not new:
        return 0
    existing = set(
        db.session.execute(
            select(MappingValue.shopify_value).where(
                MappingValue.shop_id == shop_id, MappingValue.kind == kind, MappingValue.shopify_value.in_(new)
            )
        ).scalars()
    )
    missing = sorted(new - existing)
    added = 0
    if missing:
        now = datetime.now(timezone.utc)
        rows = [
            {
                "shop_id": shop_id,
                "kind": kind,
                "shopify_value": value,
                "label": (labels or {}).get(value),
                "source": source,
                "first_seen_at": now,
                "last_seen_at": now,
            }
            for value in missing
        ]
        added = upsert(db.session, MappingValue, rows, keys=("shop_id", "kind", "shopify_value"),
                       do_nothing=True, count_written=True)
        if added:
            log.info("shop %s: %d new %s value(s) found in Shopify", shop_id, added, kind)
    with _seen_lock:
        stamp, known = _seen.get((shop_id, kind), (0.0, set()))
        if now_mono - stamp > CACHE_TTL_SECONDS:
            stamp, known = now_mono, set()
        _seen[(shop_id, kind)] = (stamp, known | wanted)
    return added


def record_order_values(shop: Shop | int, orders: Iterable[dict], totals: dict[str, int] | None = None) -> dict[str, int]:
    """Record the mapping values of GraphQL order nodes (sourceName, app, gateways, shipping lines).

    For the orders flow as much as for the import; no commit.
    """
    totals = dict(totals or {kind: 0 for kind in KINDS})
    channels, channel_labels, gateways, shipping = [], {}, [], []
    for order in orders:
        source = normalize(order.get("sourceName"))
        app_name = normalize((order.get("app") or {}).get("name"))
        if source:
            channels.append(source)
            if app_name:
                channel_labels.setdefault(source, app_name)
        if app_name:
            channels.append(app_name)
        gateways.extend(order.get("paymentGatewayNames") or [])
        lines = order.get("shippingLines")
        lines = connection_nodes(lines) if isinstance(lines, dict) else (lines or [])
        shipping.extend(line.get("title") for line in lines if isinstance(line, dict))
    totals["sales_channel"] = totals.get("sales_channel", 0) + record_seen(
        shop, "sales_channel", channels, labels=channel_labels)
    totals["payment_method"] = totals.get("payment_method", 0) + record_seen(shop, "payment_method", gateways)
    totals["shipping_method"] = totals.get("shipping_method", 0) + record_seen(shop, "shipping_method", shipping)
    return totals


def connection_nodes(connection: dict | None) -> list:
    """The nodes of a GraphQL connection, given as `nodes` or as `edges`."""
    if not connection:
        return []
    if connection.get("nodes") is not None:
        return connection["nodes"]
    return [edge["node"] for edge in connection.get("edges") or []]


def recorded_values(shop_id: int, kind: str) -> list[MappingValue]:
    """The Shopify values recorded for a kind, with what each maps to, by value."""
    return list(db.session.execute(
        select(MappingValue).where(MappingValue.shop_id == shop_id, MappingValue.kind == kind)
        .order_by(MappingValue.shopify_value)
    ).scalars())
