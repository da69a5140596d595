"""Queueing a run is atomic: many threads (or processes) queueing the same shop and flow at
once make exactly one queued run, the unique partial index on the queued runs holds, and a
run going back to the queue beside a queued twin leaves the twin to do the work.
(On PostgreSQL: tests/postgres/test_queue_run_is_atomic_on_postgresql.py.)"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from shopify_app import create_app
from shopify_app.extensions import db
from shopify_app.models import SyncRun
from shopify_app.sync import runner
from tests.conftest import base_env

ROOT = Path(__file__).resolve().parents[2]


def queued_runs(shop_id: int, flow: str = "products") -> list[SyncRun]:
    db.session.expire_all()
    return db.session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == flow, SyncRun.status == "queued")
    ).scalars().all()


def queue_from_threads(app, shop_id: int, count: int = 16) -> list[tuple[int, bool]]:
    """`count` threads call queue_run for the same shop and flow at the same moment."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def worker():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                run, created = runner.queue_run(shop_id, "products", "manual")
                results.append((run.id, created))
            except Exception as exc:  # reported below, with the others
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def assert_one_queued(results: list[tuple[int, bool]], shop_id: int, count: int) -> None:
    assert len(results) == count
    assert len({run_id for run_id, _ in results}) == 1, results  # every caller got the same run...
    assert sum(created for _, created in results) == 1, results  # ...created once
    assert [r.id for r in queued_runs(shop_id)] == [results[0][0]]


def test_concurrent_queue_run_from_many_threads_makes_exactly_one_queued_run(app, shop):
    results = queue_from_threads(app, shop.id, count=16)
    assert_one_queued(results, shop.id, 16)


PROCESS_SCRIPT = r"""
import sys, threading, time
sys.path.insert(0, {root!r})
from tests.conftest import base_env
from shopify_app import create_app
from shopify_app.extensions import db
from shopify_app.sync.runner import queue_run

url, shop_id, start_at, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
app = create_app(base_env(DATABASE_URL=url))
lock = threading.Lock()

def worker():
    with app.app_context():
        db.session.execute(db.text("SELECT 1")).all()  # connected before the start
        db.session.rollback()
        time.sleep(max(0.0, start_at - time.time()))
        run, created = queue_run(shop_id, "products", "manual")
        with lock:
            print("RESULT", run.id, int(created), flush=True)
        db.session.remove()

workers = [threading.Thread(target=worker) for _ in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
"""


def queue_from_processes(url: str, shop_id: int, count: int = 3, threads: int = 4) -> list[tuple[int, bool]]:
    """`count` processes of `threads` threads each call queue_run at the same moment."""
    script = PROCESS_SCRIPT.format(root=str(ROOT))
    start_at = time.time() + 6.0  # after every process has imported the app
    procs = [subprocess.Popen([sys.executable, "-c", script, url, str(shop_id), str(start_at), str(threads)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr[-3000:]
        for line in stdout.splitlines():
            if line.startswith("RESULT"):
                _, run_id, created = line.split()
                results.append((int(run_id), created == "1"))
    return results


def test_concurrent_queue_run_from_processes_makes_exactly_one_queued_run_on_sqlite(app, shop, database_url):
    results = queue_from_processes(database_url, shop.id, count=3, threads=4)
    assert_one_queued(results, shop.id, 12)


def test_the_database_refuses_a_second_queued_run_of_a_shop_and_flow(app, shop):
    runner.queue_run(shop.id, "products", "manual")
    db.session.add(SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="queued", counts={}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Other flows, other shops, and runs in any other status are not limited.
    runner.queue_run(shop.id, "orders", "manual")
    db.session.add_all([SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status=status, counts={})
                        for status in ("running", "succeeded", "succeeded", "failed", "skipped")])
    db.session.commit()


def test_queue_run_keeps_the_callers_pending_changes(app, shop):
    shop.name = "Renamed with the queued run"
    run, created = runner.queue_run(shop.id, "products", "manual")
    assert created
    db.session.expire_all()
    assert shop.name == "Renamed with the queued run"


def test_a_busy_claimed_run_is_requeued_unless_a_twin_is_queued(app, shop, only_flows):
    only_flows("products", lambda ctx: None)
    state = runner.flow_state(shop.id, "products")
    assert runner.acquire_lease(state.id, "another-machine:1:run-999")
    first, _ = runner.queue_run(shop.id, "products", "schedule")

    def claimed_as_the_lease_was_taken():  # claimed by a process that saw the lease free a moment before
        run = db.session.get(SyncRun, first.id)
        run.status, run.worker = "running", "w1"
        db.session.commit()
        return run

    assert runner.run_flow(shop.id, "products", run=claimed_as_the_lease_was_taken(),
                           requeue_if_busy=True).status == "queued"
    run = claimed_as_the_lease_was_taken()
    twin, created = runner.queue_run(shop.id, "products", "manual")
    assert created
    again = runner.run_flow(shop.id, "products", run=run, requeue_if_busy=True)
    assert again.status == "skipped" and f"run {twin.id}" in again.error
    assert [r.id for r in queued_runs(shop.id)] == [twin.id]


def test_a_direct_run_beside_a_queued_run_is_recorded(app, shop, only_flows):
    """run_flow without a queued run (a test, the CLI) never collides with the queue."""
    only_flows("products", lambda ctx: ctx.count("ran"))
    queued, _ = runner.queue_run(shop.id, "products", "manual")
    run = runner.run_flow(shop.id, "products", "manual")
    assert run.status == "succeeded" and run.counts == {"ran": 1}
    assert [r.id for r in queued_runs(shop.id)] == [queued.id]


def test_the_migration_keeps_the_oldest_of_duplicate_queued_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(base_env(DATABASE_URL=url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="0006_webhook_trust")
        engine = create_engine(url)
        with engine.begin() as conn:
            for flow, status in (("products", "queued"), ("products", "queued"), ("orders", "queued"),
                                 ("products", "queued"), ("products", "succeeded")):
                conn.execute(text("INSERT INTO sync_runs (shop_id, flow, trigger, status, queued_at, counts, progress)"
                                  " VALUES (1, :f, 'manual', :s, CURRENT_TIMESTAMP, '{}', '{}')"),
                             {"f": flow, "s": status})
        upgrade(revision="heads")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, flow, status, error FROM sync_runs ORDER BY id")).all()
        engine.dispose()
        db.engine.dispose()
    assert [(r.flow, r.status) for r in rows] == [("products", "queued"), ("products", "skipped"),
                                                  ("orders", "queued"), ("products", "skipped"),
                                                  ("products", "succeeded")]
    assert rows[1].error == "a duplicate of an earlier queued run"
