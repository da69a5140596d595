"""Carrying a mapping out to the stored orders and products (the plans of `reach_plan`).

`reach_stored(shop_id, kind, values)` runs in the caller's transaction (no commit):
- sales channels and product types: set-based `UPDATE ... WHERE shop_id = ? AND value
  IN (...)`, one per OMS target, over id ranges of ROWS_PER_STATEMENT: no row is loaded;
- payment and shipping methods (read from a list the order holds): the candidate
  orders are read in keyset pages of PAGE_ROWS (a coarse text filter first), decided
  by `reach_plan`, and only the changed ones are written.
Only records whose mapped value (or unmapped flag) changes are written, and their
`updated_at` moves, so that an OMS reading by `updated_since` sees exactly those.
Works on SQLite and PostgreSQL (the `unmapped` object is edited by each one's JSON
functions).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import JSON, String, and_, bindparam, case, cast, func, literal, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB

from ...extensions import db
from ...models import Order, Product
from ...models.mappings import MappingValue
from .catalogue import CACHE_TTL_SECONDS
from .reach_plan import LIST_KINDS, SCALAR_KINDS, ScalarUpdate, Target, order_list_changes, scalar_plan

ROWS_PER_STATEMENT = 20_000  # ids per UPDATE: each statement's work stays bounded
PAGE_ROWS = 2_000  # orders read at a time for the list kinds


def mapping_table(shop_id: int, kind: str) -> dict[str, Target]:
    """The shop's mappings of one kind as they stand in this transaction."""
    rows = db.session.execute(
        select(MappingValue.shopify_value, MappingValue.oms_value, MappingValue.oms_carrier).where(
            MappingValue.shop_id == shop_id, MappingValue.kind == kind)
    ).all()
    return {value: Target(oms, carrier) for value, oms, carrier in rows if oms is not None}


def recorded(shop_id: int, kind: str) -> list[str]:
    return list(db.session.execute(
        select(MappingValue.shopify_value).where(MappingValue.shop_id == shop_id, MappingValue.kind == kind)
    ).scalars())


def reach_stored(shop_id: int, kind: str, values: Iterable[str] | None = None, *,
                 since: datetime | None = None) -> int:
    """Bring the stored records of a shop carrying `values` (None: every recorded value)
    in line with the shop's current mappings of `kind`; `since` limits it to records
    written since then. Returns how many records changed. No commit."""
    table = mapping_table(shop_id, kind)
    now = datetime.now(timezone.utc)
    if kind in SCALAR_KINDS:
        wanted = recorded(shop_id, kind) if values is None else list(values)
        return sum(scalar_update(shop_id, kind, step, now, since) for step in scalar_plan(table, wanted))
    if kind in LIST_KINDS:
        return list_update(shop_id, kind, table, None if values is None else list(values), now, since)
    raise ValueError(f"unknown mapping kind {kind!r}")


def settle_after_run(shop_id: int, kinds: Iterable[str], started: datetime) -> int:
    """After a download or a webhook wrote records (since `started`): they take the
    mappings as they stand now. A mapping saved while the writer held an older answer
    (a run's snapshot, or a process's cache of CACHE_TTL_SECONDS) reached only the
    records stored before it was saved; this brings the rest in line. Costs one query
    when no mapping changed that recently. Commits."""
    kinds = list(kinds)
    latest = db.session.execute(select(func.max(MappingValue.mapped_at)).where(
        MappingValue.shop_id == shop_id, MappingValue.kind.in_(kinds))).scalar()
    if latest is None or latest < started - timedelta(seconds=CACHE_TTL_SECONDS + 1):
        return 0  # every answer the writer used was read after the last change
    changed = sum(reach_stored(shop_id, kind, since=started) for kind in kinds)
    db.session.commit()
    return changed


def dialect() -> str:
    return db.session.get_bind().dialect.name


def json_object(col):
    """The column as a JSON object ({} when it holds nothing or something else)."""
    if dialect() == "postgresql":
        return case((func.json_typeof(col) == "object", cast(col, JSONB)), else_=literal_column("'{}'::jsonb"))
    return case((func.json_type(col) == "object", col), else_=literal("{}"))


def json_without(col, key: str):
    if dialect() == "postgresql":
        return cast(json_object(col).op("-")(literal(key, String)), JSON)
    return func.json_remove(json_object(col), f"$.{key}")


def json_with(col, key: str, value):
    if dialect() == "postgresql":
        return cast(json_object(col).op("||")(func.jsonb_build_object(literal(key, String), value)), JSON)
    return func.json_set(json_object(col), f"$.{key}", value)


def id_ranges(model, shop_id: int):
    low, high = db.session.execute(
        select(func.min(model.id), func.max(model.id)).where(model.shop_id == shop_id)).one()
    if low is None:
        return
    for start in range(low, high + 1, ROWS_PER_STATEMENT):
        yield start, start + ROWS_PER_STATEMENT


def scalar_update(shop_id: int, kind: str, step: ScalarUpdate, now: datetime, since: datetime | None) -> int:
    if kind == "product_type":
        model, col = Product, Product.product_type
        mapped, flag = Product.oms_product_type, Product.product_type_unmapped
        if step.target is None:
            differs = or_(mapped.is_not(None), flag.is_(False))
            values = {"oms_product_type": None, "product_type_unmapped": True}
        else:
            differs = or_(mapped.is_distinct_from(step.target), flag.is_(True))
            values = {"oms_product_type": step.target, "product_type_unmapped": False}
    else:
        model, col, mapped = Order, Order.channel, Order.sales_channel
        flagged = Order.unmapped["sales_channel"].as_string()
        if step.target is None:
            differs = or_(mapped.is_not(None), flagged.is_distinct_from(Order.channel))
            values = {"sales_channel": None, "unmapped": json_with(Order.unmapped, "sales_channel", Order.channel)}
        else:
            differs = or_(mapped.is_distinct_from(step.target), flagged.is_not(None))
            values = {"sales_channel": step.target, "unmapped": json_without(Order.unmapped, "sales_channel")}
    changed = 0
    for start, end in id_ranges(model, shop_id):
        conds = [model.shop_id == shop_id, model.id >= start, model.id < end, col.in_(step.values), differs]
        if since is not None:
            conds.append(model.updated_at >= since)
        result = db.session.execute(
            update(model).where(and_(*conds)).values(**values, updated_at=now)
            .execution_options(synchronize_session=False))
        changed += result.rowcount or 0
    return changed


LIST_COLUMNS = {"payment_method": Order.payment_gateways, "shipping_method": Order.shipping_lines}


def text_filter(col, values: list[str]):
    """Orders whose list may hold one of `values` (the exact test is in Python): the JSON
    text contains the value, as written or as JSON escapes it."""
    needles = set()
    for value in values:
        needles.add(value)
        needles.add(json.dumps(value)[1:-1])
    return or_(*(cast(col, String).contains(n, autoescape=True) for n in sorted(needles)))


def list_update(shop_id: int, kind: str, table: dict[str, Target], values: list[str] | None,
                now: datetime, since: datetime | None) -> int:
    col = LIST_COLUMNS[kind]
    conds = [Order.shop_id == shop_id, col.is_not(None)]
    if values is not None:
        if not values:
            return 0
        conds.append(text_filter(col, values))
    if since is not None:
        conds.append(Order.updated_at >= since)
    changed, after = 0, 0
    while True:
        page = db.session.execute(
            select(Order.id, Order.payment_gateways, Order.shipping_lines, Order.unmapped, Order.payment_method,
                   Order.shipping_method, Order.shipping_carrier)
            .where(*conds, Order.id > after).order_by(Order.id).limit(PAGE_ROWS)).mappings().all()
        if not page:
            return changed
        after = page[-1]["id"]
        updates = []
        for row in page:
            new = order_list_changes(kind, dict(row), table)
            if new is not None:
                updates.append({"b_id": row["id"], **new})
        if updates:
            columns = {k: bindparam(k) for k in updates[0] if k != "b_id"}
            db.session.execute(
                update(Order.__table__).where(Order.__table__.c.id == bindparam("b_id"))
                .values(**columns, updated_at=now), updates)
            changed += len(updates)
