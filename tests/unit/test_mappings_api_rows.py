"""GET/PUT /api/mappings as the merchant meets them: one row per sales channel, shipping
rows saved one by one with their errors, one "no carrier", gateways by name."""
from __future__ import annotations

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Order
from shopify_app.sync import mappings
from shopify_app.sync.mappings.fold import channel_aliases, gateway_label
from shopify_app.sync.mappings.values import record_order_values


def found_in_shopify(shop):
    """What the orders and the publications of a shop record: each channel by its source
    name (labelled with its app) and by its app's name."""
    orders = [{"sourceName": "web", "app": {"name": "Online Store"}},
              {"sourceName": "pos", "app": {"name": "Point of Sale"}},
              {"sourceName": "shopify_draft_order", "app": {"name": "Draft Orders"}},
              {"sourceName": None, "app": {"name": "Online Store"}}]
    record_order_values(shop, orders)
    mappings.record_seen(shop, "sales_channel", ["Online Store", "Point of Sale", "Shop"], source="publications")
    db.session.commit()


def test_each_sales_channel_appears_once(app, shop, auth_headers):
    found_in_shopify(shop)
    body = app.test_client().get("/api/mappings/sales_channel", headers=auth_headers()).get_json()
    shown = [(v["label"] or v["shopify_value"]) for v in body["values"]]
    for name in ("Draft Orders", "Online Store", "Point of Sale"):
        assert shown.count(name) == 1, shown
    web = next(v for v in body["values"] if v["shopify_value"] == "web")
    assert web["aliases"] == ["Online Store"]
    assert (web["source"], web["found_in"]) == ("order", "Orders")
    assert {v["found_in"] for v in body["values"]} <= {"Orders", "Sales channels in Shopify"}
    assert body["unmapped"] == len(body["values"])


def test_mapping_a_channel_maps_its_other_name_too(app, shop, auth_headers):
    found_in_shopify(shop)
    db.session.add(Order(shop_id=shop.id, shopify_id="gid://shopify/Order/9", channel="Online Store",
                         unmapped={"sales_channel": "Online Store"}))
    db.session.commit()
    resp = app.test_client().put("/api/mappings/sales_channel", headers=auth_headers(),
                                 json={"mappings": [{"shopify_value": "web", "oms_value": "WEB_SALES_CHANNEL"}]})
    assert resp.status_code == 200, resp.get_json()
    assert mappings.resolve(shop.id, "sales_channel", "Online Store") == "WEB_SALES_CHANNEL"
    db.session.expire_all()
    assert db.session.execute(select(Order.sales_channel)).scalar_one() == "WEB_SALES_CHANNEL"
    # ... and the other way round: a change sent for the app's name reaches the row shown.
    resp = app.test_client().put("/api/mappings/sales_channel", headers=auth_headers(),
                                 json={"mappings": [{"shopify_value": "Online Store", "oms_value": None}]})
    web = next(v for v in resp.get_json()["values"] if v["shopify_value"] == "web")
    assert web["oms_value"] is None and mappings.resolve(shop.id, "sales_channel", "web") is None


def test_channel_aliases_fold_an_app_name_into_its_source_name_only():
    rows = [("web", "Online Store"), ("Online Store", None), ("pos", "Point of Sale"), ("Shop", None),
            ("12345", "Some App")]
    assert channel_aliases(rows) == {"web": ["Online Store"]}
    assert channel_aliases(rows + [("Point of Sale", None)]) == {"web": ["Online Store"], "pos": ["Point of Sale"]}


def test_a_shipping_save_keeps_the_good_rows_and_marks_the_bad_ones(app, shop, auth_headers):
    mappings.record_seen(shop, "shipping_method", ["Standard", "Express", "Pickup"])
    db.session.commit()
    resp = app.test_client().put("/api/mappings/shipping_method", headers=auth_headers(), json={"mappings": [
        {"shopify_value": "Standard", "oms_value": "STANDARD", "carrier": "UPS"},
        {"shopify_value": "Express", "oms_value": None, "carrier": "UPS"},
        {"shopify_value": "Pickup", "oms_value": "STOREPICKUP", "carrier": None},
    ]})
    assert resp.status_code == 400, resp.get_json()  # a malformed row: 400, the others saved
    body = resp.get_json()
    assert [(e["index"], e["shopify_value"]) for e in body["errors"]] == [(1, "Express")]
    assert "mappings[" not in body["errors"][0]["error"]
    saved = {v["shopify_value"]: (v["oms_value"], v["carrier"]) for v in body["values"]}
    assert saved == {"Standard": ("STANDARD", "UPS"), "Express": (None, None), "Pickup": ("STOREPICKUP", None)}
    assert mappings.resolve_shipping(shop.id, "Standard") == ("STANDARD", "UPS")


def test_there_is_one_no_carrier_choice(app, shop, auth_headers):
    client = app.test_client()
    body = client.get("/api/mappings/shipping_method", headers=auth_headers()).get_json()
    labels = [c["label"].lower() for c in body["carriers"]]
    assert not any("no carrier" in label for label in labels), labels  # none (null) is the one choice
    resp = client.put("/api/mappings/shipping_method", headers=auth_headers(), json={"mappings": [
        {"shopify_value": "Pickup", "oms_value": "STOREPICKUP", "carrier": "_NA_"}]})  # as saved before
    assert resp.status_code == 200 and resp.get_json()["values"][0]["carrier"] is None


def test_payment_gateways_carry_a_readable_label(app, shop, auth_headers):
    mappings.record_seen(shop, "payment_method", ["shopify_payments", "manual", "stripe_connect",
                                                  "Cash on Delivery (COD)"])
    db.session.commit()
    body = app.test_client().get("/api/mappings/payment_method", headers=auth_headers()).get_json()
    labels = {v["shopify_value"]: v["label"] for v in body["values"]}
    assert labels == {"shopify_payments": "Shopify Payments", "manual": "Manual", "stripe_connect": "Stripe Connect",
                      "Cash on Delivery (COD)": "Cash on Delivery (COD)"}
    assert gateway_label("paypal") == "PayPal"

