"""Many shops: 1,000 devstore shops with small catalogs, every flow on.

1. The clock's cost per tick as the shop count grows: `enqueue_due` + `dispatch_queued`
   (what a tick does) timed with 10, 100 and 1,000 shops whose flows are not due; the
   cost must not grow with shops that have nothing due (the tick reads an index range on
   `flow_states.next_due_at`). Printed beside the cost of a tick with every flow due.
2. Runs finished per minute with 1, 2 and 4 Celery worker processes: every flow of every
   shop made due at once, the clock and the workers started, runs finished counted over
   a minute (the first runs are full downloads by bulk operation).

    .venv/bin/python bench/many_shops.py                 # 1,000 shops
    .venv/bin/python bench/many_shops.py --shops 200 --window 30

PostgreSQL at BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test; the
benchmark creates and drops its own database `bench_many_shops`), RabbitMQ at
BENCH_BROKER_URL, devstore started on a free port.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from webhook_intake import drop_database, make_database  # noqa: E402

from devstore.testing import DevstoreProcess  # noqa: E402

UTC = timezone.utc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds runs are counted over, per worker count")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    broker = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    database_url = make_database(server, "bench_many_shops")
    ds = DevstoreProcess.start(app_url="http://127.0.0.1:9", products=0, orders=0)
    env = {**os.environ, "DATABASE_URL": database_url, "SHOPIFY_API_KEY": ds.api_key,
           "SHOPIFY_API_SECRET": ds.api_secret, "SHOPIFY_APP_URL": "http://127.0.0.1:9",
           "SHOPIFY_SHOP_ORIGIN": ds.shop_origin, "SCOPES": "", "SECRET_KEY": "bench", "AUTO_MIGRATE": "0",
           "TOKEN_ENCRYPTION_KEY": "n0wu0D5x4W4mJ6rK6O0u2vXkR2H1bq9d1N1p6rj6b3E=",
           "CELERY_BROKER_URL": broker, "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}"}
    os.environ.update({k: v for k, v in env.items() if k != "CELERY_BROKER_URL"})
    try:
        return run(args, env, ds)
    finally:
        ds.stop()
        drop_database(server, "bench_many_shops")


def run(args, env, ds) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text, update

    from shopify_app import create_app
    from shopify_app.crypto import encrypt_token
    from shopify_app.extensions import db
    from shopify_app.models import FlowState, Shop, SyncRun
    from shopify_app.sync import scheduler as sched

    # The bench's own process only measures the clock's queries: its tasks go nowhere.
    app = create_app(TASKS_EAGER=False)
    sent = []
    with app.app_context():
        upgrade()
        started = time.monotonic()
        import shopify_app.sync.scheduler as clock_module
        clock_module.task_queue.enqueue = lambda *a, **k: sent.append(a)  # measured, not sent

        def make(i):
            out = ds.client.create_shop(f"many{i:04d}.myshopify.com", products=3, orders=2, seed=i,
                                        install=True, token=True)
            tok = out["access_token"]
            return out["shop"], tok["access_token"] if isinstance(tok, dict) else tok

        # 1. The clock's cost per tick, as the shops are added.
        print(f"{'shops':>6} {'flow states':>12} {'tick, nothing due (ms)':>24} {'tick, every flow due (ms)':>27}")
        costs, made_so_far, domains = {}, 0, []
        for count in (10, 100, args.shops):
            with ThreadPoolExecutor(max_workers=8) as pool:
                made = list(pool.map(make, range(made_so_far, count)))
            made_so_far = count
            domains += [domain for domain, _ in made]
            now = datetime.now(UTC)
            for domain, token in made:
                db.session.add(Shop(domain=domain, status="active", access_level="read_write",
                                    granted_scopes=",".join(app.config["SCOPES"]),
                                    access_token_encrypted=encrypt_token(token), installed_at=now, name=domain,
                                    settings={}))
            db.session.commit()
            sched.plant_flow_states()
            db.session.execute(update(FlowState).values(next_due_at=datetime.now(UTC) + timedelta(hours=1)))
            db.session.commit()
            # The table statistics autovacuum keeps (the planner picks the index range from them).
            db.session.execute(text("ANALYZE flow_states"))
            db.session.execute(text("ANALYZE shops"))
            db.session.commit()
            idle = []
            for _ in range(20):
                t = time.perf_counter()
                sched.enqueue_due()
                sched.dispatch_queued()
                idle.append((time.perf_counter() - t) * 1000)
            db.session.execute(update(FlowState).values(next_due_at=datetime.now(UTC)))
            db.session.commit()
            t = time.perf_counter()
            while sched.enqueue_due():
                pass
            sched.dispatch_queued()
            busy = (time.perf_counter() - t) * 1000
            db.session.execute(SyncRun.__table__.delete())
            db.session.commit()
            costs[count] = statistics.median(idle)
            states = db.session.execute(select(func.count(FlowState.id))).scalar()
            print(f"{count:6,} {states:12,} {costs[count]:24.2f} {busy:27.0f}")
        print(f"{args.shops:,} devstore shops made and connected in {time.monotonic() - started:.0f} s")
        print(f"idle tick cost ratio {args.shops:,} shops / 10 shops: {costs[args.shops] / costs[10]:.2f} "
              "(target: about 1, it must not grow with shops that have nothing due)")

    # 2. Runs finished per minute with 1, 2 and 4 worker processes.
    print(f"{'workers':>7} {'runs finished/min':>18} {'succeeded':>10} {'failed':>7}")
    rates = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        # Each worker count starts clean: a queue of its own (the last one's leftover
        # messages are not this one's work), and devstore done with the last one's bulk
        # operations (making their files costs the cores this one is measured on).
        env = {**env, "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}"}
        settle_devstore(ds, domains)
        with app.app_context():
            db.session.execute(SyncRun.__table__.delete())
            db.session.execute(update(FlowState).values(next_due_at=datetime.now(UTC), lease_owner=None, lease_expires_at=None,
                                                        cursor=None, state={}))
            db.session.commit()
        procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--tick", "1"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        procs += [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--concurrency", "8",
                                    "--loglevel", "WARNING"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        time.sleep(8)  # start-up, not counted
        with app.app_context():
            def finished():
                db.session.rollback()
                return dict(db.session.execute(select(SyncRun.status, func.count()).where(
                    SyncRun.finished_at.is_not(None)).group_by(SyncRun.status)).all())
            before = finished()
            time.sleep(args.window)
            after = finished()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        done = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
        rates[workers] = sum(done.values()) / args.window * 60
        print(f"{workers:7} {rates[workers]:18.0f} {done.get('succeeded', 0):10} {done.get('failed', 0):7}")
    base = rates[min(rates)]
    settle_devstore(ds, domains)
    print("scaling: " + ", ".join(f"{w} workers {r / base:.2f}x" for w, r in sorted(rates.items())))
    return 0


def settle_devstore(ds, domains: list[str], timeout: float = 300) -> None:
    """Wait until no bulk operation runs in devstore (an earlier phase's, orphaned by its
    workers' stop); at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = sum(1 for domain in domains for op in ds.client.bulk_operations(domain)
                      if str(op.get("status", "")).upper() in ("CREATED", "RUNNING", "CANCELING"))
        if not running:
            return
        time.sleep(2)
    print(f"(devstore still ran bulk operations after {timeout:.0f} s)")


if __name__ == "__main__":
    raise SystemExit(main())
