"""From a Shopify value to its OMS value: None when it is not mapped, never a guess.

`resolve*` answer from a per-process cache of a few seconds (a mapping changed
elsewhere applies to data processed after it); `Resolver` is a per-run snapshot for
hot loops.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models.mappings import MappingValue
from .catalogue import CACHE_TTL_SECONDS, KINDS, normalize
from .values import forget_seen


@dataclass(frozen=True)
class Target:
    oms_value: str
    carrier: str | None = None


_cache: dict[tuple[int, str], tuple[float, dict[str, Target]]] = {}
_cache_lock = threading.Lock()


def _load(shop_id: int, kind: str) -> dict[str, Target]:
    rows = db.session.execute(
        select(MappingValue.shopify_value, MappingValue.oms_value, MappingValue.oms_carrier).where(
            MappingValue.shop_id == shop_id, MappingValue.kind == kind, MappingValue.oms_value.is_not(None)
        )
    ).all()
    return {value: Target(oms, carrier) for value, oms, carrier in rows}


def _table(shop_id: int, kind: str) -> dict[str, Target]:
    if kind not in KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get((shop_id, kind))
    if hit is not None and now - hit[0] < CACHE_TTL_SECONDS:
        return hit[1]
    table = _load(shop_id, kind)
    with _cache_lock:
        _cache[(shop_id, kind)] = (now, table)
    return table


def invalidate(shop_id: int | None = None) -> None:
    """Forget cached mappings (all shops, or one): the next resolve reads the database."""
    with _cache_lock:
        for key in [k for k in _cache if shop_id is None or k[0] == shop_id]:
            del _cache[key]
    forget_seen(shop_id)


def resolve(shop_id: int, kind: str, shopify_value) -> str | None:
    """The OMS value a Shopify value maps to, or None when it is not mapped (never guessed)."""
    value = normalize(shopify_value)
    if value is None:
        return None
    target = _table(shop_id, kind).get(value)
    return target.oms_value if target else None


def resolve_shipping(shop_id: int, shopify_value) -> tuple[str | None, str | None]:
    """(OMS shipment method, carrier) for a shipping line title, or (None, None)."""
    value = normalize(shopify_value)
    target = _table(shop_id, "shipping_method").get(value) if value else None
    return (target.oms_value, target.carrier) if target else (None, None)


def resolve_sales_channel(shop_id: int, source_name=None, app_name=None) -> str | None:
    """The sales channel of an order: its source name's mapping, else its app name's."""
    return resolve(shop_id, "sales_channel", source_name) or resolve(shop_id, "sales_channel", app_name)


class Resolver:
    """A snapshot of one shop's mappings for the length of a run (no query per record)."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._tables: dict[str, dict[str, Target]] = {}

    def _get(self, kind: str) -> dict[str, Target]:
        if kind not in self._tables:
            if kind not in KINDS:
                raise ValueError(f"unknown mapping kind {kind!r}")
            self._tables[kind] = _load(self.shop_id, kind)
        return self._tables[kind]

    def resolve(self, kind: str, shopify_value) -> str | None:
        value = normalize(shopify_value)
        target = self._get(kind).get(value) if value else None
        return target.oms_value if target else None

    def shipping(self, shopify_value) -> tuple[str | None, str | None]:
        value = normalize(shopify_value)
        target = self._get("shipping_method").get(value) if value else None
        return (target.oms_value, target.carrier) if target else (None, None)

    def sales_channel(self, source_name=None, app_name=None) -> str | None:
        return self.resolve("sales_channel", source_name) or self.resolve("sales_channel", app_name)
