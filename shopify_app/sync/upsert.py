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

import json
import weakref

from psycopg.types.json import Json
from sqlalchemy import JSON, Engine, Table, Text, and_, bindparam, cast, column, create_engine, event, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..shopify.times import parse_time

DEFAULT_BATCH_SIZE = 1000
_dumps = json.JSONEncoder(separators=(",", ":")).encode
# From this many rows on PostgreSQL, rows go through COPY into a staging table.
COPY_THRESHOLD = 500


def _table(model) -> Table:
    return model.__table__ if hasattr(model, "__table__") else model


def _dialect_insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"upsert does not support {name}")


def insert_new(engine: Engine, session: Session, model, values: dict, door_pool_size: int = 16,
               as_sent: dict[str, bytes] | None = None):
    """Insert one row unless it collides with one of the table's unique constraints (a
    redelivered webhook); returns its id, or None when it was already there. One
    statement, committed on its own: the caller holds no transaction open for it.

    This is the webhook door's one write, so it is made cheap: on PostgreSQL a single
    autocommitted statement on a pooled connection of `engine`'s (one round trip, no
    BEGIN/COMMIT, no ORM, and no session so much as opened), elsewhere through `session`.
    `door_pool_size` sizes that pool when it is first made (door_engine). `as_sent` gives
    JSON columns their text as received (UTF-8 JSON its caller has checked), written as it
    is instead of `values`' value encoded again."""
    table = _table(model)
    dialect = engine.dialect
    columns = list(values)
    verbatim = frozenset(as_sent or ())
    key = (dialect.name, table.name, tuple(columns), verbatim)
    cached = _INSERT_NEW.get(key)
    if cached is None:
        # Written out once per table and set of columns: SQLAlchemy does not cache an
        # INSERT ... ON CONFLICT, and compiling it cost more than the insert itself.
        quote = dialect.identifier_preparer.quote
        marks = ["%s" for _ in columns] if dialect.name == "postgresql" else [":" + c for c in columns]
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join(marks)}) ON CONFLICT DO NOTHING RETURNING {quote('id')}")
        procs = [None if c in verbatim else table.c[c].type._cached_bind_processor(dialect) for c in columns]
        stmt = None if dialect.name == "postgresql" else \
            text(sql).bindparams(*(bindparam(c, type_=Text() if c in verbatim else table.c[c].type) for c in columns))
        cached = _INSERT_NEW[key] = (sql, procs, stmt)
    sql, procs, stmt = cached
    if dialect.name != "postgresql":
        new_id = session.execute(stmt, {**values, **{c: as_sent[c].decode() for c in verbatim}}).scalar_one_or_none()
        session.commit()
        return new_id
    params = [Json(as_sent[c], dumps=_as_is) if c in verbatim else proc(values[c]) if proc else values[c]
              for c, proc in zip(columns, procs)]
    door = door_engine(engine, door_pool_size)
    for attempt in (1, 2):
        raw = door.raw_connection()
        try:
            row = raw.driver_connection.execute(sql, params).fetchone()
            return row[0] if row else None
        except Exception as exc:
            # A connection the server dropped is found here rather than pinged before
            # each use; the insert is idempotent (ON CONFLICT), so trying it once more
            # on a fresh connection can never record a delivery twice.
            if attempt == 2 or not door.dialect.is_disconnect(exc, raw.driver_connection, None):
                raise
            raw.invalidate()
            door.dispose()  # the server went away: its other pooled connections are dead too
        finally:
            raw.close()


def _as_is(text: bytes) -> bytes:
    return text


def door_engine(engine: Engine, pool_size: int = 16) -> Engine:
    """The webhook door's own pool beside the app's: autocommit, and no ping before each
    checkout (a round trip per delivery). `pool_size` connections kept (DOOR_POOL_SIZE), as
    many more at a burst, per web process, besides the app's pool (10 + 20): count them in
    the server's `max_connections`. Kept at least as large as the process's threads: a
    connection opened beyond it is closed again after its one insert, and opening one
    costs the server a process (measured: 15-20% of the door's throughput with 8 threads
    on 5 kept). Closed with the app's engine."""
    door = _DOOR_ENGINES.get(engine)
    if door is None:
        door = _DOOR_ENGINES[engine] = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_size=pool_size, max_overflow=pool_size,
            hide_parameters=True)
        event.listen(engine, "engine_disposed", lambda _engine: door.dispose())
    return door


_DOOR_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_INSERT_NEW: dict = {}
_NAMED: dict = {}


def _named(dialect):
    """The dialect, compiling named parameters (`:name` / `%(name)s`)."""
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    if dialect.name not in _NAMED:
        _NAMED[dialect.name] = type(dialect)(paramstyle="named")
    return _NAMED[dialect.name]


def _comparable(column):
    """JSON as its text (PostgreSQL's `json` has no equality; we write it with one serialiser)."""
    return cast(column, Text) if isinstance(column.type, JSON) else column


def is_newer(incoming, stored) -> bool:
    """`newer`'s rule in Python, for what never reaches the guard (versions met within one
    batch): does an incoming version replace the stored one? Equal versions re-apply
    (idempotent); an unversioned incoming record never replaces a versioned one."""
    incoming, stored = parse_time(incoming), parse_time(stored)
    if stored is None:
        return True
    if incoming is None:
        return False
    return incoming >= stored


def upsert(
    session: Session,
    model,
    rows: Sequence[dict],
    *,
    keys: Sequence[str] = ("shop_id", "shopify_id"),
    newer: str | None = None,
    keep: Iterable[str] = (),
    do_nothing: bool = False,
    only_if_changed: Sequence[str] = (),
    count_written: bool = False,
) -> int:
    """Insert rows, or update the rows with the same `keys`. Returns the number of rows
    sent, or with `count_written` the number the database inserted or updated.

    - every row must carry the same columns;
    - `keep`: columns written on insert only (e.g. the brokering status the OMS owns);
    - `newer`: the version column; an older version never overwrites a newer one;
    - `do_nothing`: insert what is missing, leave existing rows alone (placeholders);
    - `only_if_changed`: an existing row is only rewritten when one of these columns
      differs (an unchanged value keeps its `updated_at`).
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
        conditions = []
        if newer is not None:
            conditions.append(or_(table.c[newer].is_(None), table.c[newer] <= stmt.excluded[newer]))
        if only_if_changed:
            conditions.append(or_(*(_comparable(table.c[c]).is_distinct_from(_comparable(stmt.excluded[c]))
                                    for c in only_if_changed)))
        where = and_(*conditions) if conditions else None
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
    # Compiled once, with named parameters (SQLite takes them too): each row is then a
    # copy of the caller's dict with its JSON and timestamp columns processed.
    compiled = stmt.compile(dialect=_named(dialect), column_keys=names)
    procs = [(c, table.c[c].type._cached_bind_processor(dialect)) for c in names]
    fixed = {**{c: now for c in extra}, **defaults}
    fixed_values = {c: (p(fixed[c]) if p else fixed[c]) for c, p in procs if c in fixed}
    processed = [(c, p) for c, p in procs if c not in fixed and p is not None]
    if dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        # COPY takes JSON as text: serialise it here rather than through driver wrappers
        json_cols = [c for c in columns if isinstance(table.c[c].type, JSON)]
        params = []
        for r in rows:
            values = dict(r)
            for c in json_cols:
                if values[c] is not None:
                    values[c] = _dumps(values[c])
            for c, p in processed:
                if c not in json_cols:
                    values[c] = p(values[c])
            values.update({c: fixed[c] for c in fixed})
            params.append(values)
        written = _copy_then_upsert(conn, table, stmt, names, params, keys, do_nothing)
    else:
        params = []
        append = params.append
        for r in rows:
            values = dict(r)
            for c, p in processed:
                values[c] = p(values[c])
            values.update(fixed_values)
            append(values)
        written = conn.exec_driver_sql(compiled.string, params).rowcount
    return written if count_written else len(rows)


def _copy_then_upsert(conn, table: Table, stmt, names: list[str], params: list[dict], keys, do_nothing: bool) -> int:
    """PostgreSQL, large batches: COPY the rows into a temporary staging table, then one
    set-based `INSERT ... SELECT ... ON CONFLICT` into the real one (same conflict rule)."""
    stage = f"stage_{table.name}"
    cols = ", ".join(f'"{c}"' for c in names)
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cur:
        cur.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" AS SELECT {cols} FROM "{table.name}" WITH NO DATA')
        cur.execute(f'TRUNCATE "{stage}"')
        # a key twice in one batch would make ON CONFLICT touch a row twice: the last one wins
        unique = {tuple(v[k] for k in keys): v for v in params}
        with cur.copy(f'COPY "{stage}" ({cols}) FROM STDIN') as copy:
            for v in unique.values():
                copy.write_row([v[c] for c in names])
    source = sa_table(stage, *[column(c) for c in names])
    final = stmt.__class__(table).from_select(names, sa_select(*[source.c[c] for c in names]))
    if do_nothing:
        final = final.on_conflict_do_nothing(index_elements=list(keys))
    else:
        spec = stmt._post_values_clause
        final = final.on_conflict_do_update(index_elements=list(keys), set_=dict(spec.update_values_to_set),
                                            where=spec.update_whereclause)
    return conn.execute(final, execution_options={"preserve_rowcount": True}).rowcount


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
