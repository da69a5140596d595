"""Reading what Shopify holds: a few levels by query, many with one bulk operation."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ...extensions import db
from ...shopify.documents import load_document
from .. import bulk
from ..flows import RunContext
from ..upsert import batched
from .ledger import Ledger
from .plan import Key, available_quantity

READ_BATCH = 100  # inventory items per read call


def read_levels(client, keys: Iterable[Key]) -> dict[Key, int]:
    """Shopify's `available` quantity for these (item, location) pairs; 0 where no level exists."""
    by_location: dict[str, list[str]] = defaultdict(list)
    for item, loc in keys:
        by_location[loc].append(item)
    out: dict[Key, int] = {}
    for loc, items in by_location.items():
        for chunk in batched(sorted(set(items)), READ_BATCH):
            data = client.execute("inventory_item_levels", {"ids": chunk, "locationId": loc})
            for node in data.get("nodes") or []:
                if not node or not node.get("id"):
                    continue
                level = node.get("inventoryLevel") or {}
                out[(node["id"], loc)] = available_quantity(level)
            for item in chunk:
                out.setdefault((item, loc), 0)
    return out


class LevelSink:
    """Collects, from the bulk JSONL, the levels we manage; records them in the ledger per batch."""

    def __init__(self, ledger: Ledger, wanted: set[Key]):
        self.ledger = ledger
        self.wanted = wanted
        self.observed: dict[Key, int] = {}
        self._pending: dict[Key, int] = {}

    def add(self, obj: dict) -> None:
        item = (obj.get("item") or {}).get("id")
        loc = obj.get("__parentId")
        if item and loc and (item, loc) in self.wanted:
            self._pending[(item, loc)] = available_quantity(obj)

    def flush(self) -> None:
        if self._pending:
            self.ledger.record(self._pending, pushed=False)
            self.observed.update(self._pending)
            self._pending = {}


def bulk_read_levels(ctx: RunContext, ledger: Ledger, keys: Iterable[Key]) -> dict[Key, int]:
    """What Shopify holds for these levels, read with one bulk operation (no throttle cost
    beyond starting it); recorded in the ledger. A level Shopify does not have reads as 0."""
    wanted = set(keys)
    sink = LevelSink(ledger, wanted)
    bulk.run(ctx, load_document("inventory_levels_bulk"), sink, kind="inventory_levels")
    missing = {k: 0 for k in wanted if k not in sink.observed}
    if missing:
        ledger.record(missing, pushed=False)
        db.session.commit()
    return {**missing, **sink.observed}
