"""Against devstore over real HTTP: a mapping saved after the download reaches every stored
order and product, and the OMS sees them through `updated_since`; mapping before the
first download or after it stores the same rows."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import MappingValue, Order, Product
from shopify_app.sync.runner import run_flow
from tests.conftest import create_shop, make_session_token


def api(c, domain):
    token = make_session_token(domain, secret=c.devstore.api_secret, aud=c.devstore.api_key)
    return {"Authorization": f"Bearer {token}"}


def connect(c, products=30, orders=60):
    handle = new_shop(c.devstore, products=products, orders=orders, seed=7)
    with c.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
    return handle, shop_id


def download(c, shop_id):
    with c.app.app_context():
        for flow in ("products", "orders"):
            run = run_flow(shop_id, flow, "manual")
            assert run.status == "succeeded", run.error


def oms_list(c, key, resource, domain, since):
    items, cursor = [], None
    while True:
        params = {"shop": domain, "updated_since": since, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        resp = c.http.get(f"{c.url}/oms/v1/{resource}", params=params, headers={"Authorization": f"Bearer {key}"})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def test_mapping_web_after_the_download_reaches_every_web_order_through_updated_since(connected_app):
    c = connected_app
    handle, shop_id = connect(c)
    download(c, shop_id)
    with c.app.app_context():
        _r, key = create_api_key("oms")
        web = set(db.session.execute(select(Order.shopify_id).where(
            Order.shop_id == shop_id, Order.channel == "web")).scalars())
        types = [t for t in db.session.execute(select(Product.product_type).where(
            Product.shop_id == shop_id, Product.product_type.is_not(None))).scalars() if t]
        kind_of_product = max(set(types), key=types.count)  # "T-Shirt" in the demo shop
        shirts = set(db.session.execute(select(Product.shopify_id).where(
            Product.shop_id == shop_id, Product.product_type == kind_of_product)).scalars())
    assert web and shirts
    time.sleep(1.1)  # updated_since is to the second
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert oms_list(c, key, "orders", handle.domain, before) == []

    resp = c.http.put(f"{c.url}/api/mappings/sales_channel", headers=api(c, handle.domain),
                      json={"mappings": [{"shopify_value": "web", "oms_value": "WEB_SALES_CHANNEL"}]})
    assert resp.status_code == 200, resp.text
    resp = c.http.put(f"{c.url}/api/mappings/product_type", headers=api(c, handle.domain),
                      json={"mappings": [{"shopify_value": kind_of_product, "oms_value": "FINISHED_GOOD"}]})
    assert resp.status_code == 200, resp.text

    changed = oms_list(c, key, "orders", handle.domain, before)
    assert {o["id"] for o in changed} == web
    assert all(o["sales_channel"] == "WEB_SALES_CHANNEL" and "sales_channel" not in o["unmapped"] for o in changed)
    changed_products = oms_list(c, key, "products", handle.domain, before)
    assert {p["id"] for p in changed_products} == shirts
    assert all(p["oms_product_type"] == "FINISHED_GOOD" and not p["product_type_unmapped"] for p in changed_products)


def stored_rows(app, shop_id):
    with app.app_context():
        db.session.expire_all()
        orders = {o.name: (o.sales_channel, o.payment_method, o.shipping_method, o.shipping_carrier,
                           dict(o.unmapped or {}))
                  for o in db.session.execute(select(Order).where(Order.shop_id == shop_id)).scalars()}
        products = {p.handle: (p.product_type, p.oms_product_type, p.product_type_unmapped)
                    for p in db.session.execute(select(Product).where(Product.shop_id == shop_id)).scalars()}
    return orders, products


def test_mapping_before_the_first_download_or_after_it_stores_the_same_rows(connected_app):
    c = connected_app
    after_handle, after_id = connect(c)
    download(c, after_id)
    with c.app.app_context():
        found = {kind: sorted(db.session.execute(select(MappingValue.shopify_value).where(
            MappingValue.shop_id == after_id, MappingValue.kind == kind)).scalars())
            for kind in ("sales_channel", "product_type", "payment_method", "shipping_method")}
    assert all(found.values()), found
    # Map all but one value of each kind (the last stays unmapped, flagged the same way in both).
    targets = {"sales_channel": "WEB_SALES_CHANNEL", "product_type": "FINISHED_GOOD",
               "payment_method": "CREDIT_CARD", "shipping_method": "STANDARD"}
    bodies = {}
    for kind, values in found.items():
        rows = [{"shopify_value": v, "oms_value": targets[kind]} for v in values[:-1] or values]
        if kind == "shipping_method":
            for row in rows:
                row["carrier"] = "UPS"
        bodies[kind] = {"mappings": rows}

    before_handle, before_id = connect(c)  # the same seed: the same store
    for kind, body in bodies.items():  # mapped ahead of the first download
        resp = c.http.put(f"{c.url}/api/mappings/{kind}", headers=api(c, before_handle.domain), json=body)
        assert resp.status_code == 200, resp.text
    download(c, before_id)
    for kind, body in bodies.items():  # mapped after it
        resp = c.http.put(f"{c.url}/api/mappings/{kind}", headers=api(c, after_handle.domain), json=body)
        assert resp.status_code == 200, resp.text

    before_orders, before_products = stored_rows(c.app, before_id)
    after_orders, after_products = stored_rows(c.app, after_id)
    assert before_orders and before_products
    assert any(row[0] == "WEB_SALES_CHANNEL" for row in after_orders.values())
    assert any(row[1] == "FINISHED_GOOD" for row in after_products.values())
    assert after_orders == before_orders
    assert after_products == before_products
