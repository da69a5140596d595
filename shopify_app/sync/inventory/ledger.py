"""The ledger: per (inventory item, location), what Shopify holds as far as we know and
what we last pushed; read once a run, written in bulk."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import bindparam, func, insert, select, update

from ...extensions import db
from ...models import PushedLevel
from .plan import Key


def load_ledger(shop_id: int) -> dict[Key, tuple[int, int]]:
    """(item, location) -> (row id, quantity Shopify holds as far as we know)."""
    rows = db.session.execute(
        select(PushedLevel.id, PushedLevel.inventory_item_id, PushedLevel.location_id, PushedLevel.quantity)
        .where(PushedLevel.shop_id == shop_id)
    )
    return {(item, loc): (pk, qty) for pk, item, loc, qty in rows}


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


def levels_held(shop_id: int) -> dict[str, int]:
    """Per location GID, how many levels Shopify still holds as we pushed them, above 0 (as
    far as we know: a level changed in Shopify since is no longer ours)."""
    rows = db.session.execute(
        select(PushedLevel.location_id, func.count()).where(
            PushedLevel.shop_id == shop_id, PushedLevel.pushed_at.is_not(None), PushedLevel.quantity > 0,
            PushedLevel.quantity == PushedLevel.pushed_quantity)
        .group_by(PushedLevel.location_id))
    return {loc: n for loc, n in rows}


def pushed_at_location(shop_id: int, location_gid: str) -> dict[str, int]:
    """Inventory item -> what we pushed at this location, for the levels Shopify still holds
    as we pushed them, above 0 (as far as we know)."""
    rows = db.session.execute(
        select(PushedLevel.inventory_item_id, PushedLevel.pushed_quantity).where(
            PushedLevel.shop_id == shop_id, PushedLevel.location_id == location_gid,
            PushedLevel.pushed_at.is_not(None), PushedLevel.quantity > 0,
            PushedLevel.quantity == PushedLevel.pushed_quantity))
    return {item: qty for item, qty in rows}
