"""The mapping import against devstore over real HTTP, and mappings applied to orders."""
from __future__ import annotations

from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import MappingValue, Order
from shopify_app.sync.mappings.catalogue import KINDS
from shopify_app.sync.runner import run_flow
from shopify_app.web.mapping_bodies import save_body

from tests.conftest import create_shop


def values(shop_id, kind):
    return set(db.session.execute(
        select(MappingValue.shopify_value).where(MappingValue.shop_id == shop_id, MappingValue.kind == kind)
    ).scalars())


def test_the_mappings_flow_imports_every_kind_and_later_orders_resolve(connected_app):
    handle = new_shop(connected_app.devstore, products=20, orders=30)
    with connected_app.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
        run = run_flow(shop_id, "mappings", "schedule")
        assert run.status == "succeeded", run.error
        assert not (run.progress or {}).get("skipped"), run.progress
        found = {kind: values(shop_id, kind) for kind in KINDS}
        assert all(found.values()), found
        assert sum(run.counts.values()) == sum(len(v) for v in found.values())
        again = run_flow(shop_id, "mappings", "schedule")
        assert again.status == "succeeded" and sum(again.counts.values()) == 0

        # Map every gateway and shipping rate found; orders downloaded afterwards carry the OMS values.
        save_body(shop_id, "payment_method",
                  {"mappings": {g: "CREDIT_CARD" for g in found["payment_method"]}})
        save_body(shop_id, "shipping_method", {"mappings": [
            {"shopify_value": t, "oms_value": "STANDARD", "carrier": "UPS"} for t in found["shipping_method"]]})
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        orders = db.session.execute(select(Order).where(Order.shop_id == shop_id)).scalars().all()
        with_gateway = [o for o in orders if o.payment_gateways]
        assert with_gateway and all(o.payment_method == "CREDIT_CARD" for o in with_gateway)
        assert any(o.shipping_method == "STANDARD" for o in orders)


def test_the_import_endpoint_against_devstore(connected_app):
    from tests.conftest import make_session_token

    handle = new_shop(connected_app.devstore, products=5, orders=5)
    with connected_app.app.app_context():
        create_shop(handle.domain, access="read", token=handle.token, expires_in=None)
    # Session tokens are signed with the devstore app's secret here.
    token = make_session_token(handle.domain, secret=connected_app.devstore.api_secret,
                               aud=connected_app.devstore.api_key)
    headers = {"Authorization": f"Bearer {token}"}
    resp = connected_app.http.post(f"{connected_app.url}/api/mappings/import", headers=headers, timeout=60)
    assert resp.status_code == 200, resp.text
    assert resp.json()["added"]["product_type"] >= 1
    listed = connected_app.http.get(f"{connected_app.url}/api/mappings/product_type", headers=headers, timeout=30).json()
    assert listed["values"] and listed["unmapped"] == len(listed["values"])


def test_each_sales_channel_is_listed_once_after_the_import(connected_app):
    from tests.conftest import make_session_token

    handle = new_shop(connected_app.devstore, products=5, orders=40)
    with connected_app.app.app_context():
        create_shop(handle.domain, access="read", token=handle.token, expires_in=None)
    headers = {"Authorization": "Bearer " + make_session_token(
        handle.domain, secret=connected_app.devstore.api_secret, aud=connected_app.devstore.api_key)}
    assert connected_app.http.post(f"{connected_app.url}/api/mappings/import", headers=headers,
                                   timeout=60).status_code == 200
    values = connected_app.http.get(f"{connected_app.url}/api/mappings/sales_channel", headers=headers,
                                    timeout=30).json()["values"]
    shown = [v["label"] or v["shopify_value"] for v in values]
    for name in ("Draft Orders", "Online Store", "Point of Sale"):
        assert shown.count(name) == 1, shown
