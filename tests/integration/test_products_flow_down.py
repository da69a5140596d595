"""Products flow against devstore over real HTTP: full and incremental download,
webhooks, deletions, failures and resuming a killed download."""
from __future__ import annotations

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import FlowState, Product, SyncRun, Variant
from shopify_app.sync.runner import run_flow


def count(model, shop_id, *conds):
    return db.session.execute(select(func.count()).select_from(model).where(model.shop_id == shop_id, *conds)).scalar_one()


def test_full_then_incremental_download(connected_app, linked):
    handle, shop_id = linked(products=30)
    ds = connected_app.ds
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id
        theirs = ds.products(handle.domain, limit=1000)
        n_products = len(theirs.get("products", theirs) if isinstance(theirs, dict) else theirs)
        assert count(Product, shop_id) == n_products == 30
        assert count(Variant, shop_id) >= 30
        assert run.cursor_after
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one()
        assert not (state.state or {}).get("bulk")

    # an edit in Shopify comes with the next (incremental) run
    with connected_app.app.app_context():
        pid = db.session.execute(select(Product.shopify_id).where(Product.shop_id == shop_id).limit(1)).scalar_one()
    ds.update_product(handle.domain, pid, title="Renamed in Shopify")
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id is None  # small change set: pages
        p = db.session.execute(select(Product).where(Product.shop_id == shop_id, Product.shopify_id == pid)).scalar_one()
        assert p.title == "Renamed in Shopify"
        assert count(Product, shop_id) == 30


def _product(shop_id, pid):
    return db.session.execute(select(Product).where(Product.shop_id == shop_id, Product.shopify_id == pid)).scalar_one_or_none()


def test_webhooks_apply_at_once_and_the_next_pull_agrees(connected_app, linked):
    handle, shop_id = linked(products=12)
    ds = connected_app.ds
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        pids = list(db.session.execute(select(Product.shopify_id).where(Product.shop_id == shop_id).limit(2)).scalars())
    ds.update_product(handle.domain, pids[0], title="Edited by webhook")
    connected_app.wait_for(lambda: _product(shop_id, pids[0]).title == "Edited by webhook")
    ds.delete_product(handle.domain, pids[1])
    connected_app.wait_for(lambda: _product(shop_id, pids[1]).deleted_at is not None)
    created = ds.create_product(handle.domain, title="Brand new", productType="Hats",
                                variants=[{"sku": "NEW-1", "price": "5.00"}, {"sku": "NEW-2", "price": "6.00"}])
    new_pid = (created.get("product") or created)["id"]
    connected_app.wait_for(lambda: _product(shop_id, new_pid) is not None)
    with connected_app.app.app_context():
        assert count(Variant, shop_id, Variant.product_shopify_id == new_pid) == 2
        p = _product(shop_id, new_pid)
        assert p.product_type == "Hats" and p.product_type_unmapped and p.oms_product_type is None
        # deleted: marked, never removed, variants too
        assert count(Variant, shop_id, Variant.product_shopify_id == pids[1], Variant.deleted_at.is_(None)) == 0
        before = count(Product, shop_id)
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        db.session.expire_all()
        assert count(Product, shop_id) == before  # webhook and pull overlapped: no duplicates
        assert _product(shop_id, pids[0]).title == "Edited by webhook"
        assert _product(shop_id, pids[1]).deleted_at is not None


def test_a_failed_bulk_operation_fails_the_run_and_keeps_the_cursor(connected_app, linked, devstore):
    handle, shop_id = linked(products=30)
    devstore.client.faults(bulk_fail={"errorCode": "INTERNAL_SERVER_ERROR", "after_objects": 20, "shop": handle.domain})
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "failed"
        assert "failed" in run.error and "INTERNAL_SERVER_ERROR" in run.error
        assert run.cursor_after is None
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one()
        assert state.cursor is None and not (state.state or {}).get("bulk")
        partial = count(Product, shop_id)
        assert 0 < partial < 30  # the partial data is kept, the cursor not moved
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert count(Product, shop_id) == 30
        assert run.cursor_after


def test_access_none_calls_nothing_and_read_downloads(connected_app, linked, devstore):
    handle, shop_id = linked(products=5, access="none")
    devstore.client.clear_logs(handle.domain)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "skipped" and "none" in run.error
        assert count(Product, shop_id) == 0
    assert devstore.client.graphql_log(handle.domain) == []
    # a webhook for a shop at access none brings nothing in either
    devstore.client.create_product(handle.domain, title="Ignored", variants=[{"sku": "IGN", "price": "1.00"}])
    devstore.client.wait_webhooks(timeout=5)
    connected_app.wait_webhooks_applied()  # applied off the request: judged before counting
    with connected_app.app.app_context():
        assert count(Product, shop_id) == 0
        from shopify_app.models import Shop
        shop = db.session.get(Shop, shop_id)
        shop.access_level = "read"
        db.session.commit()
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert count(Product, shop_id) == 6


def test_throttled_incremental_pages_still_complete(connected_app, linked, devstore):
    handle, shop_id = linked(products=40)
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one()
        state.cursor = "2000-01-01T00:00:00Z"  # everything counts as changed: many pages
        db.session.commit()
    devstore.client.set_plan(handle.domain, size=1000, rate=400, available=0)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("products") == 40
        assert count(Product, shop_id) == 40


KILLED_RUNNER = r"""
import json, sys, time
from shopify_app import create_app
from shopify_app.sync import bulk
from shopify_app.sync.products import sink as products
from shopify_app.sync.runner import run_flow

env = json.loads(sys.argv[1])
bulk.BATCH_LINES = 5
flush = products.ProductSink.flush
def slow_flush(self):
    flush(self)
    time.sleep(0.4)
products.ProductSink.flush = slow_flush
app = create_app(env)
with app.app_context():
    run_flow(int(sys.argv[2]), "products", "schedule")
"""


def test_a_download_killed_midway_resumes_without_duplicates_or_gaps(connected_app, linked, devstore, database_url, tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import base_env

    handle, shop_id = linked(products=30)
    env = base_env(DATABASE_URL=database_url, SHOPIFY_API_KEY=devstore.api_key, SHOPIFY_API_SECRET=devstore.api_secret,
                   SHOPIFY_SHOP_ORIGIN=devstore.shop_origin, SHOPIFY_APP_URL=connected_app.url, SCOPES="")
    script = tmp_path / "runner.py"
    script.write_text(KILLED_RUNNER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, str(script), json.dumps(env), str(shop_id)], cwd=root,
                            env={**os.environ, "PYTHONPATH": root})
    try:
        def lines_done():
            state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one_or_none()
            bulk_state = (state.state or {}).get("bulk") if state else None
            return bulk_state and bulk_state.get("lines_done", 0) >= 10 and bulk_state
        killed_at = connected_app.wait_for(lines_done, timeout=30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with connected_app.app.app_context():
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one()
        assert state.cursor is None and state.state["bulk"]["id"] == killed_at["id"]
        assert 0 < count(Product, shop_id) + count(Variant, shop_id) < 60
        # the dead process's lease expires
        state.lease_owner = None
        state.lease_expires_at = None
        db.session.commit()
        ops_before = len(devstore.client.bulk_operations(handle.domain).get("operations", []) if isinstance(
            devstore.client.bulk_operations(handle.domain), dict) else devstore.client.bulk_operations(handle.domain))
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("bulk_resumed") == 1
        assert run.bulk_operation_id == killed_at["id"]
        ops = devstore.client.bulk_operations(handle.domain)
        ops_after = len(ops.get("operations", []) if isinstance(ops, dict) else ops)
        assert ops_after == ops_before  # the same operation, not a new one
        assert count(Product, shop_id) == 30
        theirs = handle.graphql("{ productVariantsCount { count } }")["data"]["productVariantsCount"]["count"]
        assert count(Variant, shop_id) == theirs
        assert run.cursor_after


def test_a_large_change_set_goes_through_an_incremental_bulk_operation(connected_app, linked, monkeypatch):
    from shopify_app.sync.products import run as products_flow

    handle, shop_id = linked(products=20)
    ds = connected_app.ds
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        pid = db.session.execute(select(Product.shopify_id).where(Product.shop_id == shop_id).limit(1)).scalar_one()
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "products")).scalar_one()
        state.cursor = "2000-01-01T00:00:00Z"
        db.session.commit()
    ds.update_product(handle.domain, pid, title="Changed before the bulk")
    monkeypatch.setattr(products_flow, "BULK_THRESHOLD", 5)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id and run.counts.get("products") == 20
        assert count(Product, shop_id) == 20
        assert count(Product, shop_id, Product.deleted_at.is_not(None)) == 0  # no sweep on a partial download
        assert _product(shop_id, pid).title == "Changed before the bulk"
