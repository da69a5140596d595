"""Workers sharing a burst on PostgreSQL: batches taken at once by several threads skip
each other's locked deliveries, so every delivery is applied once (on SQLite, one writer:
tests/unit/test_webhook_batches.py)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import Product, WebhookDelivery
from shopify_app.sync.webhooks import batches as webhook_batches

from tests.conftest import create_shop
from tests.unit.test_webhook_batches import product_payload, rings  # noqa: F401 (a fixture)
from tests.unit.test_webhooks import deliver


def test_batches_taken_at_once_apply_every_delivery_once_on_postgresql(pg_app, rings):  # noqa: F811
    create_shop()
    client = pg_app.test_client()
    for n in range(400):
        deliver(client, "products/update", product_payload(n))
    taken, errors = [], []

    def worker():
        with pg_app.app_context():
            try:
                while (n := webhook_batches.apply_batch(limit=25)):
                    taken.append(n)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(taken) == 400  # no delivery taken by two batches
    with pg_app.app_context():
        attempts = dict(db.session.execute(
            select(WebhookDelivery.attempts, func.count()).group_by(WebhookDelivery.attempts)).all())
        assert attempts == {1: 400}
        assert db.session.execute(select(func.count(func.distinct(Product.shopify_id)))).scalar_one() == 400


def test_the_door_records_a_delivery_after_the_server_dropped_its_connection(pg_app, rings):  # noqa: F811
    """The door's connections are not pinged before use: a dropped one is found by the
    insert, which is made again on a fresh connection, once, and records the delivery."""
    from sqlalchemy import text

    from shopify_app.sync.upsert import door_engine

    create_shop()
    client = pg_app.test_client()
    assert deliver(client, "products/update", product_payload(1)).get_json() == {"status": "accepted"}
    with pg_app.app_context():
        held = [door_engine(db.engine).raw_connection() for _ in range(3)]  # several in the pool, all to die
        for raw in held:
            raw.close()
        killed = db.session.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'")).scalar_one()
        db.session.commit()
    assert killed >= 3
    assert deliver(client, "products/update", product_payload(2)).get_json() == {"status": "accepted"}
    with pg_app.app_context():
        assert db.session.execute(select(func.count()).select_from(WebhookDelivery)).scalar_one() == 2


def test_a_body_replayed_under_another_shop_is_rejected_by_the_batch_on_postgresql(pg_app, rings):  # noqa: F811
    """The batch's one look-up of its bodies' owners (IN over the digests, on their index)."""
    create_shop()
    create_shop("other.myshopify.com")
    client = pg_app.test_client()
    bodies = [product_payload(n) for n in range(5)]
    for body in bodies:
        deliver(client, "products/update", body)
    webhook_batches.apply_batch()  # applied for the shop Shopify sent them to
    for body in bodies:
        deliver(client, "products/update", body, shop="other.myshopify.com")  # the replays
        deliver(client, "products/create", body)  # the same shop's repeat: still its own
    assert webhook_batches.apply_batch() == 10
    with pg_app.app_context():
        outcomes = db.session.execute(
            select(WebhookDelivery.shop_domain, WebhookDelivery.status, func.count())
            .group_by(WebhookDelivery.shop_domain, WebhookDelivery.status)).all()
        assert sorted(outcomes) == [("other.myshopify.com", "rejected", 5), ("test-shop.myshopify.com", "processed", 10)]
        assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 5
        assert db.session.execute(select(func.count()).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.payload.is_not(None))).scalar_one() == 0


def test_the_door_keeps_as_many_connections_as_DOOR_POOL_SIZE_says(pg_app, rings):  # noqa: F811
    """A web process's threads each hold a door connection for their insert at a burst:
    the pool keeps them all (DOOR_POOL_SIZE), so the next burst opens none (opening one
    costs PostgreSQL a process)."""
    from sqlalchemy import event

    from shopify_app.sync.upsert import door_engine

    pg_app.config["DOOR_POOL_SIZE"] = 8  # before the first delivery, which makes the pool
    create_shop()
    client = pg_app.test_client()
    assert deliver(client, "products/update", product_payload(1)).get_json() == {"status": "accepted"}
    with pg_app.app_context():
        door = door_engine(db.engine)
        opened = []
        event.listen(door.pool, "connect", lambda *_: opened.append(1))
        held = [door.raw_connection() for _ in range(8)]  # eight inserts in flight at once
        for raw in held:
            raw.close()
        assert door.pool.checkedin() == 8
        del opened[:]
        held = [door.raw_connection() for _ in range(8)]  # the next burst
        for raw in held:
            raw.close()
        assert opened == [] and door.pool.checkedin() == 8
    for n in range(2, 10):
        assert deliver(client, "products/update", product_payload(n)).get_json() == {"status": "accepted"}
    assert opened == []


def test_the_ledger_holds_the_body_as_sent_on_postgresql(pg_app, rings):  # noqa: F811
    """The door's insert writes the body's own text into the json column (no encoding again)."""
    from sqlalchemy import text

    from tests.unit.test_webhook_body_kept_as_sent import BIG, BODY

    create_shop()
    client = pg_app.test_client()
    assert deliver(client, "products/update", BODY).get_json() == {"status": "accepted"}
    assert deliver(client, "products/update", b'{"id": NaN}').status_code == 400
    with pg_app.app_context():
        assert db.session.execute(text("SELECT payload::text FROM webhook_deliveries")).scalar_one().encode() == BODY
        assert db.session.execute(select(WebhookDelivery.payload)).scalar_one()["big"] == BIG
