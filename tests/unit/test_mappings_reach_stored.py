"""A saved mapping reaches every stored order and product carrying the value (through
PUT /api/mappings/<kind>), on SQLite and on PostgreSQL; and the pure plan behind it."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Order, Product
from shopify_app.sync import mappings
from shopify_app.sync.mappings.reach_plan import ScalarUpdate, Target, order_list_changes, scalar_plan
from tests.conftest import create_shop

LONG_AGO = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(params=["app", "pg_app"])
def any_app(request):
    return request.getfixturevalue(request.param)


def seed(shop_id: int, n: int = 6) -> None:
    """Orders from `web` (some with two gateways), `pos`, and products of two types, all
    stored long ago and unmapped, as a download before any mapping leaves them."""
    for i in range(n):
        channel = "web" if i % 3 else "pos"
        gateways = ["gift_card", "shopify_payments"] if i % 2 else ["manual"]
        ships = [{"id": f"s{i}", "title": "Standard", "removed": False}] if i != 5 else None
        unmapped = {"sales_channel": channel, "payment_method": gateways[0]}
        if ships:
            unmapped["shipping_method"] = "Standard"
        db.session.add(Order(
            shop_id=shop_id, shopify_id=f"gid://shopify/Order/{i}", name=f"#{1000 + i}", channel=channel,
            source_name=channel, payment_gateways=gateways, shipping_lines=ships, unmapped=unmapped,
            created_at=LONG_AGO, updated_at=LONG_AGO))
        db.session.add(Product(
            shop_id=shop_id, shopify_id=f"gid://shopify/Product/{i}", title=f"P{i}",
            product_type="T-Shirt" if i % 2 else "Mug", product_type_unmapped=True,
            created_at=LONG_AGO, updated_at=LONG_AGO))
    db.session.commit()


def orders(shop_id):
    db.session.expire_all()
    return {o.name: o for o in db.session.execute(select(Order).where(Order.shop_id == shop_id)).scalars()}


def products(shop_id):
    db.session.expire_all()
    return {p.title: p for p in db.session.execute(select(Product).where(Product.shop_id == shop_id)).scalars()}


def put(client, headers, kind, mappings_):
    resp = client.put(f"/api/mappings/{kind}", json={"mappings": mappings_}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp


def test_mapping_a_sales_channel_changes_every_stored_order_and_unmapping_reflags_it(any_app, auth_headers):
    shop = create_shop()
    other = create_shop("other.myshopify.com")
    seed(shop.id)
    seed(other.id)
    client = any_app.test_client()
    put(client, auth_headers(), "sales_channel", [{"shopify_value": "web", "oms_value": "WEB_SALES_CHANNEL"}])
    stored = orders(shop.id)
    web = [o for o in stored.values() if o.channel == "web"]
    assert len(web) == 4
    for o in web:
        assert o.sales_channel == "WEB_SALES_CHANNEL"
        assert "sales_channel" not in o.unmapped and o.unmapped["payment_method"]  # other flags kept
        assert o.updated_at > LONG_AGO
    for o in stored.values():
        if o.channel == "pos":
            assert o.sales_channel is None and o.unmapped["sales_channel"] == "pos" and o.updated_at == LONG_AGO
    assert all(o.sales_channel is None and o.updated_at == LONG_AGO for o in orders(other.id).values())

    # Saving the same mapping again writes nothing (updated_at stays).
    moved = {o.name: o.updated_at for o in web}
    time.sleep(0.01)
    put(client, auth_headers(), "sales_channel", [{"shopify_value": "web", "oms_value": "WEB_SALES_CHANNEL"}])
    assert {o.name: o.updated_at for o in orders(shop.id).values() if o.channel == "web"} == moved

    put(client, auth_headers(), "sales_channel", [{"shopify_value": "web", "oms_value": None}])
    for o in orders(shop.id).values():
        if o.channel == "web":
            assert o.sales_channel is None and o.unmapped["sales_channel"] == "web"
            assert o.updated_at > moved[o.name]


def test_mapping_a_product_type_changes_every_stored_product(any_app, auth_headers):
    shop = create_shop()
    seed(shop.id)
    client = any_app.test_client()
    put(client, auth_headers(), "product_type", [{"shopify_value": "T-Shirt", "oms_value": "FINISHED_GOOD"}])
    for p in products(shop.id).values():
        if p.product_type == "T-Shirt":
            assert (p.oms_product_type, p.product_type_unmapped) == ("FINISHED_GOOD", False)
            assert p.updated_at > LONG_AGO
        else:
            assert (p.oms_product_type, p.product_type_unmapped, p.updated_at) == (None, True, LONG_AGO)
    put(client, auth_headers(), "product_type", [{"shopify_value": "T-Shirt", "oms_value": None}])
    assert all(p.oms_product_type is None and p.product_type_unmapped for p in products(shop.id).values())


def test_payment_and_shipping_mappings_reach_stored_orders_as_the_download_decides(any_app, auth_headers):
    shop = create_shop()
    seed(shop.id)
    client = any_app.test_client()
    put(client, auth_headers(), "payment_method", [{"shopify_value": "shopify_payments",
                                                    "oms_value": "EXT_SHOPIFY_PAYMENTS"}])
    put(client, auth_headers(), "shipping_method", [{"shopify_value": "Standard", "oms_value": "STANDARD",
                                                     "carrier": "UPS"}])
    for o in orders(shop.id).values():
        if "shopify_payments" in o.payment_gateways:  # the second gateway maps: it is the method
            assert o.payment_method == "EXT_SHOPIFY_PAYMENTS" and "payment_method" not in o.unmapped
        else:
            assert o.payment_method is None and o.unmapped["payment_method"] == "manual"
        if o.shipping_lines:
            assert (o.shipping_method, o.shipping_carrier) == ("STANDARD", "UPS")
            assert "shipping_method" not in o.unmapped
        else:
            assert o.shipping_method is None and "shipping_method" not in o.unmapped
        assert o.updated_at > LONG_AGO
    put(client, auth_headers(), "shipping_method", [{"shopify_value": "Standard", "oms_value": None}])
    assert all(o.shipping_method is None and o.shipping_carrier is None and o.unmapped["shipping_method"] == "Standard"
               for o in orders(shop.id).values() if o.shipping_lines)


def test_a_run_that_resolved_before_a_mapping_was_saved_elsewhere_is_corrected_at_its_end(app):
    """Another process saved the mapping (and reached the rows stored then) while this one
    held its old answer in cache; the rows it writes afterwards are brought in line."""
    from shopify_app.models import MappingValue
    from shopify_app.sync.mappings.reach import reach_stored

    shop = create_shop()
    db.session.add(MappingValue(shop_id=shop.id, kind="sales_channel", shopify_value="web", source="order"))
    db.session.commit()
    assert mappings.resolve(shop.id, "sales_channel", "web") is None  # cached for a few seconds
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.execute(MappingValue.__table__.update().values(oms_value="WEB_SALES_CHANNEL",
                                                              mapped_at=datetime.now(timezone.utc)))
    db.session.commit()
    seed(shop.id, 3)  # what the run wrote with its stale answer
    db.session.execute(Order.__table__.update().values(updated_at=datetime.now(timezone.utc)))
    db.session.commit()
    assert reach_stored(shop.id, "sales_channel", since=started) == 2
    db.session.commit()
    assert {o.sales_channel for o in orders(shop.id).values() if o.channel == "web"} == {"WEB_SALES_CHANNEL"}


def test_an_order_webhook_applied_with_a_stale_cached_mapping_still_takes_the_new_one(client, shop):
    """The webhook's process cached "web: unmapped" a moment before another process saved
    the mapping (whose reach ran before this order existed)."""
    from shopify_app.models import MappingValue
    from tests.unit.test_redaction_reach import order_body
    from tests.unit.test_webhooks import deliver

    db.session.add(MappingValue(shop_id=shop.id, kind="sales_channel", shopify_value="web", source="order"))
    db.session.commit()
    assert mappings.resolve(shop.id, "sales_channel", "web") is None  # cached
    db.session.execute(MappingValue.__table__.update().values(oms_value="WEB_SALES_CHANNEL",
                                                              mapped_at=datetime.now(timezone.utc)))
    db.session.commit()
    body = order_body()
    body["source_name"] = "web"
    deliver(client, "orders/create", body)
    db.session.expire_all()
    stored = db.session.execute(select(Order)).scalar_one()
    assert stored.sales_channel == "WEB_SALES_CHANNEL" and "sales_channel" not in stored.unmapped


# --- the pure plan ----------------------------------------------------------------------

def test_scalar_plan_groups_values_by_target_and_unmapped_first():
    table = {"web": Target("WEB"), "shop": Target("WEB"), "pos": Target("POS")}
    assert scalar_plan(table, ["web", "pos", "shop", "phone", " web "]) == [
        ScalarUpdate(("phone",), None), ScalarUpdate(("pos",), "POS"), ScalarUpdate(("shop", "web"), "WEB")]


def test_scalar_plan_chunks_long_value_lists():
    plan = scalar_plan({}, [f"type {i}" for i in range(1200)])
    assert [len(step.values) for step in plan] == [500, 500, 200]


def test_order_list_changes_is_none_when_the_order_is_already_right():
    table = {"manual": Target("EXT_OFFLINE")}
    row = {"payment_gateways": ["manual"], "payment_method": None, "unmapped": {"payment_method": "manual"}}
    assert order_list_changes("payment_method", row, table) == {"payment_method": "EXT_OFFLINE", "unmapped": {}}
    row = {"payment_gateways": ["manual"], "payment_method": "EXT_OFFLINE", "unmapped": {}}
    assert order_list_changes("payment_method", row, table) is None
    removed_first = {"shipping_lines": [{"title": "Old", "removed": True}, {"title": "Express"}],
                     "shipping_method": None, "shipping_carrier": None, "unmapped": None}
    assert order_list_changes("shipping_method", removed_first, {}) == {
        "shipping_method": None, "shipping_carrier": None, "unmapped": {"shipping_method": "Express"}}
