"""Deactivate / activate on PostgreSQL (the production database): queued runs dropped, the
catch-up runs queued in the caller's transaction under the one-queued-run index, the kept
webhooks applied in trigger order (a delivery without a trigger time last), each once."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Product, SyncRun, WebhookDelivery
from shopify_app.sync.activation import activate_shop, apply_kept_webhooks, deactivate_shop
from shopify_app.sync.run_queue import queue_run

from tests.conftest import API_VERSION, SHOP, create_shop, webhook_hmac

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks" / "products" / "update.json"


def deliver(client, title: str, updated_at: datetime, triggered_at: str | None):
    payload = {**copy.deepcopy(json.loads(SAMPLE.read_text())), "title": title, "updated_at": updated_at.isoformat()}
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "products/update",
               "X-Shopify-Shop-Domain": SHOP, "X-Shopify-API-Version": API_VERSION,
               "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
               "X-Shopify-Hmac-Sha256": webhook_hmac(body)}
    if triggered_at:
        headers["X-Shopify-Triggered-At"] = triggered_at
    resp = client.post("/webhooks", data=body, headers=headers)
    assert resp.status_code == 200 and resp.json["status"] == "accepted"


def test_deactivate_then_activate_catches_up_on_postgresql(pg_app):
    shop = create_shop()
    queue_run(shop.id, "orders", "manual")
    assert deactivate_shop(shop)
    db.session.commit()
    assert [r.status for r in db.session.execute(select(SyncRun)).scalars()] == ["skipped"]

    client = pg_app.test_client()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    deliver(client, "Untimed", now - timedelta(hours=4), None)
    deliver(client, "Newest", now - timedelta(hours=1), (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    deliver(client, "Oldest", now - timedelta(hours=3), (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert apply_kept_webhooks() == 0

    assert activate_shop(shop)
    db.session.commit()
    queued = db.session.execute(select(SyncRun.flow).where(SyncRun.status == "queued", SyncRun.trigger == "activation")
                                ).scalars().all()
    assert sorted(queued) == ["fulfillments", "inventory", "locations", "mappings", "orders", "products"]
    assert queue_run(shop.id, "orders", "manual")[1] is False  # the catch-up run is the one queued

    assert apply_kept_webhooks() == 3
    assert apply_kept_webhooks() == 0
    db.session.expire_all()
    ledger = db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.processed_at)).scalars().all()
    assert [d.triggered_at is None for d in ledger] == [False, False, True]
    assert all(d.status == "processed" and d.attempts == 1 for d in ledger)
    assert db.session.execute(select(Product.title)).scalar_one() == "Newest"
