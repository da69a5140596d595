"""Deactivation against devstore over real HTTP, with the real scheduler process running.

After `shop deactivate`, devstore records no call from the app for that shop whatever is
triggered: "sync now", webhooks devstore sends for changes made there (one of them muted:
only a pull can see it), the scheduler's ticks and interval jobs, an OMS inventory PUT and
fulfillment POST. Meanwhile another shop keeps syncing. After `shop activate` everything
catches up: what changed in devstore is in the OMS API, each kept webhook applied once, the
OMS's inventory and fulfillment pushed once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Shop, SyncRun, WebhookDelivery
from shopify_app.sync.locations.mapping import create_facility
from shopify_app.sync.locations.store import locations_of
from shopify_app.sync.runner import run_flow
from shopify_app.sync.scheduler import enqueue_scheduled

from tests.conftest import base_env, create_shop

ROOT = Path(__file__).resolve().parents[2]


def start_scheduler(connected, database_url, log_path: Path) -> subprocess.Popen:
    ds = connected.devstore
    env = {**os.environ, **base_env(DATABASE_URL=database_url, SHOPIFY_API_KEY=ds.api_key,
                                    SHOPIFY_API_SECRET=ds.api_secret, SHOPIFY_APP_URL=connected.url,
                                    SHOPIFY_SHOP_ORIGIN=ds.shop_origin, SCOPES="")}
    out = open(log_path, "w")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "0.5"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Oms:
    def __init__(self, c, key):
        self.c, self.headers = c, {"Authorization": f"Bearer {key}"}

    def call(self, method, path, **kw):
        return self.c.http.request(method, f"{self.c.url}/oms/v1/{path}", headers=self.headers, **kw)

    def items(self, path, shop):
        r = self.call("GET", path, params={"shop": shop, "limit": 1000, "status": "any"} if path == "orders"
                      else {"shop": shop, "limit": 1000})
        assert r.status_code == 200, r.text
        return r.json()["items"]


def products_of(ds, shop) -> list[dict]:
    found = ds.products(shop)
    return found.get("products", found) if isinstance(found, dict) else found


def cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_an_inactive_shop_makes_no_call_whatever_is_triggered_and_activation_catches_up(
        connected_app, linked, database_url, tmp_path):
    c, ds = connected_app, connected_app.ds
    handle = new_shop(c.devstore, products=5, orders=0)
    a = handle.domain
    with c.app.app_context():
        shop = create_shop(a, access="read_write", token=handle.token, expires_in=None)
        a_id = shop.id
        _record, key = create_api_key("oms")
        db.session.commit()
        for flow in ("locations", "products"):
            assert run_flow(a_id, flow, "manual").status == "succeeded"
        shop = db.session.get(Shop, a_id)
        facility = create_facility(shop, locations_of(a_id)[0]).external_id
        db.session.commit()
    oms = Oms(c, key)
    skus = [v["sku"] for p in products_of(ds, a) for v in p["variants"] if v.get("sku")]
    shipped = ds.create_order(a, [{"sku": skus[0], "quantity": 2}])
    with c.app.app_context():
        assert run_flow(a_id, "orders", "manual").status == "succeeded"
    b_handle, b_id = linked(products=4, orders=0, access="read")  # downloaded by the scheduler, meanwhile

    assert cli(c.app, "shop", "deactivate", a) == f"{a}: inactive"
    ds.wait_webhooks(timeout=10)
    mark = len(ds.app_calls(a))
    proc = start_scheduler(c, database_url, tmp_path / "scheduler.log")
    try:
        # "Sync now" on the merchant's page: refused, clearly.
        r = c.http.post(f"{c.url}/api/sync/products/run",
                        headers={"Authorization": f"Bearer {ds.session_token(a)}"})
        assert r.status_code == 403 and "inactive" in r.json()["error"]
        # Changes in Shopify: webhooks sent (and one muted: only a pull can bring it).
        first = products_of(ds, a)[0]
        ds.update_product(a, first["id"], title="Renamed while inactive")
        placed = ds.create_order(a, [{"sku": skus[1], "quantity": 1}])
        ds.set_config(muted_topics=["products/create"])
        try:
            made = ds.create_product(a, title="Made while inactive", variants=[{"sku": "NEW-WHILE-OFF", "price": "5.00"}])
        finally:
            ds.set_config(muted_topics=[])
        # The OMS: stock and a shipment, accepted and kept.
        r = oms.call("PUT", "inventory", json=[{"facility_id": facility, "sku": skus[0], "atp": 7}])
        assert r.status_code == 200, r.text
        r = oms.call("POST", "fulfillments", json={
            "shop": a, "order_id": shipped["id"], "external_id": "SHIP-WHILE-OFF",
            "lines": [{"sku": skus[0], "quantity": 2}],
            "tracking": {"company": "UPS", "number": "1Z999AA10123456784"}, "notify_customer": False})
        assert r.status_code in (200, 202), r.text
        assert oms.call("GET", "fulfillments/SHIP-WHILE-OFF", params={"shop": a}).json()["status"] == "pending"
        # The scheduler's interval and daily jobs, fired by hand as well.
        with c.app.app_context():
            for flow in ("products", "orders", "inventory", "fulfillments", "locations"):
                assert enqueue_scheduled(a_id, flow) is None
        ds.wait_webhooks(timeout=10)
        # The other shop keeps syncing, by the same scheduler.
        b_skus = [v["sku"] for p in products_of(ds, b_handle.domain) for v in p["variants"] if v.get("sku")]
        b_order = ds.create_order(b_handle.domain, [{"sku": b_skus[0], "quantity": 1}])
        seen = {}

        def b_synced():
            seen.update(products=len(oms.items("products", b_handle.domain)),
                        new_order=b_order["id"] in {o["id"] for o in oms.items("orders", b_handle.domain)})
            return seen == {"products": 4, "new_order": True}

        try:
            c.wait_for(b_synced, timeout=60)
        except AssertionError:
            with c.app.app_context():
                runs = [(r.flow, r.trigger, r.status, r.counts, r.error) for r in db.session.execute(
                    select(SyncRun).where(SyncRun.shop_id == b_id)).scalars()]
            raise AssertionError(f"the other shop did not sync: {seen} {runs}")
        c.wait_for(lambda: db.session.execute(select(WebhookDelivery.id).where(
            WebhookDelivery.shop_domain == a, WebhookDelivery.status == "held")).first(), timeout=15)
        time.sleep(3)  # a few more ticks
        assert ds.app_calls(a)[mark:] == []
        assert len(ds.app_calls(b_handle.domain)) > 0
        with c.app.app_context():
            runs = db.session.execute(select(SyncRun).where(SyncRun.shop_id == a_id, SyncRun.trigger != "manual")).scalars().all()
            assert runs == []
            kept = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.shop_domain == a,
                                                                    WebhookDelivery.status == "held")).scalars().all()
            kept_topics = {d.topic for d in kept}
            assert {"products/update", "orders/create"} <= kept_topics and "products/create" not in kept_topics
            kept_ids = [d.id for d in kept]

        assert cli(c.app, "shop", "activate", a) == f"{a}: active, catching up"

        state = {}

        def caught_up():
            titles = {p["title"] for p in oms.items("products", a)}
            state.update(
                titles={"Renamed while inactive", "Made while inactive"} <= titles,
                order=placed["id"] in {o["id"] for o in oms.items("orders", a)},
                pushed=oms.call("GET", "fulfillments/SHIP-WHILE-OFF", params={"shop": a}).json()["status"],
                level=[r["quantities"]["available"] for r in ds.inventory(a, sku=skus[0])],
                held=len(db.session.execute(select(WebhookDelivery.id).where(
                    WebhookDelivery.shop_domain == a, WebhookDelivery.status == "held")).all()))
            return (state["titles"] and state["order"] and state["pushed"] == "fulfilled" and 7 in state["level"]
                    and state["held"] == 0)

        try:
            c.wait_for(caught_up, timeout=120, interval=0.5)
        except AssertionError:
            with c.app.app_context():
                runs = [(r.flow, r.trigger, r.status, r.counts, r.error) for r in db.session.execute(
                    select(SyncRun).where(SyncRun.shop_id == a_id)).scalars()]
                ledger = [(d.id, d.topic, d.status, str(d.received_at), str(d.processed_at)) for d in db.session.execute(
                    select(WebhookDelivery).where(WebhookDelivery.shop_domain == a)).scalars()]
                run_times = [(r.flow, r.trigger, str(r.started_at), str(r.finished_at), r.bulk_operation_id)
                             for r in db.session.execute(select(SyncRun).where(SyncRun.shop_id == a_id)).scalars()]
            raise AssertionError(f"no catch-up: {state} {runs} {ledger} {run_times}")
    finally:
        stop(proc)
    assert proc.returncode == 0, (tmp_path / "scheduler.log").read_text()[-4000:]
    with c.app.app_context():
        applied = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.id.in_(kept_ids))).scalars().all()
        assert [(d.status, d.attempts) for d in applied] == [("processed", 1)] * len(kept_ids)
        catch_up = db.session.execute(select(SyncRun).where(SyncRun.shop_id == a_id,
                                                            SyncRun.trigger == "activation")).scalars().all()
        assert {r.flow for r in catch_up} >= {"products", "orders", "inventory", "fulfillments"}
        assert all(r.status == "succeeded" for r in catch_up), [(r.flow, r.status, r.error) for r in catch_up]
    assert made["id"] in {p["id"] for p in oms.items("products", a)}
    assert len(ds.order(a, shipped["id"])["fulfillments"]) == 1  # pushed once
