"""`one_of` (shopify_app/sync/value_lists.py) on PostgreSQL: one bound array, so the
statement is the same text whatever the number of values, and it finds what IN found."""
from __future__ import annotations

from sqlalchemy import event, select

from shopify_app.extensions import db
from shopify_app.models import WebhookDelivery
from shopify_app.sync.value_lists import one_of

from tests.conftest import create_shop
from tests.unit.test_webhook_batches import product_payload, rings  # noqa: F401 (a fixture)
from tests.unit.test_webhooks import deliver


def test_one_of_is_one_statement_whatever_the_number_of_values(pg_app, rings):  # noqa: F811
    create_shop()
    client = pg_app.test_client()
    for n in range(5):
        deliver(client, "products/update", product_payload(n))
    with pg_app.app_context():
        rows = db.session.execute(select(WebhookDelivery.id, WebhookDelivery.body_digest)).all()
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        for size in (1, 3, 5):
            wanted = [digest for _, digest in rows[:size]]
            found = db.session.execute(select(WebhookDelivery.id).where(
                one_of(WebhookDelivery.body_digest, wanted + ["not-a-digest"]))).scalars().all()
            assert sorted(found) == sorted(row_id for row_id, _ in rows[:size])
            ids = db.session.execute(select(WebhookDelivery.id).where(
                one_of(WebhookDelivery.id, [row_id for row_id, _ in rows[:size]]))).scalars().all()
            assert len(ids) == size
        assert len(set(statements)) == 2 and len(statements) == 6  # one text per column, not per size
        assert all("ANY" in statement for statement in statements)
