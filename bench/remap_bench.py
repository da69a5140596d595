"""Remap benchmark: a mapping saved over 100k stored orders and products.

    .venv/bin/python bench/remap_bench.py                  # 10k and 100k, SQLite and PostgreSQL (when reachable)
    .venv/bin/python bench/remap_bench.py --sizes 100000   # one size
    .venv/bin/python bench/remap_bench.py --db sqlite      # or postgresql, or both (default)

For each database and size, in a process of its own (its own peak memory), it seeds
N orders and N products straight into a fresh, migrated database (a bulk insert:
executemany on SQLite, COPY on PostgreSQL; not timed), 90% of the orders from `web`
and 90% of the products of type `T-Shirt`, all unmapped as a first download leaves
them. Then it times the app's own path, `apply_changes` (what PUT /api/mappings/<kind>
runs: the mapping saved and reached to every stored record, one transaction):
- map sales channel `web` -> WEB_SALES_CHANNEL, then unmap it;
- map product type `T-Shirt` -> FINISHED_GOOD, then unmap it.
It prints the rows that hold the new value afterwards (90% of N), the seconds, their ratio to the 10 s target, the peak of
Python allocations during the remap (tracemalloc) and the process's max RSS. Memory is
flat when the 100k peak is not much above the 10k one: nothing loads the rows.
Exits non-zero when a target is missed. Not run by the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# A maintenance database on the server: the benchmark creates and drops its own there.
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "bench_remap"
SHOP = "bench-remap.myshopify.com"
TARGET_SECONDS = 10.0
FLAT_MEMORY_RATIO = 2.0  # peak at 100k over peak at 10k, at most
OPERATIONS = (
    ("sales_channel", "web", "WEB_SALES_CHANNEL"),
    ("product_type", "T-Shirt", "FINISHED_GOOD"),
)


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_database(kind: str, tmpdir: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{os.path.join(tmpdir, name + '.sqlite3')}"
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return f"{PG_URL.rsplit('/', 1)[0]}/{PG_BENCH_DB}"


def app_for(url: str):
    import logging

    from shopify_app import create_app

    app = create_app({
        "SHOPIFY_API_KEY": "bench", "SHOPIFY_API_SECRET": "bench-secret-0123456789", "SHOPIFY_APP_URL": "https://bench.example",
        "SCOPES": "read_products,read_orders", "SECRET_KEY": "bench", "DATABASE_URL": url,
        "TOKEN_ENCRYPTION_KEY": "n0wu0D5x4W4mJ6rK6O0u2vXkR2H1bq9d1N1p6rj6b3E=",
    })
    logging.getLogger().setLevel(logging.WARNING)
    return app


# --- seeding: straight into the tables ------------------------------------------------------------

ORDER_COLS = ("shop_id", "shopify_id", "name", "source_name", "channel", "payment_gateways", "shipping_lines",
              "unmapped", "broker_status", "has_placeholder_products", "created_at", "updated_at")
PRODUCT_COLS = ("shop_id", "shopify_id", "title", "handle", "product_type", "product_type_unmapped",
                "is_placeholder", "status", "created_at", "updated_at")


def order_rows(shop_id: int, n: int, ts):
    for i in range(n):
        channel = "web" if i % 10 else "pos"
        yield (shop_id, f"gid://shopify/Order/{i + 1}", f"#{1000 + i}", channel, channel,
               json.dumps(["shopify_payments"]), json.dumps([{"id": f"s{i}", "title": "Standard", "removed": False}]),
               json.dumps({"sales_channel": channel, "payment_method": "shopify_payments",
                           "shipping_method": "Standard"}), "queued", False, ts, ts)


def product_rows(shop_id: int, n: int, ts):
    for i in range(n):
        kind = "T-Shirt" if i % 10 else "Mug"
        yield (shop_id, f"gid://shopify/Product/{i + 1}", f"Product {i}", f"product-{i}", kind, True, False,
               "ACTIVE", ts, ts)


def seed(app, url: str, n: int) -> int:
    from shopify_app.extensions import db
    from shopify_app.models import Shop

    with app.app_context():
        shop = Shop(domain=SHOP, status="active", access_level="read", settings={})
        db.session.add(shop)
        db.session.commit()
        shop_id = shop.id
        ts = datetime(2026, 1, 1, tzinfo=timezone.utc)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for table, cols, rows in (("orders", ORDER_COLS, order_rows(shop_id, n, ts)),
                                      ("products", PRODUCT_COLS, product_rows(shop_id, n, ts))):
                if url.startswith("sqlite"):
                    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                    cur.executemany(sql, ((*r[:-2], r[-2].isoformat(" "), r[-1].isoformat(" ")) for r in rows))
                else:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    return shop_id


# --- the worker (one process per database and size) -------------------------------------------

def worker(url: str, n: int) -> dict:
    app = app_for(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    shop_id = seed(app, url, n)
    from shopify_app.sync.mappings.apply import apply_changes

    results = []
    with app.app_context():
        for kind, value, target in OPERATIONS:
            for oms_value in (target, None):
                tracemalloc.start()
                t = time.perf_counter()
                apply_changes(shop_id, kind, {"mappings": [{"shopify_value": value, "oms_value": oms_value}]})
                seconds = time.perf_counter() - t
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                results.append({"kind": kind, "op": "map" if oms_value else "unmap", "rows": changed(kind, shop_id, oms_value),
                                "seconds": seconds, "peak_mb": peak / 1e6})
    return {"n": n, "results": results, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def changed(kind: str, shop_id: int, oms_value: str | None) -> int:
    """The records carrying the remapped value that now hold what the remap set (all
    of them, when it reached every one)."""
    from sqlalchemy import func, select

    from shopify_app.extensions import db
    from shopify_app.models import Order, Product

    if kind == "sales_channel":
        cond = [Order.shop_id == shop_id, Order.channel == "web",
                Order.sales_channel == oms_value if oms_value else Order.sales_channel.is_(None)]
        return db.session.execute(select(func.count()).select_from(Order).where(*cond)).scalar_one()
    cond = [Product.shop_id == shop_id, Product.product_type == "T-Shirt",
            Product.product_type_unmapped.is_(oms_value is None)]
    return db.session.execute(select(func.count()).select_from(Product).where(*cond)).scalar_one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of orders (and products)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.url, args.n)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in databases and not pg_reachable():
        print(f"PostgreSQL not reachable at {PG_URL}: skipped")
        databases.remove("postgresql")
    header = (f"{'db':<11}{'stored':>8}  {'remap':<20}{'rows':>8} {'seconds':>8} {'of 10 s':>8} "
              f"{'peak MB':>8} {'RSS MB':>7}  verdict")
    print(header)
    print("-" * len(header))
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-remap-") as tmp:
        for dbkind in databases:
            peaks = {}
            for n in sizes:
                url = fresh_database(dbkind, tmp, f"remap-{n}")
                out = subprocess.run([sys.executable, __file__, "--worker", "--url", url, "--n", str(n)],
                                     check=True, capture_output=True, text=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                peaks[n] = max(r["peak_mb"] for r in result["results"])
                for r in result["results"]:
                    ok = r["seconds"] < TARGET_SECONDS
                    failed |= not ok
                    print(f"{dbkind:<11}{n:>8,}  {r['op'] + ' ' + r['kind']:<20}{r['rows']:>8,} {r['seconds']:>8.2f} "
                          f"{r['seconds'] / TARGET_SECONDS:>7.0%} {r['peak_mb']:>8.2f} {result['max_rss_mb']:>7.0f}  "
                          f"{'ok' if ok else 'MISSED'}")
            if len(peaks) > 1:
                small, large = min(peaks), max(peaks)
                ratio = peaks[large] / max(peaks[small], 0.01)
                flat = ratio <= FLAT_MEMORY_RATIO
                failed |= not flat
                print(f"{dbkind:<11}memory: peak at {large:,} is {ratio:.2f}x the peak at {small:,} "
                      f"({'flat' if flat else 'NOT flat'}; target <= {FLAT_MEMORY_RATIO}x)")
        if "postgresql" in databases:
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
