"""Inventory: ATP in from the OMS, sellable levels out to Shopify.

What Shopify is told:
- at the shop's default location, the sellable total of each SKU: the sum of ATP
  over the facilities that sell online (a negative facility ATP counts as 0);
- at each POS location mapped to a facility, that facility's own ATP (never below 0);
- nothing at any other location.

Only levels that differ from the ledger (what Shopify holds, as far as we know) are
sent, at most 250 per `inventorySetQuantities` call, each with `changeFromQuantity`
(the value we believe Shopify has) and an `@idempotent` key. A stale level is
re-read from Shopify and retried with the fresh value, never overwritten blind.

The decisions are pure functions (`plan_targets`, `desired_levels`,
`changed_levels`, `mutation_variables`, `stale_indexes`, `classify_level_webhook`);
the rest reads and writes the database and calls Shopify.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select, update

from ..extensions import db
from ..models import AtpLevel, Facility, FlowState, Location, PushedLevel, Shop
from ..shopify.access import AccessLevel
from ..shopify.times import parse_time_or_none
from .flows import RunContext, register_flow
from .shop import find_shop
from .webhooks import handles

log = logging.getLogger(__name__)

BATCH_SIZE = 250  # Shopify's maximum input array size
READ_BATCH = 100  # inventory items per read call
BULK_READ_THRESHOLD = 600  # more unknown levels than this (about a full Standard bucket of reads): bulk operation
MAX_STALE_ROUNDS = 3
MAX_ATP = 1_000_000_000
MAX_ROWS_PER_CALL = 100_000
QUANTITY_NAME = "available"
REASON = "correction"
ITEM_GID = "gid://shopify/InventoryItem/"
LOCATION_GID = "gid://shopify/Location/"

Key = tuple[str, str]  # (inventory item GID, location GID)


# --- pure decisions ---------------------------------------------------------------

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


def batched(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


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


# --- ATP in --------------------------------------------------------------------------

class AtpRejected(ValueError):
    def __init__(self, status: int, message: str, rows: list[dict], error_count: int):
        super().__init__(message)
        self.status = status
        self.rows = rows
        self.error_count = error_count


MAX_LISTED_ERRORS = 100


def validate_atp_rows(body) -> tuple[list[tuple[str, str, int]], list[dict]]:
    """Check the shape of `PUT /oms/v1/inventory`. Returns (rows, errors); errors name row indexes."""
    if not isinstance(body, list):
        return [], [{"index": None, "error": "the body must be a JSON array of {facility_id, sku, atp}"}]
    if len(body) > MAX_ROWS_PER_CALL:
        return [], [{"index": None, "error": f"at most {MAX_ROWS_PER_CALL} rows a call, got {len(body)}"}]
    rows: list[tuple[str, str, int]] = []
    errors: list[dict] = []
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for i, row in enumerate(body):
        if not isinstance(row, dict):
            errors.append({"index": i, "error": "must be an object {facility_id, sku, atp}"})
            continue
        problems = []
        facility = row.get("facility_id")
        sku = row.get("sku")
        atp = row.get("atp")
        if not isinstance(facility, str) or not facility.strip() or len(facility) > 64:
            problems.append("facility_id must be a non-empty string of at most 64 characters")
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 255:
            problems.append("sku must be a non-empty string of at most 255 characters")
        if isinstance(atp, bool) or not isinstance(atp, (int, float)) or (isinstance(atp, float) and not atp.is_integer()):
            problems.append("atp must be a whole number")
        elif abs(atp) > MAX_ATP:
            problems.append(f"atp must be between -{MAX_ATP} and {MAX_ATP}")
        if problems:
            errors.append({"index": i, "error": "; ".join(problems)})
            continue
        key = (facility.strip(), sku.strip())
        value = int(atp)
        if key in seen:
            first_index, first_value = seen[key]
            if first_value != value:
                errors.append({"index": i, "error": f"repeats facility {key[0]!r} and sku {key[1]!r} of row "
                                                    f"{first_index} with a different atp"})
            continue
        seen[key] = (i, value)
        rows.append((key[0], key[1], value))
    return rows, errors


def _rejected(status: int, message: str, errors: list[dict]) -> AtpRejected:
    return AtpRejected(status, message, errors[:MAX_LISTED_ERRORS], len(errors))


def apply_atp(body) -> dict:
    """Store the ATP rows of one call, all or nothing. Raises AtpRejected."""
    rows, errors = validate_atp_rows(body)
    if errors:
        raise _rejected(400, f"{len(errors)} malformed row(s); nothing was changed", errors)
    wanted = sorted({r[0] for r in rows})
    facilities: dict[str, Facility] = {}
    for chunk in batched(wanted, 500):
        for f in db.session.execute(select(Facility).where(Facility.external_id.in_(chunk))).scalars():
            facilities[f.external_id] = f
    unknown = [
        {"index": i, "error": f"unknown facility {facility!r}"}
        for i, (facility, _sku, _atp) in enumerate(rows)
        if facility not in facilities
    ]
    if unknown:
        # Report the caller's own indexes.
        index_of = _row_indexes(body)
        for err in unknown:
            err["index"] = index_of[err["index"]]
        names = sorted({rows[i][0] for i in range(len(rows)) if rows[i][0] not in facilities})
        raise _rejected(422, f"unknown facilities: {', '.join(names[:20])}; nothing was changed", unknown)

    now = datetime.now(timezone.utc)
    values = [
        {"shop_id": facilities[f].shop_id, "facility_id": facilities[f].id, "sku": sku, "atp": atp, "updated_at": now}
        for f, sku, atp in rows
    ]
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    table = AtpLevel.__table__
    stmt = upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["facility_id", "sku"],
        set_={"atp": stmt.excluded.atp, "updated_at": stmt.excluded.updated_at},
        where=table.c.atp != stmt.excluded.atp,
    )
    try:
        conn = db.session.connection()
        for chunk in batched(values, 5000):
            conn.execute(stmt, chunk)  # one compiled statement, executemany
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    shops = sorted({facilities[f].shop_id for f, _s, _a in rows})
    return {"accepted": len(rows), "facilities": len(wanted), "shops": len(shops)}


def _row_indexes(body: list) -> list[int]:
    """Index in the caller's body of each validated (deduplicated) row."""
    out, seen = [], set()
    for i, row in enumerate(body):
        key = (row["facility_id"].strip(), row["sku"].strip())
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out


# --- reading our tables ----------------------------------------------------------------

def inventory_items_by_sku(shop_id: int, skus: Iterable[str] | None = None) -> tuple[dict[str, str], set[str]]:
    """SKU -> inventory item GID from the catalog; and the SKUs shared by several items
    (left out: setting each would multiply what can be sold)."""
    from ..models.catalog import Variant

    query = select(Variant.sku, Variant.inventory_item_id).where(
        Variant.shop_id == shop_id,
        Variant.sku.is_not(None),
        Variant.inventory_item_id.is_not(None),
        Variant.deleted_at.is_(None),
    )
    wanted = set(skus) if skus is not None else None
    found: dict[str, set[str]] = defaultdict(set)
    for sku, item in db.session.execute(query):
        if wanted is None or sku in wanted:
            found[sku].add(item)
    items = {sku: next(iter(ids)) for sku, ids in found.items() if len(ids) == 1}
    ambiguous = {sku for sku, ids in found.items() if len(ids) > 1}
    return items, ambiguous


def load_targets(shop_id: int) -> list[Target]:
    locs = [
        LocationInfo(l.shopify_id, l.active, l.deleted, l.pos, l.is_default, l.facility_id)
        for l in db.session.execute(select(Location).where(Location.shop_id == shop_id)).scalars()
    ]
    facs = [
        FacilityInfo(f.id, f.sells_online)
        for f in db.session.execute(select(Facility).where(Facility.shop_id == shop_id)).scalars()
    ]
    return plan_targets(locs, facs)


def load_atp(shop_id: int) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(AtpLevel.facility_id, AtpLevel.sku, AtpLevel.atp).where(AtpLevel.shop_id == shop_id)
    )
    return {(fid, sku): atp for fid, sku, atp in rows}


def load_ledger(shop_id: int) -> dict[Key, tuple[int, int]]:
    """(item, location) -> (row id, quantity Shopify holds as far as we know)."""
    rows = db.session.execute(
        select(PushedLevel.id, PushedLevel.inventory_item_id, PushedLevel.location_id, PushedLevel.quantity)
        .where(PushedLevel.shop_id == shop_id)
    )
    return {(item, loc): (pk, qty) for pk, item, loc, qty in rows}


def compute_desired(shop_id: int) -> tuple[dict[Key, int], dict]:
    targets = load_targets(shop_id)
    atp = load_atp(shop_id)
    skus = {sku for _f, sku in atp}
    items, ambiguous = inventory_items_by_sku(shop_id, skus)
    info = {
        "targets": len(targets),
        "unknown_skus": len(skus - set(items) - ambiguous),
        "ambiguous_skus": len(ambiguous),
    }
    return desired_levels(targets, atp, items), info


class Ledger:
    """The ledger rows of one shop, written in bulk."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self.rows = load_ledger(shop_id)

    def quantities(self) -> dict[Key, int]:
        return {k: q for k, (_pk, q) in self.rows.items()}

    def record(self, values: dict[Key, int], pushed: bool, now: datetime | None = None) -> None:
        """Remember what Shopify holds; `pushed` when we just told it so. Caller commits."""
        now = now or datetime.now(timezone.utc)
        updates, inserts = [], []
        for (item, loc), qty in values.items():
            row = {"quantity": qty, "observed_at": now}
            if pushed:
                row.update(pushed_quantity=qty, pushed_at=now)
            known = self.rows.get((item, loc))
            if known is None:
                inserts.append({"shop_id": self.shop_id, "inventory_item_id": item, "location_id": loc,
                                "pushed_quantity": None, "pushed_at": None, **row})
            else:
                updates.append({"id": known[0], **row})
        table = PushedLevel.__table__
        conn = db.session.connection()
        if updates:
            # One compiled statement per shape, executemany (fast for thousands of rows).
            cols = [k for k in updates[0] if k != "id"]
            stmt = update(table).where(table.c.id == bindparam("b_id")).values(
                {c: bindparam(f"b_{c}") for c in cols})
            conn.execute(stmt, [{"b_id": u["id"], **{f"b_{c}": u[c] for c in cols}} for u in updates])
        if inserts:
            conn.execute(insert(table), inserts)
        if inserts:
            fresh = db.session.execute(
                select(PushedLevel.id, PushedLevel.inventory_item_id, PushedLevel.location_id)
                .where(PushedLevel.shop_id == self.shop_id,
                       PushedLevel.inventory_item_id.in_({i["inventory_item_id"] for i in inserts}))
            )
            for pk, item, loc in fresh:
                if (item, loc) in values:
                    self.rows[(item, loc)] = (pk, values[(item, loc)])
        for key, qty in values.items():
            if key in self.rows:
                self.rows[key] = (self.rows[key][0], qty)


# --- reading Shopify -------------------------------------------------------------------

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
                out[(node["id"], loc)] = _available(level)
            for item in chunk:
                out.setdefault((item, loc), 0)
    return out


class _LevelSink:
    """Collects, from the bulk JSONL, the levels we manage; records them in the ledger per batch."""

    def __init__(self, ledger: "Ledger", wanted: set[Key]):
        self.ledger = ledger
        self.wanted = wanted
        self.observed: dict[Key, int] = {}
        self._pending: dict[Key, int] = {}

    def add(self, obj: dict) -> None:
        item = (obj.get("item") or {}).get("id")
        loc = obj.get("__parentId")
        if item and loc and (item, loc) in self.wanted:
            self._pending[(item, loc)] = _available(obj)

    def flush(self) -> None:
        if self._pending:
            self.ledger.record(self._pending, pushed=False)
            self.observed.update(self._pending)
            self._pending = {}


def bulk_read_levels(ctx: RunContext, ledger: "Ledger", keys: Iterable[Key]) -> dict[Key, int]:
    """What Shopify holds for these levels, read with one bulk operation (no throttle cost
    beyond starting it); recorded in the ledger. A level Shopify does not have reads as 0."""
    from ..shopify.documents import load_document
    from . import bulk

    wanted = set(keys)
    sink = _LevelSink(ledger, wanted)
    bulk.run(ctx, load_document("inventory_levels_bulk"), sink, kind="inventory_levels")
    missing = {k: 0 for k in wanted if k not in sink.observed}
    if missing:
        ledger.record(missing, pushed=False)
        db.session.commit()
    return {**missing, **sink.observed}


def _available(level: dict) -> int:
    for q in level.get("quantities") or []:
        if q.get("name") == QUANTITY_NAME:
            return int(q.get("quantity") or 0)
    return 0


# --- the push ------------------------------------------------------------------------------

class PushResult:
    def __init__(self):
        self.calls = 0
        self.pushed = 0
        self.stale = 0
        self.rejected: list[dict] = []
        self.deferred = 0
        self.pushed_keys: set[Key] = set()


def push_changes(client, ledger: Ledger, changes: list[Change], key_prefix: str, reference: str,
                 progress=None) -> PushResult:
    """Send the changes in batches of 250; re-read and retry stale rows; update the ledger
    (committed) after each call that Shopify accepted."""
    result = PushResult()
    for batch_no, batch in enumerate(batched(changes, BATCH_SIZE)):
        pending = list(batch)
        for attempt in range(MAX_STALE_ROUNDS + 1):
            if not pending:
                break
            variables = mutation_variables(pending, f"{key_prefix}-{batch_no}-{attempt}", reference)
            data = client.execute("inventory_set_quantities", variables)
            result.calls += 1
            payload = data.get("inventorySetQuantities") or {}
            errors = payload.get("userErrors") or []
            if not errors:
                done = {c.key: max(0, c.quantity) for c in pending}
                ledger.record(done, pushed=True)
                db.session.commit()
                result.pushed += len(done)
                result.pushed_keys.update(done)
                pending = []
                break
            stale, rejected, general = stale_indexes(errors)
            if general:
                raise RuntimeError("inventorySetQuantities refused the call: " + "; ".join(
                    f"{e.get('code')}: {e.get('message')}" for e in general))
            for index, err in rejected.items():
                if index < len(pending):
                    c = pending[index]
                    result.rejected.append({"inventory_item_id": c.inventory_item_id, "location_id": c.location_id,
                                            "code": err.get("code"), "message": err.get("message")})
            stale_changes = [pending[i] for i in sorted(stale) if i < len(pending)]
            keep = [c for i, c in enumerate(pending) if i not in rejected]
            if stale_changes:
                result.stale += len(stale_changes)
                # Re-read what Shopify holds now; never overwrite blind.
                fresh = read_levels(client, [c.key for c in stale_changes])
                ledger.record(fresh, pushed=False)
                db.session.commit()
                retry = []
                for c in keep:
                    if c.key in fresh:
                        if fresh[c.key] == max(0, c.quantity):
                            continue  # Shopify already shows it
                        retry.append(Change(c.inventory_item_id, c.location_id, c.quantity, fresh[c.key]))
                    else:
                        retry.append(c)
                keep = retry
            pending = keep
        else:
            result.deferred += len(pending)
        if progress:
            progress(batch_no + 1)
    return result


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


@register_flow(
    "inventory",
    min_level=AccessLevel.READ_WRITE,
    default_interval_minutes=15,
    stats=lambda shop: inventory_stats(shop),
)
def run_inventory(ctx: RunContext) -> None:
    """Push sellable inventory to Shopify: only what changed; a full reconciliation on trigger "reconcile"."""
    shop = ctx.shop
    desired, info = compute_desired(shop.id)
    for key, n in info.items():
        if n:
            ctx.count(key, n)
    ledger = Ledger(shop.id)
    known = ledger.quantities()
    before = dict(known)
    client = ctx.client

    if ctx.trigger == "reconcile":
        # Read everything Shopify holds (one bulk operation) for the levels we manage.
        observed = bulk_read_levels(ctx, ledger, desired)
        known = ledger.quantities()
        drift = {k for k, q in observed.items() if k in before and before[k] != q}
        ctx.count("levels_read", len(observed))
        ctx.count("drift_found", len(drift))
    else:
        # Levels we never saw: read what Shopify holds before changing them.
        missing = [k for k in desired if k not in known]
        if len(missing) > BULK_READ_THRESHOLD:
            fresh = bulk_read_levels(ctx, ledger, missing)
        elif missing:
            fresh = read_levels(client, missing)
            ledger.record(fresh, pushed=False)
            db.session.commit()
        if missing:
            known = ledger.quantities()
            ctx.count("levels_read", len(fresh))
        drift = set()

    changes = changed_levels(desired, known)
    ctx.count("levels_changed", len(changes))
    ctx.report_progress(total_batches=-(-len(changes) // BATCH_SIZE), done_batches=0)
    result = push_changes(
        client,
        ledger,
        changes,
        key_prefix=f"inv-{shop.id}-{ctx.run.id}",
        reference=f"gid://oms-connector/InventorySync/{ctx.run.id}",
        progress=lambda n: ctx.report_progress(done_batches=n) if n % 20 == 0 else None,
    )
    ctx.count("calls", result.calls)
    ctx.count("pushed", result.pushed)
    if result.stale:
        ctx.count("stale_retried", result.stale)
    if result.deferred:
        ctx.count("stale_deferred", result.deferred)
    if result.rejected:
        ctx.count("rejected", len(result.rejected))
        ctx.report_progress(rejected=result.rejected[:20])
    if ctx.trigger == "reconcile":
        ctx.count("corrected", len(drift & result.pushed_keys))
    ctx.save_state(last_pushed_at=_now_iso(), last_push_count=result.pushed)


def inventory_stats(shop: Shop) -> dict:
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop.id, FlowState.flow == "inventory")
    ).scalar_one_or_none()
    return {"last_pushed_at": ((state.state or {}).get("last_pushed_at") if state else None)}


# --- webhooks --------------------------------------------------------------------------

def _gid(prefix: str, value) -> str | None:
    text = str(value or "")
    if text.startswith(prefix):
        return text
    return f"{prefix}{text}" if text.isdigit() else None


@handles("inventory_levels/update")
def inventory_level_updated(shop_domain: str, payload: dict) -> None:
    """Ignore our own pushes coming back; remember a level changed in Shopify."""
    shop = find_shop(shop_domain)
    item = _gid(ITEM_GID, payload.get("inventory_item_id"))
    loc = _gid(LOCATION_GID, payload.get("location_id"))
    if shop is None or item is None or loc is None:
        return
    entry = db.session.execute(
        select(PushedLevel).where(
            PushedLevel.shop_id == shop.id, PushedLevel.inventory_item_id == item, PushedLevel.location_id == loc
        )
    ).scalar_one_or_none()
    if entry is None:
        return
    verdict = classify_level_webhook(payload, entry.quantity, entry.pushed_quantity, entry.pushed_at)
    if verdict == "drift":
        entry.quantity = int(payload["available"])
        entry.observed_at = datetime.now(timezone.utc)
        db.session.commit()
