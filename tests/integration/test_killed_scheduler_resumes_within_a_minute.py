"""kill -9 of a real scheduler process (`flask --app wsgi scheduler`) in the middle of a bulk
download, against devstore with a slowed bulk operation: another scheduler process resumes
the run from its checkpoint (the same bulk operation) and finishes it within a minute of
the kill, every product once; `GET /api/sync` never shows the dead run as running once its
lease expired. On SQLite and PostgreSQL."""
from __future__ import annotations

import signal
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import FlowState, Product, SyncRun
from shopify_app.sync import runner
from shopify_app.web.sync_api import FLOW_NAMES

from ..conftest import create_shop
from .test_bulk_lease import database_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)
from .test_scheduler_downloads_a_new_shop import scheduler_env, start_scheduler, stop

pytestmark = pytest.mark.integration

PRODUCTS = 60
RESUMED_WITHIN = 60.0


def products_runs(shop_id: int) -> list[SyncRun]:
    return db.session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == "products").order_by(SyncRun.id)
    ).scalars().all()


def following_its_operation(shop_id: int) -> SyncRun | None:
    return next((r for r in products_runs(shop_id) if r.status == "running" and r.bulk_operation_id), None)


def products_lease(shop_id: int) -> tuple[str | None, datetime | None]:
    row = db.session.execute(
        select(FlowState.lease_owner, FlowState.lease_expires_at)
        .where(FlowState.shop_id == shop_id, FlowState.flow == "products")
    ).one()
    return row.lease_owner, row.lease_expires_at


def test_a_killed_scheduler_s_download_is_resumed_and_finished_within_a_minute(connected_app, database_url):
    c = connected_app
    handle = new_shop(c.devstore, products=PRODUCTS, orders=0)
    with c.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
        for name in FLOW_NAMES:  # the products download only: one bulk operation to follow
            runner.flow_state(shop_id, name).enabled = name == "products"
        db.session.commit()
    token = c.ds.session_token(handle.domain, ttl=600)

    def sync_api() -> dict:
        resp = c.http.get(f"{c.url}/api/sync", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        return resp.json()["products"]

    c.ds.faults(bulk_chunk_delay_ms=12000)  # the operation runs ~12 s in devstore
    env = scheduler_env(c, database_url)
    first = start_scheduler(env)
    second = None
    try:
        dead = c.wait_for(lambda: following_its_operation(shop_id), timeout=60)
        second = start_scheduler(env)  # started before the kill: its start-up is not the recovery
        time.sleep(3)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        killed_at, killed_wall = time.monotonic(), datetime.now(timezone.utc)
        with c.app.app_context():
            owner, expires_at = products_lease(shop_id)
            assert runner.run_id_of_owner(owner) == dead.id and expires_at is not None

        samples = []  # (after the lease expired, the products card)
        finished = None
        while time.monotonic() - killed_at < RESUMED_WITHIN + 15:
            card = sync_api()
            samples.append((datetime.now(timezone.utc) > expires_at, card, time.monotonic() - killed_at))
            with c.app.app_context():
                finished = next((r for r in products_runs(shop_id) if r.id > dead.id and r.status == "succeeded"),
                                None)
            if finished is not None:
                break
            time.sleep(0.5)
        with c.app.app_context():
            assert finished is not None, [(r.id, r.status, r.error) for r in products_runs(shop_id)]
            finished = db.session.get(SyncRun, finished.id)
            elapsed = (finished.finished_at - killed_wall).total_seconds()
            assert elapsed < RESUMED_WITHIN, elapsed
            # Resumed from its checkpoint: the same bulk operation, picked up, not started again.
            assert finished.bulk_operation_id == dead.bulk_operation_id
            assert finished.counts.get("bulk_resumed") == 1, finished.counts
            # Every product once.
            assert db.session.execute(select(func.count()).select_from(Product)
                                      .where(Product.shop_id == shop_id)).scalar_one() == PRODUCTS
            assert db.session.execute(select(func.count(func.distinct(Product.shopify_id)))
                                      .where(Product.shop_id == shop_id)).scalar_one() == PRODUCTS
            dead_now = db.session.get(SyncRun, dead.id)
            assert dead_now.status == "failed" and dead_now.error == runner.ABANDONED_ERROR
        assert len(c.ds.bulk_operations(handle.domain)) == 1

        # The UI: the dead run shown running only while its lease was still valid.
        assert any(after for after, _, _ in samples), samples
        for after, card, at in samples:
            if after:
                shown = card["current_run"]
                assert shown is None or shown["id"] != dead.id, (at, card)
                assert not card["running"] or shown is not None, (at, card)
        # Meanwhile, the interrupted run is what the card says last happened.
        gap = [card["last_run"] for after, card, _ in samples if after and card["current_run"] is None]
        assert all(last["id"] == finished.id or (last["id"] == dead.id and last["status"] == "failed"
                                                 and last["error"].startswith("interrupted")) for last in gap), gap
        final = sync_api()
        assert final["last_run"]["id"] == finished.id and final["last_run"]["status"] == "succeeded"
        assert not final["running"]
    finally:
        c.ds.clear_faults()
        if first.poll() is None:
            first.kill()
            first.communicate()
        if second is not None:
            output = stop(second)
            assert second.returncode == 0, output[-4000:]
