"""Benchmark: push N changed inventory levels to devstore at the Standard plan's throttle.

Prints, from one run:
- mutation calls made against the minimum, ceil(N / 250);
- elapsed time against the throttle's floor: the total cost of those calls divided
  by the restore rate (100 points/s on Standard); also the floor net of the bucket
  that starts full (the fastest any client could go);
- then a second push with nothing changed, which must make no mutation call.

    .venv/bin/python bench/push_inventory.py            # 100,000 levels
    .venv/bin/python bench/push_inventory.py --levels 5000

Set-up (not measured): a devstore shop with enough variants, the app on a fresh
SQLite database, locations imported, the default location (Main Warehouse) and a
POS location (Downtown Store) mapped to facilities, the catalog downloaded with
the products flow, ATP for every SKU at both facilities (one PUT /oms/v1/inventory
per 100,000 rows) and a first push, on a fast plan, so that the ledger knows what
Shopify holds. Then every ATP changes, the plan is set to Standard with a full
bucket, and the measured push runs.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

MAIN = "gid://shopify/Location/61000000001"
DOWNTOWN = "gid://shopify/Location/61000000003"
VARIANTS_PER_PRODUCT = 3.4  # devstore's seed, on average


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, default=100_000, help="changed levels to push (default 100000)")
    args = parser.parse_args()
    n_levels = args.levels
    n_skus = math.ceil(n_levels / 2)  # two target locations: the default one and a POS

    from flask_migrate import upgrade
    from sqlalchemy import select

    from devstore.testing import DevstoreProcess, new_shop
    from shopify_app import create_app
    from shopify_app.api_keys import create_api_key
    from shopify_app.crypto import encrypt_token
    from shopify_app.extensions import db
    from shopify_app.models import Shop, Variant
    from shopify_app.sync.locations.mapping import create_facility
    from shopify_app.sync.locations.store import find_location
    from shopify_app.sync.runner import run_flow

    products = math.ceil(n_skus / VARIANTS_PER_PRODUCT * 1.1) + 10
    print(f"devstore: starting, shop with {products} products ...", flush=True)
    # devstore delivers a webhook per changed level; 100k of them (to an app that is not
    # listening here) keep its dispatcher threads busy and slow its API down, which real
    # Shopify's does not. The bench's devstore therefore runs with a copy of
    # shopify.app.toml without the inventory_levels/update subscription.
    toml_dir = tempfile.mkdtemp(prefix="bench-toml-")
    toml_path = os.path.join(toml_dir, "shopify.app.toml")
    with open(os.path.join(ROOT, "shopify.app.toml")) as fh:
        text = fh.read()
    with open(toml_path, "w") as fh:
        fh.write(text.replace('"inventory_levels/update",', ""))
    with DevstoreProcess.start(products=5, orders=0, locations=4, plan="standard", toml=toml_path) as ds:
        handle = new_shop(ds, products=products, orders=0)
        tmp = tempfile.mkdtemp(prefix="bench-")
        env = {
            "SHOPIFY_API_KEY": ds.api_key,
            "SHOPIFY_API_SECRET": ds.api_secret,
            "SHOPIFY_APP_URL": "http://127.0.0.1:9",
            "SHOPIFY_SHOP_ORIGIN": ds.shop_origin,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": "bench",
            "TOKEN_ENCRYPTION_KEY": "n0wu0D5x4W4mJ6rK6O0u2vXkR2H1bq9d1N1p6rj6b3E=",
        }
        app = create_app(env)
        with app.app_context():
            upgrade(revision="heads")
            shop = Shop(domain=handle.domain, status="active", access_level="read_write",
                        granted_scopes=",".join(ds.client.summary(handle.domain)["granted_scopes"]),
                        access_token_encrypted=encrypt_token(handle.token), settings={})
            db.session.add(shop)
            _record, key = create_api_key("bench")
            db.session.commit()
            shop_id = shop.id
            t = time.monotonic()
            assert run_flow(shop_id, "locations").status == "succeeded"
            ds.client.set_plan(handle.domain, plan="enterprise")
            run = run_flow(shop_id, "products")
            assert run.status == "succeeded", run.error
            for gid in (MAIN, DOWNTOWN):
                create_facility(db.session.get(Shop, shop_id), find_location(shop_id, gid))
            skus = [s for (s,) in db.session.execute(
                select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None)).order_by(Variant.sku))]
            skus = sorted(set(skus))[:n_skus]
            if len(skus) < n_skus:
                print(f"only {len(skus)} SKUs in the catalog; pushing {2 * len(skus)} levels")
            print(f"set-up: catalog of {len(skus)} SKUs downloaded in {time.monotonic() - t:.0f}s", flush=True)

            http = app.test_client()
            headers = {"Authorization": f"Bearer {key}"}

            def put_atp(offset: int) -> None:
                rows = [{"facility_id": f, "sku": sku, "atp": (i % 50) + offset}
                        for i, sku in enumerate(skus) for f in ("SHOPIFY_61000000001", "SHOPIFY_61000000003")]
                for start in range(0, len(rows), 100_000):
                    t0 = time.monotonic()
                    r = http.put("/oms/v1/inventory", json=rows[start:start + 100_000], headers=headers)
                    assert r.status_code == 200, r.get_json()
                    print(f"PUT /oms/v1/inventory: {min(100_000, len(rows) - start)} rows in "
                          f"{time.monotonic() - t0:.1f}s", flush=True)

            put_atp(1000)
            t = time.monotonic()
            run = run_flow(shop_id, "inventory")
            assert run.status == "succeeded", run.error
            print(f"set-up: first push (reads what Shopify holds, then sets) {run.counts} "
                  f"in {time.monotonic() - t:.0f}s (enterprise plan)", flush=True)

            # Every level changes; the measured push runs at the Standard plan's throttle.
            put_atp(2000)
            ds.client.set_plan(handle.domain, plan="standard")
            ds.client.clear_logs(handle.domain)
            from shopify_app.shopify.throttle import buckets
            buckets.clear()
            status = ds.client.throttle(handle.domain)["throttle"]
            t = time.monotonic()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats
                prof = cProfile.Profile()
                run = prof.runcall(run_flow, shop_id, "inventory")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            else:
                run = run_flow(shop_id, "inventory")
            elapsed = time.monotonic() - t
            assert run.status == "succeeded", run.error
            counts = run.counts or {}
            log = ds.client.graphql_log(handle.domain)
            entries = log if isinstance(log, list) else log.get("entries", [])
            mutations = [e for e in entries if "inventorySetQuantities" in str(e.get("query") or e.get("operation") or e)]
            throttled = [e for e in entries if "THROTTLED" in str(e)]
            pushed = counts.get("pushed", 0)
            calls = counts.get("calls", 0)
            minimum = math.ceil(pushed / 250)
            cost_per_call = 10  # a mutation field costs 10 points
            total_cost = calls * cost_per_call
            rate = float(status["restoreRate"])
            floor = total_cost / rate
            net_floor = max(0.0, total_cost - float(status["currentlyAvailable"])) / rate

            print()
            print(f"levels pushed:         {pushed} (changed: {counts.get('levels_changed')})")
            print(f"mutation calls:        {calls} made, minimum ceil({pushed}/250) = {minimum}, "
                  f"ratio {calls / max(minimum, 1):.3f}  (devstore saw {len(mutations)} inventorySetQuantities "
                  f"requests, {len(throttled)} throttled)")
            print(f"elapsed:               {elapsed:.1f}s, throttle floor {total_cost} points / {rate:g} per s = "
                  f"{floor:.1f}s, ratio {elapsed / floor if floor else 0:.3f}")
            print(f"                       (net of the full {status['currentlyAvailable']}-point bucket at the start: "
                  f"floor {net_floor:.1f}s)")

            ds.client.clear_logs(handle.domain)
            t = time.monotonic()
            run = run_flow(shop_id, "inventory")
            log = ds.client.graphql_log(handle.domain)
            entries = log if isinstance(log, list) else log.get("entries", [])
            mutations = [e for e in entries if "inventorySetQuantities" in str(e.get("query") or e.get("operation") or e)]
            print(f"nothing changed:       {run.status}, {(run.counts or {}).get('calls', 0)} mutation calls "
                  f"(devstore saw {len(mutations)}), {time.monotonic() - t:.1f}s")
            db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
