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
from shopify_app.sync.webhooks import batches as webhook_batches
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


def test_a_failing_batch_is_rolled_back_marked_failed_and_applied_one_by_one(client, shop, rings, monkeypatch):
    """The other shop's group in the same batch lands; the failing group's writes are rolled
    back to its savepoint, its deliveries are marked failed (no later batch takes them
    again) and each is sent on the one-by-one path, which applies it."""
    from shopify_app.sync.products.webhooks import products_changed

    create_shop("other.myshopify.com")

    def half_then_fail(shop_domain, payloads):
        shop_id = products_changed(shop_domain, payloads)  # writes, then fails: must not stay
        if shop_domain == shop.domain:
            raise RuntimeError("a batch that cannot be applied")
        return shop_id

    entry = TOPICS["products/update"]
    monkeypatch.setitem(TOPICS, "products/update", Topic(entry.handler, batch=Batch(half_then_fail)))
    sent = []
    monkeypatch.setattr(task_queue, "enqueue", lambda name, *args, **kw: sent.append((name, *args)))
    for n in range(3):
        deliver(client, "products/update", product_payload(n))
    deliver(client, "products/update", product_payload(9), shop="other.myshopify.com")

    assert webhook_batches.apply_batch() == 4
    db.session.expire_all()
    assert statuses() == {"failed": 3, "processed": 1}
    assert db.session.execute(select(Product.title)).scalars().all() == ["Product 9"]  # the rest rolled back
    assert webhook_batches.apply_batch() == 0  # never taken by a batch again
    failed = db.session.execute(select(WebhookDelivery.id).where(WebhookDelivery.status == "failed")).scalars().all()
    assert sorted(sent) == sorted(("webhook", i) for i in failed)

    monkeypatch.undo()  # the one-by-one path, with the real handler
    from shopify_app.sync.webhooks.apply import apply_delivery
    for _, delivery_id in sent:
        apply_delivery(delivery_id)
    db.session.expire_all()
    assert statuses() == {"processed": 4}
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 4
    assert set(db.session.execute(select(WebhookDelivery.attempts)).scalars()) == {1}


def test_a_variant_moved_between_products_follows_the_newer_product_within_a_batch(client, shop, rings):
    now = datetime.now(timezone.utc)
    older, newer = [(now - timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ") for m in (5, 1)]
    moved = product_payload(2, updated_at=newer)
    moved["variants"] = [dict(product_payload(1)["variants"][0], product_id=moved["id"])]
    deliver(client, "products/update", moved)  # the newer word: the variant is product 2's
    deliver(client, "products/update", product_payload(1, updated_at=older))  # late: still product 1's
    webhook_batches.apply_batch()
    variant_gid = moved["variants"][0]["admin_graphql_api_id"]
    owner = db.session.execute(select(Variant.product_shopify_id).where(Variant.shopify_id == variant_gid)).scalar_one()
    assert owner == moved["admin_graphql_api_id"]


def test_a_product_deleted_before_it_was_stored_stays_deleted_when_its_create_comes_after(client, shop, rings):
    """A deletion is applied at once, a create waits for its batch: the create, older than
    the deletion, must not bring the product back."""
    from shopify_app.sync.products.webhooks import product_deleted

    created = product_payload(4, updated_at=(datetime.now(timezone.utc) - timedelta(seconds=30))
                              .strftime("%Y-%m-%dT%H:%M:%SZ"))
    deliver(client, "products/create", created)
    product_deleted(shop.domain, {"id": created["id"]})
    webhook_batches.apply_batch()
    db.session.expire_all()
    product = db.session.execute(select(Product)).scalar_one()
    assert product.deleted_at is not None


def test_a_deleted_products_order_line_placeholder_stays_deleted_when_its_create_comes_after(client, shop, rings):
    """An order line made a placeholder for the product before Shopify deleted it: the
    deletion marks it, and the batched create that comes after cannot revive it."""
    from shopify_app.sync.products.webhooks import product_deleted
    from shopify_app.sync.upsert import upsert

    created = product_payload(5, updated_at=(datetime.now(timezone.utc) - timedelta(seconds=30))
                              .strftime("%Y-%m-%dT%H:%M:%SZ"))
    upsert(db.session, Product, [{"shop_id": shop.id, "shopify_id": created["admin_graphql_api_id"],
                                  "is_placeholder": True}], do_nothing=True)  # as an order line makes it
    db.session.commit()
    deliver(client, "products/create", created)
    product_deleted(shop.domain, {"id": created["id"]})
    webhook_batches.apply_batch()
    db.session.expire_all()
    assert db.session.execute(select(Product.deleted_at)).scalar_one() is not None


def test_an_applied_deliverys_payload_is_erased_as_sql_null(client, shop, rings):
    from shopify_app.sync.webhooks.apply import apply_delivery

    deliver(client, "products/update", product_payload(1))  # the batch path
    deliver(client, "products/delete", {"id": 7_000_009})  # one by one (applied at once here)
    webhook_batches.apply_batch()
    for delivery_id in db.session.execute(select(WebhookDelivery.id)).scalars().all():
        apply_delivery(delivery_id)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(WebhookDelivery)
                              .where(WebhookDelivery.payload.is_not(None))).scalar_one() == 0


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
