"""Mappings recorded, resolved and PUT on PostgreSQL (tests/unit/test_mappings.py on SQLite)."""
from __future__ import annotations

from shopify_app.extensions import db
from shopify_app.sync import mappings
from shopify_app.sync.mappings.values import forget_seen
from tests.conftest import create_shop


def test_record_resolve_and_put_on_postgresql(pg_app, auth_headers):
    shop = create_shop()
    assert mappings.record_seen(shop, "payment_method", ["manual", "stripe"]) == 2
    db.session.commit()
    forget_seen()
    assert mappings.record_seen(shop.id, "payment_method", ["manual", "paypal"]) == 1
    db.session.commit()
    client = pg_app.test_client()
    resp = client.put("/api/mappings/payment_method", headers=auth_headers(), json={
        "create_oms_values": [{"value": "EXT_STRIPE", "label": "Stripe"}],
        "mappings": [{"shopify_value": "stripe", "oms_value": "EXT_STRIPE"},
                     {"shopify_value": "manual", "oms_value": "EXT_OFFLINE"}]})
    assert resp.status_code == 200, resp.json
    assert mappings.resolve(shop.id, "payment_method", "stripe") == "EXT_STRIPE"
    assert mappings.resolve(shop.id, "payment_method", "paypal") is None
    assert client.put("/api/mappings/payment_method", headers=auth_headers(),
                      json={"mappings": {"paypal": "NOPE"}}).status_code == 422
    body = client.get("/api/mappings/payment_method", headers=auth_headers()).json
    assert body["unmapped"] == 1 and len(body["values"]) == 3
