"""GET/PATCH /api/sync and POST /api/sync/<flow>/run on PostgreSQL (tests/unit/test_sync_api.py on SQLite)."""
from __future__ import annotations

from datetime import datetime, timezone

from shopify_app.extensions import db
from shopify_app.models import SyncRun
from tests.conftest import create_shop


def test_sync_api_on_postgresql(pg_app, auth_headers):
    shop = create_shop()
    client = pg_app.test_client()
    now = datetime.now(timezone.utc)
    db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="schedule", status="succeeded",
                           started_at=now, finished_at=now, counts={"orders": 3}))
    db.session.commit()
    assert client.post("/api/sync/products/run", headers=auth_headers()).status_code == 202
    assert client.patch("/api/sync/products", json={"interval_minutes": 20}, headers=auth_headers()).status_code == 200
    body = client.get("/api/sync", headers=auth_headers()).json
    assert body["orders"]["last_run"]["counts"] == {"orders": 3}
    assert body["products"]["queued"] and body["products"]["interval_minutes"] == 20
