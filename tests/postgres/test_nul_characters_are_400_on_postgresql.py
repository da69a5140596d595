"""NUL characters, which PostgreSQL text cannot hold, are a 400 and never a 500
(the other contracts: tests/unit/test_contracts.py)."""
from __future__ import annotations

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from tests.conftest import create_shop, make_session_token


def test_nul_characters_are_400_on_postgres(pg_app):
    create_shop()
    _, secret = create_api_key("oms")
    db.session.commit()
    client = pg_app.test_client()
    oms = {"Authorization": f"Bearer {secret}"}
    resp = client.put("/oms/v1/inventory", json=[{"facility_id": "a\u0000b", "sku": "x", "atp": 1}], headers=oms)
    assert resp.status_code == 400, resp.json
    resp = client.get("/oms/v1/facilities", query_string={"shop": "a\u0000b"}, headers=oms)
    assert resp.status_code == 400, resp.json
    resp = client.patch("/api/shop", json={"orders_since": "a\u0000b"},
                        headers={"Authorization": f"Bearer {make_session_token()}"})
    assert resp.status_code == 400, resp.json
