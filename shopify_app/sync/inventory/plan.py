"""The inventory push, decided: pure functions, no database, no HTTP.

What Shopify is told:
- at the shop's default location, the sellable total of each SKU: the sum of ATP
  over the facilities that sell online (a negative facility ATP counts as 0);
- at each POS location mapped to a facility, that facility's own ATP (never below 0);
- nothing at any other location.

Only levels that differ from the ledger (what Shopify holds, as far as we know) are
sent, at most 250 per `inventorySetQuantities` call, each with `changeFromQuantity`
(the value we believe Shopify has); user errors say which rows were stale (re-read and
retried) and which were rejected.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

BATCH_SIZE = 250  # Shopify's maximum input array size
QUANTITY_NAME = "available"
REASON = "correction"

Key = tuple[str, str]  # (inventory item GID, location GID)


@dataclass(frozen=True)
class Target:
    """A location Shopify is told about, and the facilities whose ATP it shows."""

    location_id: str
    kind: str  # "default" | "pos"
    facility_ids: tuple[int, ...]


@dataclass(frozen=True)
class LocationInfo:
    shopify_id: str
    active: bool
    deleted: bool
    pos: bool
    is_default: bool
    facility_id: int | None


@dataclass(frozen=True)
class FacilityInfo:
    id: int
    sells_online: bool


@dataclass(frozen=True)
class Change:
    inventory_item_id: str
    location_id: str
    quantity: int
    change_from: int | None  # what we believe Shopify holds; None when unknown

    @property
    def key(self) -> Key:
        return (self.inventory_item_id, self.location_id)


def plan_targets(locations: Iterable[LocationInfo], facilities: Iterable[FacilityInfo]) -> list[Target]:
    """Which locations get which facilities' ATP. Deleted and inactive locations get nothing."""
    online = tuple(sorted(f.id for f in facilities if f.sells_online))
    targets: list[Target] = []
    for loc in locations:
        if loc.deleted or not loc.active:
            continue
        if loc.is_default:
            targets.append(Target(loc.shopify_id, "default", online))
        elif loc.pos and loc.facility_id is not None:
            targets.append(Target(loc.shopify_id, "pos", (loc.facility_id,)))
    return targets


def desired_levels(
    targets: Iterable[Target],
    atp: dict[tuple[int, str], int],
    items_by_sku: dict[str, str],
) -> dict[Key, int]:
    """(inventory item, location) -> the quantity Shopify should show.

    Every SKU the OMS sent ATP for (at any facility of the shop) gets a level at the
    default location, 0 when no online facility has it. A POS location gets the SKUs
    its facility has. SKUs without an inventory item are left out.
    """
    by_facility: dict[int, dict[str, int]] = defaultdict(dict)
    skus: set[str] = set()
    for (facility_id, sku), value in atp.items():
        by_facility[facility_id][sku] = value
        skus.add(sku)
    out: dict[Key, int] = {}
    for target in targets:
        if target.kind == "default":
            totals = dict.fromkeys(skus, 0)
            for fid in target.facility_ids:
                for sku, value in by_facility.get(fid, {}).items():
                    totals[sku] += max(0, value)
        else:
            totals = {}
            for fid in target.facility_ids:
                for sku, value in by_facility.get(fid, {}).items():
                    totals[sku] = totals.get(sku, 0) + max(0, value)
        for sku, total in totals.items():
            item = items_by_sku.get(sku)
            if item is not None:
                out[(item, target.location_id)] = max(0, total)
    return out


def changed_levels(desired: dict[Key, int], ledger: dict[Key, int]) -> list[Change]:
    """The levels to send: those whose desired quantity differs from the ledger's (or that
    it does not know). Sorted, so that batches are stable."""
    out = []
    for key in sorted(desired):
        quantity = desired[key]
        known = ledger.get(key)
        if known is None or known != quantity:
            out.append(Change(key[0], key[1], quantity, known))
    return out


def rebase(changes: list[Change], fresh: dict[Key, int]) -> tuple[list[Change], list[Change]]:
    """Changes against what Shopify holds now: (those it already shows, the others to send
    with changeFromQuantity = what it holds). A level not read is sent as it was."""
    there, again = [], []
    for c in changes:
        if c.key not in fresh:
            again.append(c)
        elif fresh[c.key] == max(0, c.quantity):
            there.append(c)
        else:
            again.append(Change(c.inventory_item_id, c.location_id, c.quantity, fresh[c.key]))
    return there, again


def mutation_variables(changes: list[Change], idempotency_key: str, reference: str) -> dict:
    """The `inventorySetQuantities` variables for one batch (at most 250 changes)."""
    if len(changes) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} quantities a call")
    return {
        "idempotencyKey": idempotency_key,
        "input": {
            "name": QUANTITY_NAME,
            "reason": REASON,
            "referenceDocumentUri": reference,
            "quantities": [
                {
                    "inventoryItemId": c.inventory_item_id,
                    "locationId": c.location_id,
                    "quantity": max(0, c.quantity),
                    # Always present (2026-10 requires it); null only when we do not know.
                    "changeFromQuantity": c.change_from,
                }
                for c in changes
            ],
        },
    }


_INDEX = re.compile(r"^\d+$")


def error_index(error: dict) -> int | None:
    """The quantities[] index a user error points at (field ["input","quantities","3",...])."""
    field = error.get("field") or []
    for i, part in enumerate(field[:-1]):
        if part == "quantities" and _INDEX.match(str(field[i + 1])):
            return int(field[i + 1])
    return None


def stale_indexes(user_errors: list[dict]) -> tuple[set[int], dict[int, dict], list[dict]]:
    """Split user errors: stale rows (re-read and retry), rejected rows (dropped), and
    errors about the whole call."""
    stale: set[int] = set()
    rejected: dict[int, dict] = {}
    general: list[dict] = []
    for err in user_errors:
        index = error_index(err)
        if index is None:
            general.append(err)
        elif err.get("code") == "CHANGE_FROM_QUANTITY_STALE":
            stale.add(index)
        else:
            rejected[index] = err
    return stale, rejected, general


def available_quantity(level: dict) -> int:
    """The `available` quantity of an InventoryLevel node; 0 when it has none."""
    for q in level.get("quantities") or []:
        if q.get("name") == QUANTITY_NAME:
            return int(q.get("quantity") or 0)
    return 0
