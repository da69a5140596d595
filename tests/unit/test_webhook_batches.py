"""A burst of products/update deliveries, applied a batch to a transaction: each
delivery once, the newest version of a product kept, the ledger telling each outcome,
and a batch that fails handed to the one-by-one path rather than lost."""
from __future__ import annotations

import copy
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db, task_queue
from shopify_app.models import Product, Variant, WebhookDelivery
from shopify_app.sync import webhook_batches
from shopify_app.sync.registry import TOPICS, Batch, Topic
from shopify_app.task_queue import Dispatcher

from tests.conftest import create_shop
from tests.unit.test_webhooks import deliver, now_iso, sample


def product_payload(n: int, *, title: str | None = None, updated_at: str | None = None) -> dict:
    body = copy.deepcopy(sample("products/update"))
    pid = 7_000_000 + n
    body.update(id=pid, admin_graphql_api_id=f"gid://shopify/Product/{pid}", title=title or f"Product {n}",
                updated_at=updated_at or now_iso())
    for i, variant in enumerate(body.get("variants") or []):
        variant.update(id=pid * 10 + i, product_id=pid, admin_graphql_api_id=f"gid://shopify/ProductVariant/{pid * 10 + i}",
                       sku=f"SKU-{n}-{i}")
    return body


@pytest.fixture
def rings(monkeypatch):
    """The receiver's rings, counted and not answered: the deliveries wait in the ledger."""
    rung = []
    monkeypatch.setattr(task_queue, "nudge", lambda name: rung.append(name))
    return rung


def statuses() -> dict[str, int]:
    return dict(db.session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all())


def test_a_burst_is_recorded_at_the_door_and_applied_in_one_batch(client, shop, rings):
    for n in range(30):
        assert deliver(client, "products/update", product_payload(n)).get_json() == {"status": "accepted"}
    assert rings == ["webhook_batch"] * 30 and statuses() == {"received": 30}

    assert webhook_batches.apply_batch(limit=200) == 30
    db.session.expire_all()
    assert statuses() == {"processed": 30}
    rows = db.session.execute(select(WebhookDelivery)).scalars().all()
    assert {r.attempts for r in rows} == {1} and all(r.payload is None for r in rows)
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 30
    variants = len(sample("products/update")["variants"])
    assert db.session.execute(select(func.count()).select_from(Variant)).scalar_one() == 30 * variants
    assert webhook_batches.apply_batch() == 0  # nothing waits: nothing applied twice


def test_the_newest_version_of_a_product_wins_within_a_batch_whatever_the_order(client, shop, rings):
    newer = (datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    older = (datetime.now(timezone.utc) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    deliver(client, "products/update", product_payload(1, title="newest", updated_at=newer))
    deliver(client, "products/update", product_payload(1, title="stale", updated_at=older))
    webhook_batches.apply_batch()
    assert db.session.execute(select(Product.title)).scalars().all() == ["newest"]
    assert statuses() == {"processed": 2}


def test_a_stale_delivery_is_rejected_and_an_inactive_shops_kept(client, app, rings):
    create_shop()
    create_shop("resting.myshopify.com", status="inactive")
    late = (datetime.now(timezone.utc) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    deliver(client, "products/update", product_payload(1), triggered_at=late)
    deliver(client, "products/update", product_payload(2), shop="resting.myshopify.com")
    deliver(client, "products/update", product_payload(3))
    webhook_batches.apply_batch()
    db.session.expire_all()
    assert statuses() == {"rejected": 1, "held": 1, "processed": 1}
    held = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.status == "held")).scalar_one()
    assert held.shop_domain == "resting.myshopify.com" and held.payload["title"] == "Product 2"  # kept to apply later
    assert db.session.execute(select(Product.title)).scalars().all() == ["Product 3"]


def test_a_failing_batch_is_applied_one_by_one_instead_nothing_lost(client, shop, rings, monkeypatch):
    def fail(shop_domain, payloads):
        raise RuntimeError("a batch that cannot be applied")

    entry = TOPICS["products/update"]
    monkeypatch.setitem(TOPICS, "products/update", Topic(entry.handler, batch=Batch(fail)))
    for n in range(3):
        deliver(client, "products/update", product_payload(n))
    webhook_batches.apply_batch()  # the one-by-one tasks run at once here (TASKS_EAGER)
    db.session.expire_all()
    assert statuses() == {"processed": 3}
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 3


def test_a_burst_rings_its_task_a_few_times_not_once_per_delivery(app):
    ran = []
    done = threading.Event()

    def task(redelivered=False):
        ran.append(time.monotonic())
        done.set()

    app.config["TASKS_EAGER"] = False
    dispatcher = Dispatcher(app, {"webhook_batch": task}, type(None), cleanup=lambda: None, on_worker_stop=lambda: None)
    assert dispatcher.mode == "local"
    try:
        for _ in range(500):
            dispatcher.nudge("webhook_batch")
        assert done.wait(5)
        time.sleep(0.3)
        assert 1 <= len(ran) <= 3
        dispatcher.nudge("webhook_batch")  # a ring after the burst is answered too
        time.sleep(0.3)
        assert len(ran) >= 2
    finally:
        dispatcher.shutdown()
