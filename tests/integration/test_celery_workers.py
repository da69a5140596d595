"""Celery workers on the real broker and PostgreSQL, against devstore over real HTTP: the
clock (`flask --app wsgi scheduler`) only enqueues, two workers (`flask --app wsgi worker`)
download a new shop without ever running the same shop and flow at once, and a webhook
acknowledged by the receiver is applied by a worker. Skipped when no broker answers.
(The same task code in-process, on SQLite: tests/unit/test_scheduler.py.)"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import Order, Product, SyncRun, WebhookDelivery

from ..celery_workers import (  # noqa: F401  (the fixtures)
    ROOT, celery_env, connected_app_env, database_url, start_clock, start_worker, stop, tail, wait_ready)
from ..conftest import create_shop
from .test_scheduler_downloads_a_new_shop import scheduler_env

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def count(model, shop_id):
    return db.session.execute(select(func.count()).select_from(model).where(model.shop_id == shop_id)).scalar_one()


def test_two_celery_workers_download_new_shops_one_run_at_a_time_per_shop_and_flow(connected_app, database_url,
                                                                                   celery_env, tmp_path):
    c = connected_app
    shops = []
    for _ in range(2):
        handle = new_shop(c.devstore, products=30, orders=20)
        with c.app.app_context():
            shops.append(create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id)
    env = {**scheduler_env(c, database_url), **celery_env}
    logs = [tmp_path / "clock.log", tmp_path / "w1.log", tmp_path / "w2.log"]
    procs = [start_clock(env, logs[0]), start_worker(env, log_path=logs[1]), start_worker(env, log_path=logs[2])]
    try:
        def done():
            with c.app.app_context():
                runs = db.session.execute(select(SyncRun).where(SyncRun.shop_id.in_(shops))).scalars().all()
                finished = {(r.shop_id, r.flow) for r in runs if r.status == "succeeded"}
                return all((s, f) in finished for s in shops for f in ("products", "orders")) and \
                    all(count(Product, s) == 30 and count(Order, s) > 0 for s in shops)

        c.wait_for(done, timeout=120, interval=0.5)
    finally:
        codes = [stop(p) for p in procs]
    assert codes == [0, 0, 0], [tail(p) for p in logs]
    with c.app.app_context():
        runs = db.session.execute(select(SyncRun).where(SyncRun.shop_id.in_(shops))).scalars().all()
        assert not [r for r in runs if r.status == "failed"], [(r.flow, r.error) for r in runs]
        assert all(r.trigger == "schedule" for r in runs)
        # Carried out by the workers, never by the clock.
        clock_pid = procs[0].pid
        assert {r.worker.rsplit(":", 1)[1] for r in runs if r.worker} <= {str(procs[1].pid), str(procs[2].pid)}
        assert str(clock_pid) not in {r.worker.rsplit(":", 1)[1] for r in runs if r.worker}
        for shop_id in shops:
            for flow in ("products", "orders"):
                spans = sorted((r.started_at, r.finished_at) for r in runs
                               if r.shop_id == shop_id and r.flow == flow and r.finished_at)
                assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))


def test_a_webhook_acknowledged_at_the_door_is_applied_by_a_worker(connected_app, database_url, celery_env,
                                                                   tmp_path):
    c = connected_app
    handle = new_shop(c.devstore, products=3, orders=0)
    with c.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
    env = {**scheduler_env(c, database_url), **celery_env}
    worker = start_worker(env, log_path=tmp_path / "w.log")
    try:
        product_id = c.ds.products(handle.domain, limit=1)[0]["id"]
        c.ds.update_product(handle.domain, product_id, title="Changed in Shopify")
        c.ds.wait_webhooks(timeout=10)

        def applied():
            return db.session.execute(select(Product).where(Product.shop_id == shop_id,
                                                            Product.title == "Changed in Shopify")).first()

        c.wait_for(applied, timeout=30)
    finally:
        code = stop(worker)
    assert code == 0, tail(tmp_path / "w.log")
    deliveries = [d for d in c.ds.all_webhooks(topic="products/update") if d["shop"] == handle.domain]
    assert deliveries and deliveries[0]["ok"]
    with c.app.app_context():
        row = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.topic == "products/update",
                                                               WebhookDelivery.shop_domain == handle.domain)).scalar_one()
        assert row.status == "processed" and row.attempts == 1


def test_a_burst_of_product_webhooks_is_applied_once_each_by_two_workers(connected_app, database_url, celery_env,
                                                                         tmp_path):
    """The receiver rings the batch task a few times for the whole burst; two workers take
    its deliveries in locked batches: every delivery applied, none twice."""
    c = connected_app
    handle = new_shop(c.devstore, products=40, orders=0)
    with c.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
    env = {**scheduler_env(c, database_url), **celery_env}
    workers = [start_worker(env, log_path=tmp_path / f"w{n}.log") for n in range(2)]
    try:
        for n in range(2):  # both take part (and one still starting is not stopped mid-start)
            wait_ready(tmp_path / f"w{n}.log")
        products = c.ds.products(handle.domain, limit=40)
        for product in products:
            c.ds.update_product(handle.domain, product["id"], title=f"Burst {product['id']}")
        c.ds.wait_webhooks(timeout=30)

        def all_applied():
            return db.session.execute(select(func.count()).select_from(Product).where(
                Product.shop_id == shop_id, Product.title.like("Burst %"))).scalar_one() == len(products)

        c.wait_for(all_applied, timeout=60)
    finally:
        codes = [stop(worker) for worker in workers]
    assert codes == [0, 0], tail(tmp_path / "w0.log") + tail(tmp_path / "w1.log")
    with c.app.app_context():
        rows = db.session.execute(select(WebhookDelivery.status, WebhookDelivery.attempts).where(
            WebhookDelivery.topic == "products/update", WebhookDelivery.shop_domain == handle.domain)).all()
        ledger = db.session.execute(select(WebhookDelivery.topic, WebhookDelivery.shop_domain,
                                           WebhookDelivery.status, WebhookDelivery.attempts)).all()
        assert len(rows) == len(products) and set(rows) == {("processed", 1)}, (handle.domain, ledger)


def test_a_web_process_stopping_sends_the_batch_ring_it_was_asked_for(celery_env, tmp_path):
    """A ring asked for in the web process's last moment (after its nudger's last send) is
    sent as the process exits, not left for the clock's sweep minutes later."""
    import subprocess
    import sys

    from kombu import Connection

    from ..conftest import base_env

    code = ("import time\n"
            "from wsgi import app\n"
            "from shopify_app.extensions import task_queue\n"
            "dispatcher = task_queue.for_app(app)\n"
            "dispatcher.nudge('webhook_batch')\n"
            "time.sleep(0.05)\n"
            "dispatcher.nudge('webhook_batch')  # inside the nudger's pause: pending at exit\n")
    env = {**base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}"), **celery_env,
           "PATH": __import__("os").environ["PATH"]}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    with Connection(celery_env["CELERY_BROKER_URL"]) as conn:
        waiting = conn.default_channel.queue_declare(celery_env["CELERY_QUEUE"], passive=True).message_count
    assert waiting == 2
