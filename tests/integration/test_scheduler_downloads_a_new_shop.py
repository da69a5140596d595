"""The scheduler process with the real flows, against devstore over real HTTP.

A shop connected, nothing touched: `flask --app wsgi scheduler` downloads its catalog
and orders by itself; two scheduler processes share the work without ever running
the same shop and flow at once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import Order, Product, SyncRun
from shopify_app.sync import runner

from tests.conftest import base_env, create_shop

ROOT = Path(__file__).resolve().parents[2]


def scheduler_env(connected, database_url) -> dict:
    ds = connected.devstore
    return {
        **os.environ,
        **base_env(
            DATABASE_URL=database_url,
            SHOPIFY_API_KEY=ds.api_key,
            SHOPIFY_API_SECRET=ds.api_secret,
            SHOPIFY_APP_URL=connected.url,
            SHOPIFY_SHOP_ORIGIN=ds.shop_origin,
            SCOPES="",
        ),
    }


def start_scheduler(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "0.5"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def count(model, shop_id):
    return db.session.execute(select(func.count()).select_from(model).where(model.shop_id == shop_id)).scalar_one()


def all_runs(shop_id):
    return db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.id)).scalars().all()


def test_a_new_shop_is_downloaded_by_the_scheduler_without_touching_anything(connected_app, database_url):
    handle = new_shop(connected_app.devstore, products=40, orders=25)
    with connected_app.app.app_context():
        shop = create_shop(handle.domain, access="read", token=handle.token, expires_in=None)
        shop_id = shop.id
    proc = start_scheduler(scheduler_env(connected_app, database_url))
    try:
        connected_app.wait_for(lambda: count(Product, shop_id) == 40 and count(Order, shop_id) > 0, timeout=90)
        connected_app.wait_for(
            lambda: {r.flow for r in all_runs(shop_id) if r.status == "succeeded"} >= {"products", "orders"},
            timeout=60)
    finally:
        output = stop(proc)
    assert proc.returncode == 0, output[-4000:]
    with connected_app.app.app_context():
        runs = all_runs(shop_id)
        assert all(r.trigger == "schedule" for r in runs)
        # Access `read`: the pushes (inventory, fulfillments) never ran, not even as skipped runs.
        assert not [r for r in runs if r.flow in ("inventory", "fulfillments")]
        assert not [r for r in runs if r.status == "failed"], [(r.flow, r.error) for r in runs]


def test_two_scheduler_processes_share_the_work_never_the_same_shop_and_flow(connected_app, database_url):
    shops = []
    for _ in range(2):
        handle = new_shop(connected_app.devstore, products=15, orders=10)
        with connected_app.app.app_context():
            shops.append(create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id)
    env = scheduler_env(connected_app, database_url)
    procs = [start_scheduler(env), start_scheduler(env)]
    try:
        # "Sync now", pressed again and again while the first downloads run.
        for _ in range(4):
            with connected_app.app.app_context():
                for shop_id in shops:
                    for flow in ("products", "orders"):
                        runner.queue_run(shop_id, flow, "manual")
            time.sleep(1.0)

        def settled():
            runs = [r for s in shops for r in all_runs(s)]
            busy = [r for r in runs if r.status in ("queued", "running")]
            done = [r for r in runs if r.status == "succeeded" and r.trigger == "manual"]
            return not busy and len(done) >= 4

        connected_app.wait_for(settled, timeout=120)
    finally:
        outputs = [stop(p) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[-3000:] for o in outputs]
    with connected_app.app.app_context():
        for shop_id in shops:
            runs = all_runs(shop_id)
            assert not [r for r in runs if r.status == "failed"], [(r.flow, r.error) for r in runs]
            for flow in ("products", "orders"):
                spans = sorted((r.started_at, r.finished_at) for r in runs
                               if r.flow == flow and r.status == "succeeded")
                assert spans
                assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:])), spans
            assert count(Product, shop_id) == 15
