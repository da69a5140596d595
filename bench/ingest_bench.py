"""Ingest benchmark: bulk-operation JSONL into the OMS tables, beside a raw bulk insert.

    .venv/bin/python bench/ingest_bench.py               # 100k products/300k variants, 100k orders/400k lines
    .venv/bin/python bench/ingest_bench.py --scale 0.05  # a quick check
    .venv/bin/python bench/ingest_bench.py --db sqlite   # or postgresql, or both (default: both if reachable)

For each database and each file it measures, in separate processes (so each has its
own peak memory):
- ingest: the app's own path — the JSONL read line by line as a stream, parsed,
  normalised by the products/orders sinks, written with batched
  `INSERT ... ON CONFLICT DO UPDATE` upserts, one transaction a batch;
- raw: the same file read and parsed, the same rows inserted with the plainest bulk
  insert the database has (executemany of INSERT on SQLite, COPY on PostgreSQL),
  into the same empty tables, one transaction.
It prints rows/s and peak memory (max RSS) of both, and their ratios. Targets: ingest
within 3x of raw; ingest peak memory under 200 MB whatever the file size.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_BENCH_DB = "bench_ingest"
SHOP = "bench-shop.myshopify.com"


# --- generating the files (bulk JSONL: children on their own lines with __parentId) -------------

def generate_products(path: str, products: int, variants_each: int = 3) -> int:
    lines = 0
    with open(path, "w") as fh:
        for p in range(1, products + 1):
            pid = f"gid://shopify/Product/{p}"
            fh.write(json.dumps({
                "id": pid, "title": f"Product {p}", "handle": f"product-{p}", "description": "A fine product " * 4,
                "vendor": f"Vendor {p % 50}", "productType": f"Type {p % 20}", "tags": ["bench", f"t{p % 7}"],
                "status": "ACTIVE", "updatedAt": "2026-11-01T00:00:00Z",
                "options": [{"name": "Size", "position": 1, "values": ["S", "M", "L"]}],
            }) + "\n")
            for v in range(variants_each):
                vid = p * 10 + v
                fh.write(json.dumps({
                    "id": f"gid://shopify/ProductVariant/{vid}", "title": ["S", "M", "L"][v % 3],
                    "sku": f"SKU-{p}-{v}", "barcode": f"{vid:012d}", "price": "19.99", "position": v + 1,
                    "updatedAt": "2026-11-01T00:00:00Z", "selectedOptions": [{"name": "Size", "value": ["S", "M", "L"][v % 3]}],
                    "inventoryItem": {"id": f"gid://shopify/InventoryItem/{vid}",
                                      "measurement": {"weight": {"unit": "GRAMS", "value": 250.0}}},
                    "__parentId": pid,
                }) + "\n")
            lines += 1 + variants_each
    return lines


def generate_orders(path: str, orders: int, products: int, lines_each: int = 4) -> int:
    lines = 0
    address = {"name": "Jane Doe", "firstName": "Jane", "lastName": "Doe", "address1": "1 Main St", "city": "Ottawa",
               "province": "Ontario", "provinceCode": "ON", "zip": "K1A0A1", "country": "Canada", "countryCodeV2": "CA",
               "phone": "+15555550123", "company": None, "address2": None}
    with open(path, "w") as fh:
        for o in range(1, orders + 1):
            oid = f"gid://shopify/Order/{o}"
            fh.write(json.dumps({
                "id": oid, "name": f"#{1000 + o}", "email": f"buyer{o}@example.com", "phone": None,
                "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-01T00:00:00Z", "processedAt": "2026-11-01T00:00:00Z",
                "cancelledAt": None, "cancelReason": None, "closed": False, "displayFinancialStatus": "PAID",
                "displayFulfillmentStatus": "UNFULFILLED", "currencyCode": "USD", "sourceName": "web",
                "paymentGatewayNames": ["shopify_payments"], "discountCodes": [], "tags": [],
                "customer": {"id": f"gid://shopify/Customer/{o}", "firstName": "Jane", "lastName": "Doe",
                             "defaultEmailAddress": {"emailAddress": f"buyer{o}@example.com"}, "defaultPhoneNumber": None},
                "app": {"id": "gid://shopify/App/1", "name": "Online Store"},
                "shippingAddress": address, "billingAddress": address,
                "taxLines": [{"title": "GST", "rate": 0.05, "priceSet": {"shopMoney": {"amount": "4.00", "currencyCode": "USD"}}}],
                "subtotalPriceSet": {"shopMoney": {"amount": "79.96"}}, "totalPriceSet": {"shopMoney": {"amount": "83.96"}},
                "totalTaxSet": {"shopMoney": {"amount": "4.00"}}, "totalDiscountsSet": {"shopMoney": {"amount": "0.00"}},
                "totalShippingPriceSet": {"shopMoney": {"amount": "0.00"}}, "currentTotalPriceSet": {"shopMoney": {"amount": "83.96"}},
                "totalRefundedSet": {"shopMoney": {"amount": "0.00"}}, "refunds": [],
            }) + "\n")
            for l in range(lines_each):
                p = (o * 7 + l) % products + 1
                vid = p * 10 + (l % 3)
                fh.write(json.dumps({
                    "id": f"gid://shopify/LineItem/{o * 10 + l}", "name": f"Product {p}", "title": f"Product {p}",
                    "variantTitle": "S", "sku": f"SKU-{p}-{l % 3}", "quantity": 1, "currentQuantity": 1,
                    "unfulfilledQuantity": 1, "refundableQuantity": 1, "requiresShipping": True,
                    "originalUnitPriceSet": {"shopMoney": {"amount": "19.99"}},
                    "discountedTotalSet": {"shopMoney": {"amount": "19.99"}},
                    "variant": {"id": f"gid://shopify/ProductVariant/{vid}"}, "product": {"id": f"gid://shopify/Product/{p}"},
                    "__parentId": oid,
                }) + "\n")
            lines += 1 + lines_each
    return lines


# --- databases ------------------------------------------------------------------------------------

def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_database(kind: str, tmpdir: str, name: str) -> str:
    """An empty, migrated database; returns its URL."""
    if kind == "sqlite":
        url = f"sqlite:///{os.path.join(tmpdir, name + '.sqlite3')}"
    else:
        import psycopg

        base = PG_URL.rsplit("/", 1)[0]
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        url = f"{base}/{PG_BENCH_DB}"
    subprocess.run([sys.executable, __file__, "--worker", "migrate", "--url", url], check=True, capture_output=True)
    return url


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


def shop_id(app) -> int:
    from sqlalchemy import select

    from shopify_app.extensions import db
    from shopify_app.models import Shop

    with app.app_context():
        found = db.session.execute(select(Shop.id).where(Shop.domain == SHOP)).scalar_one_or_none()
        if found:
            return found
        shop = Shop(domain=SHOP, status="active", access_level="read", settings={})
        db.session.add(shop)
        db.session.commit()
        return shop.id


# --- workers (each in its own process) --------------------------------------------------------

class _Ctx:
    def count(self, key, n=1):
        pass


def worker_migrate(url: str) -> None:
    app = app_for(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    shop_id(app)


def worker_ingest(url: str, kind: str, path: str, preload: str | None) -> dict:
    from shopify_app.extensions import db
    from shopify_app.sync import bulk
    from shopify_app.sync.orders.mapper import Mapper
    from shopify_app.sync.orders.sink import OrderSink
    from shopify_app.sync.products.sink import ProductSink
    from shopify_app.sync.products.type_mapping import TypeResolver

    app = app_for(url)
    sid = shop_id(app)
    with app.app_context():
        def sink_for(k):
            return ProductSink(sid, TypeResolver(sid)) if k == "products" else OrderSink(sid, Mapper(sid))

        if preload:  # orders refer to the catalog: load it first, untimed
            with open(preload, "rb") as fh:
                bulk.ingest(_Ctx(), fh, sink_for("products"))
        db.session.commit()
        start = time.perf_counter()
        with open(path, "rb") as fh:  # read line by line, as iter_lines streams it
            lines = bulk.ingest(_Ctx(), fh, sink_for(kind))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": lines}


PRODUCT_COLS = ("shop_id", "shopify_id", "title", "handle", "description", "vendor", "product_type", "oms_product_type",
                "product_type_unmapped", "tags", "status", "options", "images", "shopify_updated_at", "deleted_at",
                "is_placeholder", "created_at", "updated_at")
VARIANT_COLS = ("shop_id", "shopify_id", "product_shopify_id", "title", "sku", "barcode", "price", "weight", "weight_unit",
                "inventory_item_id", "selected_options", "position", "shopify_updated_at", "deleted_at", "is_placeholder",
                "created_at", "updated_at")
ORDER_COLS = ("shop_id", "shopify_id", "name", "email", "phone", "customer_id", "customer", "shipping_address",
              "billing_address", "payment_gateways", "source_name", "channel", "discounts", "tax_lines", "totals",
              "currency", "financial_status", "fulfillment_status", "refunds", "cancelled_at", "cancel_reason", "closed",
              "processed_at", "shopify_created_at", "shopify_updated_at", "broker_status", "queued_at", "sales_channel",
              "payment_method", "shipping_method", "unmapped", "shipping_lines", "fulfillment_orders",
              "has_placeholder_products", "created_at", "updated_at")
LINE_COLS = ("shop_id", "shopify_id", "order_shopify_id", "product_shopify_id", "variant_shopify_id", "sku", "title",
             "variant_title", "quantity", "current_quantity", "fulfillable_quantity", "unfulfilled_quantity",
             "refunded_quantity", "price", "discounted_total", "discounts", "tax_lines", "requires_shipping",
             "placeholder_product", "removed", "order_updated_at", "created_at", "updated_at")


def raw_rows(kind: str, path: str, sid: int, ts: str):
    """The same rows (every column the ingest writes) straight from the file: (table, tuple).
    Timestamps are passed as the text the database stores, JSON as text."""
    dumps = json.dumps
    empty = "[]"
    with open(path, "rb") as fh:
        for line in fh:
            o = json.loads(line)
            parent = o.get("__parentId")
            if kind == "products":
                if parent is None:
                    yield "products", (sid, o["id"], o["title"], o["handle"], o["description"], o["vendor"],
                                       o["productType"], None, True, dumps(o["tags"]), o["status"],
                                       dumps(o["options"]), empty, ts, None, False, ts, ts)
                else:
                    w = o["inventoryItem"]["measurement"]["weight"]
                    yield "variants", (sid, o["id"], parent, o["title"], o["sku"], o["barcode"], o["price"],
                                       str(w["value"]), w["unit"], o["inventoryItem"]["id"],
                                       dumps(o["selectedOptions"]), o["position"], ts, None, False, ts, ts)
            else:
                if parent is None:
                    totals = {k: o[f"{k}PriceSet" if k != "tax" else "totalTaxSet"]["shopMoney"]["amount"]
                              for k in ("subtotal", "total", "tax")}
                    yield "orders", (sid, o["id"], o["name"], o["email"], o["phone"], o["customer"]["id"],
                                     dumps(o["customer"]), dumps(o["shippingAddress"]), dumps(o["billingAddress"]),
                                     dumps(o["paymentGatewayNames"]), o["sourceName"], o["sourceName"],
                                     dumps(o["discountCodes"]), dumps(o["taxLines"]), dumps(totals), o["currencyCode"],
                                     o["displayFinancialStatus"], o["displayFulfillmentStatus"], dumps(o["refunds"]),
                                     None, None, False, ts, ts, ts, "queued", ts, None, None, None,
                                     dumps({"sales_channel": o["sourceName"]}), empty, empty, False, ts, ts)
                else:
                    yield "order_lines", (sid, o["id"], parent, o["product"]["id"], o["variant"]["id"], o["sku"],
                                          o["title"], o["variantTitle"], o["quantity"], o["currentQuantity"],
                                          o["unfulfilledQuantity"], o["unfulfilledQuantity"], 0,
                                          o["originalUnitPriceSet"]["shopMoney"]["amount"],
                                          o["discountedTotalSet"]["shopMoney"]["amount"], empty, empty,
                                          o["requiresShipping"], False, False, ts, ts, ts)


COLS = {"products": PRODUCT_COLS, "variants": VARIANT_COLS, "orders": ORDER_COLS, "order_lines": LINE_COLS}


def worker_raw(url: str, kind: str, path: str) -> dict:
    app = app_for(url)
    sid = shop_id(app)
    ts = "2026-11-23 00:00:00.000000" if url.startswith("sqlite") else "2026-11-23T00:00:00+00:00"
    start = time.perf_counter()
    rows = 0
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///"):])
        buffers: dict[str, list] = {}
        for table, row in raw_rows(kind, path, sid, ts):
            buf = buffers.setdefault(table, [])
            buf.append(row)
            rows += 1
            if len(buf) >= 5000:
                _sqlite_flush(conn, table, buf)
        for table, buf in buffers.items():
            _sqlite_flush(conn, table, buf)
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as conn, conn.cursor() as cur:
            tables = ("products", "variants") if kind == "products" else ("orders", "order_lines")
            copies = {t: cur.copy(f"COPY {t} ({', '.join(COLS[t])}) FROM STDIN") for t in tables}
            # one COPY at a time per connection: write each table's rows in its own pass
            for table in tables:
                with cur.copy(f"COPY {table} ({', '.join(COLS[table])}) FROM STDIN") as copy:
                    for t, row in raw_rows(kind, path, sid, ts):
                        if t == table:
                            copy.write_row(row)
                            rows += 1
            del copies
            conn.commit()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def _sqlite_flush(conn, table, buf):
    cols = COLS[table]
    conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", buf)
    buf.clear()


def run_worker(args) -> None:
    if args.worker == "migrate":
        worker_migrate(args.url)
        return
    if args.worker == "ingest":
        result = worker_ingest(args.url, args.kind, args.file, args.preload)
    else:
        result = worker_raw(args.url, args.kind, args.file)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, url: str, kind: str, path: str, preload: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--url", url, "--kind", kind, "--file", path]
    if preload:
        cmd += ["--preload", preload]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k products / 100k orders")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--worker", choices=("migrate", "ingest", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--preload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return 0

    products = max(10, int(100_000 * args.scale))
    orders = max(10, int(100_000 * args.scale))
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in databases and not pg_reachable():
        print(f"PostgreSQL not reachable at {PG_URL}: skipped")
        databases.remove("postgresql")

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        pfile, ofile = os.path.join(tmp, "products.jsonl"), os.path.join(tmp, "orders.jsonl")
        t = time.perf_counter()
        plines = generate_products(pfile, products)
        olines = generate_orders(ofile, orders, products)
        print(f"generated {products:,} products / {plines - products:,} variants ({os.path.getsize(pfile) / 1e6:.0f} MB), "
              f"{orders:,} orders / {olines - orders:,} lines ({os.path.getsize(ofile) / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t:.1f}s")
        header = f"{'db':<11}{'file':<10}{'rows':>9}  {'ingest rows/s':>13} {'raw rows/s':>11} {'time ratio':>10}   " \
                 f"{'ingest MB':>9} {'raw MB':>7} {'mem ratio':>9}  verdict"
        print(header)
        print("-" * len(header))
        failed = False
        for dbkind in databases:
            for kind, path, preload in (("products", pfile, None), ("orders", ofile, pfile)):
                url = fresh_database(dbkind, tmp, f"{kind}-ingest")
                ingest = measure("ingest", url, kind, path, preload)
                url = fresh_database(dbkind, tmp, f"{kind}-raw")
                raw = measure("raw", url, kind, path)
                ratio = ingest["seconds"] / raw["seconds"]
                ok = ratio <= 3.0 and ingest["max_rss_mb"] < 200
                failed |= not ok
                print(f"{dbkind:<11}{kind:<10}{ingest['rows']:>9,}  {ingest['rows'] / ingest['seconds']:>13,.0f} "
                      f"{raw['rows'] / raw['seconds']:>11,.0f} {ratio:>9.2f}x   {ingest['max_rss_mb']:>9.0f} "
                      f"{raw['max_rss_mb']:>7.0f} {ingest['max_rss_mb'] / raw['max_rss_mb']:>8.2f}x  "
                      f"{'ok' if ok else 'MISSED'} (targets: <= 3x raw time, < 200 MB)")
        if "postgresql" in databases:
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
