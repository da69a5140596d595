"""Two worker hosts, one killed with -9 mid-download: the run finishes on the other within
a minute, complete. The clock (`flask --app wsgi scheduler`) and two Celery workers
(`flask --app wsgi worker`, each its own process and its own node name) on PostgreSQL and
RabbitMQ, against devstore with a slowed bulk operation. Each worker runs on a host of its
own: a network namespace with its own address, made and removed by the test
(tests/worker_hosts.py), reaching the database, the broker and devstore through its
gateway; where the machine allows no namespace, two processes here. The killed worker's
tasks are redelivered by the broker (acknowledged late): the survivor takes the waiting
run's next step, or, when the dead worker was in the middle of a step, waits for its lease
to expire, records the run interrupted and resumes it from its checkpoint: the same bulk
operation, every product once."""
from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import Product, SyncRun
from shopify_app.sync import runner
from shopify_app.web.sync_api import FLOW_NAMES

from ..celery_workers import (  # noqa: F401  (the fixtures)
    celery_env, connected_app_env, database_url, start_clock, start_worker, stop, tail)
from ..conftest import create_shop
from ..worker_hosts import WorkerHost, namespaces_available
from .test_scheduler_downloads_a_new_shop import scheduler_env

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

PRODUCTS = 60
RESUMED_WITHIN = 60.0


@pytest.fixture
def worker_hosts():
    """Two hosts (network namespaces) for the workers; None each where none can be made."""
    if not namespaces_available():
        print("no network namespace can be made here: the two worker hosts are two processes")
        yield {"a": None, "b": None}
        return
    hosts = {}
    try:
        for name in ("a", "b"):
            hosts[name] = WorkerHost(name)
        yield hosts
    finally:
        for host in hosts.values():
            host.remove()


def products_runs(shop_id: int) -> list[SyncRun]:
    return db.session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == "products").order_by(SyncRun.id)
    ).scalars().all()


def waiting_on_its_operation(shop_id: int) -> SyncRun | None:
    return next((r for r in products_runs(shop_id) if r.status == "running" and r.bulk_operation_id
                 and (r.progress or {}).get("bulk_polls")), None)


def pid_of(worker: str | None) -> int | None:
    return int(worker.rsplit(":", 1)[1]) if worker else None


def test_a_worker_killed_mid_download_has_its_run_finished_by_the_other_within_a_minute(
        connected_app, database_url, celery_env, worker_hosts, tmp_path):
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
    env = {**scheduler_env(c, database_url), **celery_env}
    logs = {name: tmp_path / f"{name}.log" for name in ("clock", "a", "b")}
    workers = {name: start_worker(env, log_path=logs[name], host=worker_hosts[name]) for name in ("a", "b")}
    if worker_hosts["a"] is not None:  # each worker on its own network, not this one
        here = os.readlink("/proc/self/ns/net")

        def networks():
            found = {os.readlink(f"/proc/{proc.pid}/ns/net") for proc in workers.values()}
            return found if len(found) == 2 and here not in found else None

        c.wait_for(networks, timeout=10)  # `ip netns exec` enters the namespace, then becomes the worker
    clock = start_clock(env, logs["clock"])
    survivor = None
    try:
        dead = c.wait_for(lambda: waiting_on_its_operation(shop_id), timeout=90)
        victim = next(name for name, p in workers.items() if p.pid == pid_of(dead.worker))
        survivor = workers["b" if victim == "a" else "a"]
        time.sleep(1.5)  # mid-wait: the next step's message is held (unacknowledged) by a worker
        if worker_hosts[victim] is not None:
            worker_hosts[victim].kill()  # the host goes: everything on it, killed with -9
        else:
            workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(timeout=10)
        killed_at = datetime.now(timezone.utc)

        finished = None
        deadline = time.monotonic() + RESUMED_WITHIN + 15
        while time.monotonic() < deadline and finished is None:
            sync_api()  # the card answers throughout
            with c.app.app_context():
                finished = next((r for r in products_runs(shop_id) if r.id >= dead.id and r.status == "succeeded"),
                                None)
            time.sleep(0.5)
        with c.app.app_context():
            runs = products_runs(shop_id)
            assert finished is not None, ([(r.id, r.status, r.error, r.worker) for r in runs],
                                          tail(logs["a"]), tail(logs["b"]))
            finished = db.session.get(SyncRun, finished.id)
            elapsed = (finished.finished_at - killed_at).total_seconds()
            assert elapsed < RESUMED_WITHIN, elapsed
            assert pid_of(finished.worker) == survivor.pid  # finished on the other host
            # From its checkpoint: the same bulk operation, picked up, not started again.
            assert finished.bulk_operation_id == dead.bulk_operation_id
            if finished.id != dead.id:  # the dead worker was mid-step: interrupted, then resumed
                dead_now = db.session.get(SyncRun, dead.id)
                assert dead_now.status == "failed" and dead_now.error == runner.ABANDONED_ERROR
                assert finished.counts.get("bulk_resumed") == 1, finished.counts
            # Complete: every devstore product, once.
            assert db.session.execute(select(func.count()).select_from(Product)
                                      .where(Product.shop_id == shop_id)).scalar_one() == PRODUCTS
            assert db.session.execute(select(func.count(func.distinct(Product.shopify_id)))
                                      .where(Product.shop_id == shop_id)).scalar_one() == PRODUCTS
            assert not [r for r in runs if r.status in ("running", "queued") and r.id != finished.id]
        assert len(c.ds.bulk_operations(handle.domain)) == 1
        final = sync_api()
        assert final["last_run"]["id"] == finished.id and final["last_run"]["status"] == "succeeded"
        assert not final["running"]
    finally:
        c.ds.clear_faults()
        for proc in workers.values():
            if proc.poll() is None and proc is not survivor:
                proc.kill()
        codes = [stop(clock)] + ([stop(survivor)] if survivor is not None else [])
    assert codes == [0] * len(codes), (tail(logs["clock"]), tail(logs["a"]), tail(logs["b"]))
