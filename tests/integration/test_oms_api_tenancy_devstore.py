"""Two devstore shops under two product stores, over real HTTP: each store's OMS key reads
only its own shop's orders, and inventory set with store B's key never reaches store A's
shop in devstore."""
from __future__ import annotations

from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Facility, Shop, Variant
from shopify_app.product_stores import create_store, link_shop
from shopify_app.sync.locations.mapping import create_facility
from shopify_app.sync.locations.store import find_location
from shopify_app.sync.runner import run_flow

from tests.conftest import create_shop

MAIN = "gid://shopify/Location/61000000001"  # every devstore shop's default location


def connect(c, store_name: str) -> dict:
    handle = new_shop(c.devstore, products=4, orders=30)  # some open and unfulfilled: downloaded
    with c.app.app_context():
        shop = create_shop(handle.domain, access="read_write", token=handle.token, expires_in=None)
        link_shop(create_store(store_name), shop)
        db.session.commit()
        for flow in ("locations", "products", "orders"):
            run = run_flow(shop.id, flow, "schedule")
            assert run.status == "succeeded", (flow, run.error)
        shop = db.session.get(Shop, shop.id)
        facility = create_facility(shop, find_location(shop.id, MAIN))
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == shop.id, Variant.sku.is_not(None))
                                 .order_by(Variant.sku)).scalars().first()
        _record, key = create_api_key(f"{store_name} OMS", shop.product_store)
        return {"handle": handle, "shop_id": shop.id, "facility": facility.external_id, "sku": sku,
                "headers": {"Authorization": f"Bearer {key}"}}


def available(c, side, sku):
    rows = [r for r in c.ds.inventory(side["handle"].domain, sku=sku, location_id=MAIN) if r["locationId"] == MAIN]
    return rows[0]["quantities"]["available"] if rows else None


def test_each_store_key_sees_its_own_orders_and_sets_stock_only_in_its_own_shop(connected_app):
    c = connected_app
    a, b = connect(c, "Store A"), connect(c, "Store B")

    def orders(side, **params):
        r = c.http.get(f"{c.url}/oms/v1/orders", params={"limit": 1000, **params}, headers=side["headers"])
        assert r.status_code == 200, r.text
        return r.json()["items"]

    for side, other in ((a, b), (b, a)):
        mine = orders(side)
        assert mine and {o["shop"] for o in mine} == {side["handle"].domain}
        assert orders(side, shop=other["handle"].domain) == []
        assert {o["product_store"]["name"] for o in mine} == {"Store A" if side is a else "Store B"}

    # Store B's key naming store A's facility: refused as an unknown facility, nothing stored.
    before_a = available(c, a, a["sku"])
    sets_before = len(c.ds.inventory_sets(a["handle"].domain))
    r = c.http.put(f"{c.url}/oms/v1/inventory", json=[{"facility_id": a["facility"], "sku": a["sku"], "atp": 777}],
                   headers=b["headers"])
    assert r.status_code == 422 and "unknown facilit" in r.json()["error"]
    r = c.http.put(f"{c.url}/oms/v1/inventory", json=[{"facility_id": b["facility"], "sku": b["sku"], "atp": 41}],
                   headers=b["headers"])
    assert r.status_code == 200, r.text
    with c.app.app_context():
        assert {f.shop_id for f in db.session.execute(select(Facility)).scalars()} == {a["shop_id"], b["shop_id"]}
        for side in (a, b):
            run = run_flow(side["shop_id"], "inventory", "manual")
            assert run.status == "succeeded", run.error
    assert available(c, b, b["sku"]) == 41
    assert available(c, a, a["sku"]) == before_a != 777
    assert len(c.ds.inventory_sets(a["handle"].domain)) == sets_before
