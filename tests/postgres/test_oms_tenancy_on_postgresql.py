"""The OMS API's tenancy on PostgreSQL (the shop-id subquery of every list and of the ATP
facilities): a store's key lists only its shops and sets stock only at its facilities
(the full set of cases: tests/unit/test_oms_tenancy.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import AtpLevel
from tests.unit.test_oms_tenancy import A, B, LISTS, bearer, build_world, every_item


def test_store_keys_see_only_their_shops_on_postgresql(pg_app):
    client = pg_app.test_client()
    world = build_world(client)
    for path in LISTS:
        assert {i["shop"] for i in every_item(client, path, world["keys"]["alpha"], limit=1)} == {A}
        assert {i["shop"] for i in every_item(client, path, world["keys"]["bravo"])} == {B}
        assert client.get(path, query_string={"shop": A}, headers=bearer(world["keys"]["bravo"])).get_json()["items"] == []
    theirs = client.put("/oms/v1/inventory", json=[{"facility_id": "SHOPIFY_11", "sku": "X", "atp": 5}],
                        headers=bearer(world["keys"]["bravo"]))
    assert theirs.status_code == 422
    assert db.session.execute(select(func.count()).select_from(AtpLevel)).scalar_one() == 0
    ok = client.put("/oms/v1/inventory", json=[{"facility_id": "SHOPIFY_12", "sku": "X", "atp": 5}],
                    headers=bearer(world["keys"]["bravo"]))
    assert ok.status_code == 200 and ok.get_json()["shops"] == 1
