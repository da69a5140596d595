"""Done, as a new user would see it: a devstore shop with thousands of products and
orders; after the scheduled runs the OMS API lists them all over HTTP; an edit and a
cancellation in devstore show up within seconds (webhooks) and stay right after the
next pull."""
from __future__ import annotations

import requests

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.sync.runner import run_flow

from tests.conftest import create_shop

COUNTS = """{ productsCount(limit: null) { count }
  ordersCount(query: "status:open AND fulfillment_status:unfulfilled", limit: null) { count } }"""


def all_items(base, path, headers, **params):
    items, cursor = [], None
    while True:
        query = dict(params, limit=500, **({"cursor": cursor} if cursor else {}))
        resp = requests.get(f"{base}/oms/v1/{path}", params=query, headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_a_large_shop_lands_whole_in_the_oms_api(connected_app):
    handle = new_shop(connected_app.devstore, products=2000, orders=1500)
    with connected_app.app.app_context():
        shop = create_shop(handle.domain, access="read", token=handle.token, expires_in=None)
        shop_id = shop.id
        _, key = create_api_key("oms")
        db.session.commit()
        for flow in ("products", "orders"):
            run = run_flow(shop_id, flow, "schedule")
            assert run.status == "succeeded", run.error
            assert run.progress.get("objects", 0) > 0
    headers = {"Authorization": f"Bearer {key}"}
    counts = handle.graphql(COUNTS)["data"]
    products = all_items(connected_app.url, "products", headers, shop=handle.domain)
    orders = all_items(connected_app.url, "orders", headers, shop=handle.domain)
    real = [p for p in products if not p["placeholder"]]
    assert len(real) == len({p["id"] for p in real}) == counts["productsCount"]["count"] == 2000
    assert len(orders) == len({o["id"] for o in orders}) == counts["ordersCount"]["count"]
    assert all(o["lines"] and o["broker_status"] == "queued" for o in orders)
    skus = {v["sku"] for p in real for v in p["variants"]}
    assert all(l["sku"] in skus or l["placeholder_product"] for o in orders for l in o["lines"])

    # an edit and a cancellation in Shopify: within seconds through webhooks
    ds = connected_app.ds
    pid, oid = real[0]["id"], orders[0]["id"]
    ds.update_product(handle.domain, pid, title="Edited in devstore")
    ds.cancel_order(handle.domain, oid)

    def seen():
        cancelled = requests.get(f"{connected_app.url}/oms/v1/orders", params={"status": "cancelled",
                                 "shop": handle.domain}, headers=headers, timeout=30).json()["items"]
        titles = {x["id"]: x["title"] for x in all_items(connected_app.url, "products", headers, shop=handle.domain)}
        return titles.get(pid) == "Edited in devstore" and oid in {o["id"] for o in cancelled}

    connected_app.wait_for(seen, timeout=20, interval=0.5)
    with connected_app.app.app_context():
        for flow in ("products", "orders"):
            again = run_flow(shop_id, flow, "schedule")
            assert again.status == "succeeded", (flow, again.error)
    assert seen()
    assert len(all_items(connected_app.url, "orders", headers, shop=handle.domain)) == len(orders)
