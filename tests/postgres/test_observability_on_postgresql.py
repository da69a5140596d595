"""/readyz and the queue depth on PostgreSQL, the production database."""
from shopify_app.extensions import db
from shopify_app.models import SyncRun, WebhookDelivery

from tests.conftest import create_shop
from tests.unit.test_metrics import scrape, value


def test_readyz_is_ok_on_postgresql(pg_app):
    resp = pg_app.test_client().get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["checks"] == {"database": "ok"}


def test_queue_depth_on_postgresql(pg_app):
    shop = create_shop()
    db.session.add(SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="queued", counts={}, progress={}))
    db.session.add(WebhookDelivery(webhook_id="pg-1", topic="orders/create", shop_domain=shop.domain,
                                   payload={"id": 1}, status="failed"))
    db.session.commit()
    samples = scrape(pg_app.test_client())
    assert value(samples, "oms_connector_queue_depth", queue="sync_runs") == 1
    assert value(samples, "oms_connector_queue_depth", queue="webhook_deliveries") == 1
