"""Mappings: values found in Shopify, resolution, the import, and GET/PUT /api/mappings/<kind>."""
from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import MappingValue, OmsValue
from shopify_app.sync import mappings
from shopify_app.sync.mappings import resolver
from shopify_app.sync.mappings.import_values import import_mapping_values
from shopify_app.sync.mappings.values import forget_seen, record_order_values
from shopify_app.web.mapping_bodies import save_body
from tests.conftest import ADMIN_SCHEMA, create_shop

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "shopify_app" / "shopify" / "graphql"


@pytest.fixture(scope="module")
def admin_schema():
    return build_schema(ADMIN_SCHEMA.read_text(), assume_valid=True)


def put(client, auth_headers, kind, body):
    return client.put(f"/api/mappings/{kind}", json=body, headers=auth_headers())


# --- the GraphQL documents -----------------------------------------------------------

@pytest.mark.parametrize("path", sorted(GRAPHQL_DIR.glob("mapping_*.graphql")), ids=lambda p: p.name)
def test_mapping_documents_validate_against_the_admin_schema(path, admin_schema):
    errors = validate(admin_schema, parse(path.read_text()), [*specified_rules, NoDeprecatedCustomRule])
    assert errors == []


def test_there_is_a_document_per_source():
    names = {p.stem for p in GRAPHQL_DIR.glob("mapping_*.graphql")}
    assert names == {"mapping_product_types", "mapping_publications", "mapping_delivery_profiles",
                     "mapping_recent_orders"}


# --- record and resolve ------------------------------------------------------------------

def test_record_seen_is_unique_per_shop_kind_value_and_keeps_mappings(app, shop):
    assert mappings.record_seen(shop, "product_type", ["Shirts", " Shirts ", "Mugs", "", None]) == 2
    db.session.commit()
    save_body(shop.id, "product_type", {"mappings": [{"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD"}]})
    forget_seen()
    assert mappings.record_seen(shop, "product_type", ["Shirts", "Mugs", "Gift cards"]) == 1
    db.session.commit()
    rows = {r.shopify_value: r for r in db.session.execute(select(MappingValue)).scalars()}
    assert set(rows) == {"Shirts", "Mugs", "Gift cards"}
    assert rows["Shirts"].oms_value == "FINISHED_GOOD"  # untouched by seeing it again
    other = create_shop("other-shop.myshopify.com")
    assert mappings.record_seen(other, "product_type", ["Shirts"]) == 1  # per shop
    db.session.commit()


def test_record_seen_rejects_unknown_kind(app, shop):
    with pytest.raises(ValueError):
        mappings.record_seen(shop, "colour", ["red"])


def test_resolve_returns_the_mapped_value_or_none_never_a_guess(app, shop):
    mappings.record_seen(shop, "product_type", ["Shirts", "Gift Card"])
    db.session.commit()
    assert mappings.resolve(shop.id, "product_type", "Shirts") is None
    assert mappings.resolve(shop.id, "product_type", "Gift Card") is None  # not guessed as GIFT_CARD
    assert mappings.resolve(shop.id, "product_type", "FINISHED_GOOD") is None
    assert mappings.resolve(shop.id, "product_type", None) is None
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "FINISHED_GOOD"}})
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "FINISHED_GOOD"
    assert mappings.resolve(shop.id, "product_type", " Shirts ") == "FINISHED_GOOD"
    assert mappings.resolve(shop.id, "product_type", "shirts") is None  # Shopify's values are case-sensitive
    other = create_shop("other-shop.myshopify.com")
    assert mappings.resolve(other.id, "product_type", "Shirts") is None


def test_several_shopify_values_share_one_oms_value(app, shop):
    save_body(shop.id, "payment_method", {"mappings": [
        {"shopify_value": "shopify_payments", "oms_value": "CREDIT_CARD"},
        {"shopify_value": "stripe", "oms_value": "CREDIT_CARD"},
        {"shopify_value": "Cash on Delivery (COD)", "oms_value": "EXT_COD"},
    ]})
    assert mappings.resolve(shop.id, "payment_method", "stripe") == "CREDIT_CARD"
    assert mappings.resolve(shop.id, "payment_method", "shopify_payments") == "CREDIT_CARD"
    assert mappings.resolve(shop.id, "payment_method", "Cash on Delivery (COD)") == "EXT_COD"


def test_a_changed_mapping_applies_to_later_resolutions(app, shop):
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "FINISHED_GOOD"}})
    resolver = mappings.Resolver(shop.id)
    assert resolver.resolve("product_type", "Shirts") == "FINISHED_GOOD"
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "SERVICE"}})
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "SERVICE"
    assert resolver.resolve("product_type", "Shirts") == "FINISHED_GOOD"  # a run's snapshot stays stable
    assert mappings.Resolver(shop.id).resolve("product_type", "Shirts") == "SERVICE"


def test_a_change_made_by_another_process_is_seen_after_the_cache_ttl(app, shop, monkeypatch):
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "FINISHED_GOOD"}})
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "FINISHED_GOOD"
    row = db.session.execute(select(MappingValue)).scalar_one()
    row.oms_value = "SERVICE"  # as if changed elsewhere: no invalidation here
    db.session.commit()
    monkeypatch.setattr(resolver, "CACHE_TTL_SECONDS", 0.0)
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "SERVICE"


def test_shipping_method_maps_to_a_shipment_method_and_carrier(app, shop):
    save_body(shop.id, "shipping_method", {"mappings": [
        {"shopify_value": "Express", "oms_value": "NEXT_DAY", "carrier": "UPS"},
        {"shopify_value": "Standard", "oms_value": "STANDARD"},
    ]})
    assert mappings.resolve_shipping(shop.id, "Express") == ("NEXT_DAY", "UPS")
    assert mappings.resolve_shipping(shop.id, "Standard") == ("STANDARD", None)
    assert mappings.resolve_shipping(shop.id, "Pigeon") == (None, None)
    assert mappings.resolve(shop.id, "shipping_method", "Express") == "NEXT_DAY"
    assert mappings.Resolver(shop.id).shipping("Express") == ("NEXT_DAY", "UPS")


def test_sales_channel_resolves_source_name_then_app_name(app, shop):
    save_body(shop.id, "sales_channel", {"mappings": {"web": "WEB_SALES_CHANNEL",
                                                                   "Point of Sale": "POS_SALES_CHANNEL"}})
    assert mappings.resolve_sales_channel(shop.id, "web", "Online Store") == "WEB_SALES_CHANNEL"
    assert mappings.resolve_sales_channel(shop.id, "pos", "Point of Sale") == "POS_SALES_CHANNEL"
    assert mappings.resolve_sales_channel(shop.id, "12345", "Some App") is None
    assert mappings.Resolver(shop.id).sales_channel("pos", "Point of Sale") == "POS_SALES_CHANNEL"


def test_record_order_values_from_graphql_nodes(app, shop):
    orders = [
        {"sourceName": "web", "app": {"name": "Online Store"}, "paymentGatewayNames": ["shopify_payments"],
         "shippingLines": {"nodes": [{"title": "Standard Shipping", "code": "Standard"}]}},
        {"sourceName": "pos", "app": {"name": "Point of Sale"}, "paymentGatewayNames": ["cash", "gift_card"],
         "shippingLines": {"edges": []}},
        {"sourceName": None, "app": None, "paymentGatewayNames": [], "shippingLines": [{"title": "Express"}]},
    ]
    totals = record_order_values(shop, orders)
    db.session.commit()
    assert totals == {"product_type": 0, "sales_channel": 4, "payment_method": 3, "shipping_method": 2}
    web = db.session.execute(select(MappingValue).where(MappingValue.shopify_value == "web")).scalar_one()
    assert web.label == "Online Store" and web.kind == "sales_channel" and web.source == "order"


def test_resolution_is_cheap_per_order(app, shop):
    save_body(shop.id, "payment_method", {"mappings": {"manual": "EXT_OFFLINE"}})
    statements = []
    from sqlalchemy import event

    def count(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(2000):
            assert mappings.resolve(shop.id, "payment_method", "manual") == "EXT_OFFLINE"
            mappings.record_seen(shop, "payment_method", ["manual"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 3


# --- the import from Shopify --------------------------------------------------------------

class FakeClient:
    """Answers the mapping documents like Shopify would, in pages."""

    def __init__(self, refuse=()):
        self.calls = []
        self.refuse = set(refuse)

    def execute(self, name, variables=None):
        from shopify_app.shopify.graphql_client import GraphQLError

        self.calls.append((name, dict(variables or {})))
        if name in self.refuse:
            raise GraphQLError("Access denied for publications field.")
        after = (variables or {}).get("after")
        if name == "mapping_product_types":
            if after is None:
                return {"productTypes": {"nodes": ["Shirts", "Mugs"], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}}}
            return {"productTypes": {"nodes": ["Gift Cards"], "pageInfo": {"hasNextPage": False, "endCursor": None}}}
        if name == "mapping_publications":
            return {"publications": {"nodes": [
                {"id": "gid://shopify/Publication/1", "catalog": {"title": "Online Store catalog", "apps": {"nodes": [{"title": "Online Store"}]}}},
                {"id": "gid://shopify/Publication/2", "catalog": {"title": "Point of Sale", "apps": {"nodes": []}}},
            ], "pageInfo": {"hasNextPage": False}}}
        if name == "mapping_delivery_profiles":
            zone = {"methodDefinitions": {"nodes": [{"name": "Standard"}, {"name": "Express"}]}}
            return {"deliveryProfiles": {"nodes": [
                {"id": "gid://shopify/DeliveryProfile/1", "name": "General",
                 "profileLocationGroups": [{"locationGroupZones": {"nodes": [zone, zone]}}]},
            ], "pageInfo": {"hasNextPage": False}}}
        if name == "mapping_recent_orders":
            assert variables["query"].startswith("created_at:>=")
            return {"orders": {"nodes": [
                {"id": "gid://shopify/Order/1", "sourceName": "web", "app": {"id": "gid://shopify/App/1", "name": "Online Store"},
                 "paymentGatewayNames": ["shopify_payments"], "shippingLines": {"nodes": [{"title": "Standard"}, {"title": "Local pickup"}]}},
            ], "pageInfo": {"hasNextPage": False}}}
        raise AssertionError(name)


def test_import_mapping_values_from_shopify(app, shop):
    client = FakeClient()
    added = import_mapping_values(shop, client)
    assert added == {"product_type": 3, "sales_channel": 3, "payment_method": 1, "shipping_method": 3}
    values = {(r.kind, r.shopify_value): r.source for r in db.session.execute(select(MappingValue)).scalars()}
    assert values[("product_type", "Gift Cards")] == "productTypes"
    assert values[("sales_channel", "Online Store")] == "publications"
    assert values[("sales_channel", "Point of Sale")] == "publications"
    assert values[("sales_channel", "web")] == "order"
    assert values[("shipping_method", "Express")] == "deliveryProfiles"
    assert values[("shipping_method", "Local pickup")] == "order"
    assert [c[1].get("after") for c in client.calls if c[0] == "mapping_product_types"] == [None, "c1"]
    # Again: nothing new.
    forget_seen()
    assert sum(import_mapping_values(shop, FakeClient()).values()) == 0


def test_import_goes_on_when_one_part_is_refused(app, shop):
    errors = []
    added = import_mapping_values(shop, FakeClient(refuse={"mapping_publications"}), errors=errors)
    assert len(errors) == 1 and errors[0].startswith("publications")
    assert added["product_type"] == 3 and added["sales_channel"] == 2  # web, Online Store (orders)


# --- the API --------------------------------------------------------------------------------

def test_get_mappings_lists_values_and_the_oms_catalogue(client, shop, auth_headers):
    mappings.record_seen(shop, "product_type", ["Shirts", "Mugs"], source="productTypes")
    db.session.commit()
    resp = client.get("/api/mappings/product_type", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["kind"] == "product_type"
    assert [v["shopify_value"] for v in body["values"]] == ["Mugs", "Shirts"]
    assert all(v["oms_value"] is None for v in body["values"]) and body["unmapped"] == 2
    oms = {v["value"] for v in body["oms_values"]}
    assert {"FINISHED_GOOD", "DIGITAL_GOOD", "SERVICE", "GIFT_CARD"} <= oms
    resp = client.get("/api/mappings/shipping_method", headers=auth_headers())
    assert {"STANDARD", "NEXT_DAY"} <= {v["value"] for v in resp.json["oms_values"]}
    assert "UPS" in {v["value"] for v in resp.json["carriers"]}
    channels = client.get("/api/mappings/sales_channel", headers=auth_headers()).json
    assert {"WEB_SALES_CHANNEL", "POS_SALES_CHANNEL"} <= {v["value"] for v in channels["oms_values"]}
    assert client.get("/api/mappings/payment_method", headers=auth_headers()).status_code == 200


def test_get_and_put_need_a_session_token(client, shop):
    assert client.get("/api/mappings/product_type").status_code == 401
    assert client.put("/api/mappings/product_type", json={"mappings": []}).status_code == 401


def test_unknown_kind_is_404(client, shop, auth_headers):
    assert client.get("/api/mappings/colour", headers=auth_headers()).status_code == 404
    resp = put(client, auth_headers, "colour", {"mappings": []})
    assert resp.status_code == 404 and "error" in resp.json


def test_put_maps_values_and_answers_the_new_state(client, shop, auth_headers):
    mappings.record_seen(shop, "product_type", ["Shirts", "Mugs"])
    db.session.commit()
    resp = put(client, auth_headers, "product_type", {"mappings": [
        {"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD"},
        {"shopify_value": "Mugs", "oms_value": "FINISHED_GOOD"},
        {"shopify_value": "E-books", "oms_value": "DIGITAL_GOOD"},  # mapped before being seen
    ]})
    assert resp.status_code == 200, resp.json
    values = {v["shopify_value"]: v for v in resp.json["values"]}
    assert values["Shirts"]["oms_value"] == values["Mugs"]["oms_value"] == "FINISHED_GOOD"
    assert values["E-books"]["source"] == "manual" and resp.json["unmapped"] == 0
    assert mappings.resolve(shop.id, "product_type", "Mugs") == "FINISHED_GOOD"
    # Unmap.
    resp = put(client, auth_headers, "product_type", {"mappings": [{"shopify_value": "Mugs", "oms_value": None}]})
    assert resp.status_code == 200
    assert mappings.resolve(shop.id, "product_type", "Mugs") is None


def test_put_unknown_oms_value_is_422_unless_the_body_creates_it(client, shop, auth_headers):
    resp = put(client, auth_headers, "product_type", {"mappings": [{"shopify_value": "Kits", "oms_value": "KIT"}]})
    assert resp.status_code == 422 and "KIT" in resp.json["error"]
    assert db.session.execute(select(func.count()).select_from(MappingValue)).scalar() == 0
    resp = put(client, auth_headers, "product_type", {
        "create_oms_values": [{"value": "KIT", "label": "Kit"}],
        "mappings": [{"shopify_value": "Kits", "oms_value": "KIT"}],
    })
    assert resp.status_code == 200, resp.json
    assert {"value": "KIT", "label": "Kit", "default": False} in resp.json["oms_values"]
    assert mappings.resolve(shop.id, "product_type", "Kits") == "KIT"
    # Created for this shop only.
    create_shop("other-shop.myshopify.com")
    resp = put(client, lambda: auth_headers("other-shop.myshopify.com"), "product_type",
               {"mappings": [{"shopify_value": "Kits", "oms_value": "KIT"}]})
    assert resp.status_code == 422


def test_put_shipping_needs_known_carrier(client, shop, auth_headers):
    resp = put(client, auth_headers, "shipping_method",
               {"mappings": [{"shopify_value": "Express", "oms_value": "NEXT_DAY", "carrier": "PIGEON"}]})
    assert resp.status_code == 422
    resp = put(client, auth_headers, "shipping_method", {
        "create_carriers": ["PIGEON"],
        "mappings": [{"shopify_value": "Express", "oms_value": "NEXT_DAY", "carrier": "PIGEON"}]})
    assert resp.status_code == 200, resp.json
    assert resp.json["values"][0]["carrier"] == "PIGEON"
    assert mappings.resolve_shipping(shop.id, "Express") == ("NEXT_DAY", "PIGEON")


@pytest.mark.parametrize("body", [
    [],
    "FINISHED_GOOD",
    {"mappings": "x"},
    {"mappings": [{"shopify_value": "Shirts"}]},
    {"mappings": [{"oms_value": "FINISHED_GOOD"}]},
    {"mappings": [{"shopify_value": "", "oms_value": "FINISHED_GOOD"}]},
    {"mappings": [{"shopify_value": 3, "oms_value": "FINISHED_GOOD"}]},
    {"mappings": [{"shopify_value": "Shirts", "oms_value": 7}]},
    {"mappings": [{"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD", "colour": "red"}]},
    {"mappings": [{"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD", "carrier": "UPS"}]},
    {"mappings": [{"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD"},
                  {"shopify_value": "Shirts", "oms_value": "SERVICE"}]},
    {"mappings": [], "extra": 1},
    {"create_oms_values": [{"value": "bad value!"}]},
    {"create_oms_values": "KIT"},
    {"mappings": [{"shopify_value": "x" * 300, "oms_value": "FINISHED_GOOD"}]},
])
def test_put_malformed_is_400_and_changes_nothing(client, shop, auth_headers, body):
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "SERVICE"}})
    resp = put(client, auth_headers, "product_type", body)
    assert resp.status_code == 400, (body, resp.json)
    assert "error" in resp.json
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "SERVICE"
    assert db.session.execute(select(func.count()).select_from(OmsValue)).scalar() == 0


def test_put_saves_the_good_rows_and_lists_the_bad_ones_by_index(client, shop, auth_headers):
    save_body(shop.id, "product_type", {"mappings": {"Shirts": "SERVICE"}})
    resp = put(client, auth_headers, "product_type", {
        "create_oms_values": ["KIT"],
        "mappings": [{"shopify_value": "Shirts", "oms_value": "FINISHED_GOOD"},
                     {"shopify_value": "Mugs", "oms_value": "NOPE"}]})
    assert resp.status_code == 422
    assert resp.json["errors"] == [{"index": 1, "shopify_value": "Mugs", "error": resp.json["errors"][0]["error"]}]
    assert "NOPE" in resp.json["errors"][0]["error"] and resp.json["error"].startswith("1 of 2 mappings not saved")
    assert {v["shopify_value"]: v["oms_value"] for v in resp.json["values"]}["Shirts"] == "FINISHED_GOOD"
    assert mappings.resolve(shop.id, "product_type", "Shirts") == "FINISHED_GOOD"
    assert mappings.resolve(shop.id, "product_type", "Mugs") is None
    ok = put(client, auth_headers, "product_type", {"mappings": [{"shopify_value": "Mugs", "oms_value": "KIT"}]})
    assert ok.status_code == 200 and ok.json["errors"] == []


def test_put_not_json_is_400(client, shop, auth_headers):
    resp = client.put("/api/mappings/product_type", data="nope", headers=auth_headers())
    assert resp.status_code == 400


def test_import_endpoint_refuses_access_none(client, app, auth_headers):
    create_shop(access="none")
    resp = client.post("/api/mappings/import", headers=auth_headers())
    assert resp.status_code == 409


def test_import_endpoint_runs_the_import(client, shop, auth_headers, monkeypatch):
    monkeypatch.setattr("shopify_app.sync.mappings.import_values.client_for", lambda shop, **kw: FakeClient())
    resp = client.post("/api/mappings/import", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    assert resp.json["added"]["product_type"] == 3 and resp.json["skipped"] == []
    listed = client.get("/api/mappings/product_type", headers=auth_headers()).json
    assert {v["shopify_value"] for v in listed["values"]} == {"Shirts", "Mugs", "Gift Cards"}
