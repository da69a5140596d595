"""Workers sharing a burst on PostgreSQL: batches taken at once by several threads skip
each other's locked deliveries, so every delivery is applied once (on SQLite, one writer:
tests/unit/test_webhook_batches.py)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import Product, WebhookDelivery
from shopify_app.sync import webhook_batches

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
