"""Batched upserts on SQLite and PostgreSQL: `INSERT ... ON CONFLICT DO UPDATE`.

One statement per batch, compiled once and run as one DBAPI executemany; the
rows' values go through the columns' own bind processors, so what is written reads
back exactly as the ORM writes it. The caller owns the transaction: one commit per
batch, so the cursor can advance right after.

`newer` names a version column (Shopify's `updatedAt`): an existing row is only
overwritten by a version at least as new, so a webhook and a pull racing on the
same record keep the newer one whatever order they land in.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

DEFAULT_BATCH_SIZE = 1000


def _table(model) -> Table:
    return model.__table__ if hasattr(model, "__table__") else model


def _dialect_insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"upsert does not support {name}")


def upsert(
    session: Session,
    model,
    rows: Sequence[dict],
    *,
    keys: Sequence[str] = ("shop_id", "shopify_id"),
    newer: str | None = None,
    keep: Iterable[str] = (),
    do_nothing: bool = False,
) -> int:
    """Insert rows, or update the rows with the same `keys`. Returns the number of rows sent.

    - every row must carry the same columns;
    - `keep`: columns written on insert only (e.g. the brokering status the OMS owns);
    - `newer`: the version column; an older version never overwrites a newer one;
    - `do_nothing`: insert what is missing, leave existing rows alone (placeholders).
    `created_at`/`updated_at` are filled in here when the table has them.
    """
    if not rows:
        return 0
    table = _table(model)
    now = datetime.now(timezone.utc)
    columns = list(rows[0].keys())
    extra = [c for c in ("created_at", "updated_at") if c in table.c and c not in columns]
    insert = _dialect_insert(session)(table)
    stmt = insert
    if do_nothing:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    else:
        kept = set(keys) | set(keep) | {"created_at", "id"}
        set_ = {c: stmt.excluded[c] for c in columns + extra if c not in kept}
        where = None
        if newer is not None:
            where = or_(table.c[newer].is_(None), table.c[newer] <= stmt.excluded[newer])
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=set_, where=where)
    # Column defaults the ORM would fill in (flags, the brokering status): insert-only values.
    defaults = {}
    for col in table.c:
        if col.name in columns or col.name in extra or col.default is None:
            continue
        defaults[col.name] = col.default.arg if col.default.is_scalar else now
    names = columns + extra + list(defaults)
    conn = session.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    procs = [(c, table.c[c].type._cached_bind_processor(dialect)) for c in names]
    # The statement is compiled once; each row only goes through its columns' own
    # bind processors (JSON, timestamps), then one DBAPI executemany.
    fixed = {**{c: now for c in extra}, **defaults}
    fixed_values = {c: (p(fixed[c]) if p else fixed[c]) for c, p in procs if c in fixed}
    plain = [c for c, p in procs if c not in fixed and p is None]
    processed = [(c, p) for c, p in procs if c not in fixed and p is not None]
    params = []
    for r in rows:
        values = {c: r[c] for c in plain}
        for c, p in processed:
            values[c] = p(r[c])
        values.update(fixed_values)
        params.append(values)
    if compiled.positiontup is not None:  # qmark / format paramstyles (SQLite)
        order = compiled.positiontup
        params = [tuple(v[k] for k in order) for v in params]
    conn.exec_driver_sql(compiled.string, params)
    return len(rows)


def batched(iterable: Iterable, size: int = DEFAULT_BATCH_SIZE):
    """Lists of up to `size` items, lazily: the stream is never held whole."""
    batch: list = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
