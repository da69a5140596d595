"""The push run: what changed since the ledger, sent in batches of 250 with
`changeFromQuantity` and an `@idempotent` key. A stale level is re-read from Shopify
and retried with the fresh value, never overwritten blind. A call whose answer is lost
(OutcomeUnknown: the client never resends a mutation) is settled the same way: the
levels are read, those showing our quantity landed (recorded as pushed), the others are
sent again against what Shopify holds. The ledger records only what Shopify has."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import FlowState, Shop
from ...shopify.graphql_client import OutcomeUnknown
from ..flows import RunContext
from ..upsert import batched
from .desired import compute_desired
from .ledger import Ledger
from .levels import bulk_read_levels, read_levels
from .plan import BATCH_SIZE, Change, Key, changed_levels, mutation_variables, rebase, stale_indexes

BULK_READ_THRESHOLD = 600  # more unknown levels than this (about a full Standard bucket of reads): bulk operation
MAX_STALE_ROUNDS = 3


class PushResult:
    def __init__(self):
        self.calls = 0
        self.pushed = 0
        self.stale = 0
        self.rejected: list[dict] = []
        self.deferred = 0
        self.pushed_keys: set[Key] = set()


def _record_pushed(ledger: Ledger, result: "PushResult", changes: list[Change]) -> None:
    done = {c.key: max(0, c.quantity) for c in changes}
    ledger.record(done, pushed=True)
    db.session.commit()
    result.pushed += len(done)
    result.pushed_keys.update(done)


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
            result.calls += 1
            try:
                data = client.execute("inventory_set_quantities", variables)
            except OutcomeUnknown:
                # Did it land? Shopify's levels decide, never a blind resend.
                fresh = read_levels(client, [c.key for c in pending])
                ledger.record(fresh, pushed=False)
                db.session.commit()
                landed, pending = rebase(pending, fresh)
                _record_pushed(ledger, result, landed)
                continue
            payload = data.get("inventorySetQuantities") or {}
            errors = payload.get("userErrors") or []
            if not errors:
                _record_pushed(ledger, result, pending)
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
                _already_there, keep = rebase(keep, fresh)
            pending = keep
        else:
            result.deferred += len(pending)
        if progress:
            progress(batch_no + 1)
    return result


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
    ctx.save_state(last_pushed_at=datetime.now(timezone.utc).isoformat(), last_push_count=result.pushed)


def inventory_stats(shop: Shop) -> dict:
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop.id, FlowState.flow == "inventory")
    ).scalar_one_or_none()
    return {"last_pushed_at": ((state.state or {}).get("last_pushed_at") if state else None)}
