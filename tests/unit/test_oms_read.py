"""GET /oms/v1/products and /oms/v1/orders: API keys, filters, cursor pagination, 400s,
and the OpenAPI document (valid, and matching the responses)."""
from __future__ import annotations

import json

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from shopify_app.extensions import db
from shopify_app.sync import bulk
from shopify_app.sync.orders.mapper import Mapper
from shopify_app.sync.orders.sink import OrderSink
from shopify_app.sync.products.sink import ProductSink
from shopify_app.sync.products.type_mapping import TypeResolver
from shopify_app.sync.products.write import mark_deleted

from .test_bulk_stream import Ctx, catalog_lines, jsonl, order_lines


@pytest.fixture
def data(app, shop):
    bulk.ingest(Ctx(), jsonl(catalog_lines(25, 2)), ProductSink(shop.id, TypeResolver(shop.id)))
    bulk.ingest(Ctx(), jsonl(order_lines(12, 3)), OrderSink(shop.id, Mapper(shop.id)))
    mark_deleted(shop.id, "gid://shopify/Product/1")
    db.session.commit()
    return shop


def schema_validator(client, name):
    doc = client.get("/oms/v1/openapi.json").get_json()
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return OAS30Validator(schema)


def page_through(client, path, oms, **params):
    items, cursor, pages = [], None, 0
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        resp = client.get(path, query_string=query, headers=oms)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_an_api_key_is_required(client, data):
    assert client.get("/oms/v1/products").status_code == 401
    assert client.get("/oms/v1/orders", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_products_paginate_with_an_opaque_cursor(client, data, oms):
    items, pages = page_through(client, "/oms/v1/products", oms, limit=10)
    assert pages == 3
    assert len(items) == len({i["id"] for i in items}) == 25
    first = next(i for i in items if i["id"] == "gid://shopify/Product/2")
    assert first["shop"] == data.domain
    assert [v["id"] for v in first["variants"]] == ["gid://shopify/ProductVariant/200", "gid://shopify/ProductVariant/201"]
    assert first["variants"][0]["inventory_item_id"] == "gid://shopify/InventoryItem/200"
    gone = next(i for i in items if i["id"] == "gid://shopify/Product/1")
    assert gone["deleted"] and gone["status"] == "deleted" and all(v["deleted"] for v in gone["variants"])


def test_product_filters(client, data, oms):
    deleted = client.get("/oms/v1/products", query_string={"status": "deleted"}, headers=oms).get_json()["items"]
    assert [p["id"] for p in deleted] == ["gid://shopify/Product/1"]
    active = client.get("/oms/v1/products", query_string={"status": "ACTIVE", "limit": 1000}, headers=oms).get_json()["items"]
    assert len(active) == 24
    other = client.get("/oms/v1/products", query_string={"shop": "nobody.myshopify.com"}, headers=oms).get_json()
    assert other == {"items": [], "next_cursor": None}
    later = client.get("/oms/v1/products", query_string={"updated_since": "2999-01-01T00:00:00Z"}, headers=oms).get_json()
    assert later["items"] == []
    mine = client.get("/oms/v1/products", query_string={"shop": data.domain, "updated_since": "2000-01-01T00:00:00+00:00"},
                      headers=oms).get_json()
    assert len(mine["items"]) == 25


def test_orders_carry_lines_addresses_and_mapped_methods(client, data, oms):
    items, _ = page_through(client, "/oms/v1/orders", oms, limit=5, shop=data.domain)
    assert len(items) == 12
    o = next(i for i in items if i["id"] == "gid://shopify/Order/3")
    assert o["status"] == "open" and o["broker_status"] == "queued"
    assert [l["id"] for l in o["lines"]] == [f"gid://shopify/LineItem/{300 + n}" for n in range(3)]
    assert o["shipping_address"]["city"] == "Ottawa"
    assert o["sales_channel"] is None and o["unmapped"]["sales_channel"] == "web"
    assert o["payment_gateways"] == ["paypal"] and o["shipping_lines"][0]["title"] == "Standard"
    queued = client.get("/oms/v1/orders", query_string={"broker_status": "queued"}, headers=oms).get_json()
    assert len(queued["items"]) == 12
    cancelled = client.get("/oms/v1/orders", query_string={"status": "cancelled"}, headers=oms).get_json()
    assert cancelled["items"] == []
    every = client.get("/oms/v1/orders", query_string={"status": "any", "limit": 1000}, headers=oms).get_json()
    assert len(every["items"]) == len(client.get("/oms/v1/orders", query_string={"limit": 1000}, headers=oms).get_json()["items"])


@pytest.mark.parametrize("path,params", [
    ("/oms/v1/products", {"updated_since": "yesterday"}),
    ("/oms/v1/products", {"status": "sold"}),
    ("/oms/v1/products", {"cursor": "not-a-cursor!!"}),
    ("/oms/v1/products", {"limit": "0"}),
    ("/oms/v1/orders", {"shop": "not a shop"}),
    ("/oms/v1/orders", {"status": "lost"}),
    ("/oms/v1/orders", {"cursor": "eyJ4IjoxfQ"}),  # valid base64 JSON, not our shape
    ("/oms/v1/orders", {"limit": "5000"}),
])
def test_malformed_filters_are_400(client, data, oms, path, params):
    resp = client.get(path, query_string=params, headers=oms)
    assert resp.status_code == 400
    assert resp.get_json()["error"]


def test_the_openapi_document_is_valid_and_matches_the_responses(client, data, oms):
    doc = client.get("/oms/v1/openapi.json").get_json()
    validate_spec(json.loads(json.dumps(doc)))
    assert "/products" in doc["paths"] and "/orders" in doc["paths"]
    for path, name in (("/oms/v1/products", "ProductPage"), ("/oms/v1/orders", "OrderPage")):
        body = client.get(path, query_string={"limit": 3}, headers=oms).get_json()
        assert body["items"] and body["next_cursor"]
        schema_validator(client, name).validate(body)
        error = client.get(path, query_string={"status": "?"}, headers=oms).get_json()
        schema_validator(client, "Error").validate(error)
    # and an order straight from a webhook payload (REST shape, mostly nulls) fits too
    from shopify_app.sync.orders.normalize import order_from_rest
    from shopify_app.sync.orders.write import apply_order
    sample = json.load(open("/work/shared/shopify/webhooks/orders/updated.json"))
    apply_order(data.id, order_from_rest(sample), Mapper(data.id), only_held_or_wanted=False)
    db.session.commit()
    body = client.get("/oms/v1/orders", query_string={"limit": 1000}, headers=oms).get_json()
    assert len(body["items"]) == 13
    schema_validator(client, "OrderPage").validate(body)


def test_placeholders_are_decided_when_read_and_carriers_come_with_shipping(client, data, oms):
    from shopify_app.models import MappingValue
    from shopify_app.sync import mappings

    body = client.get("/oms/v1/orders", query_string={"limit": 1}, headers=oms).get_json()
    order = body["items"][0]
    assert order["has_placeholder_products"] and all(l["placeholder_product"] for l in order["lines"])
    # the catalog gets variant 1 (the orders' second line): that line is no placeholder any more
    product = [{"id": "gid://shopify/Product/900", "title": "Late", "updatedAt": "2026-11-02T00:00:00Z"},
               {"id": "gid://shopify/ProductVariant/1", "sku": "X", "__parentId": "gid://shopify/Product/900",
                "updatedAt": "2026-11-02T00:00:00Z"}]
    bulk.ingest(Ctx(), jsonl(product), ProductSink(data.id, TypeResolver(data.id)))
    from sqlalchemy import select

    row = db.session.execute(select(MappingValue).where(
        MappingValue.shop_id == data.id, MappingValue.kind == "shipping_method", MappingValue.shopify_value == "Standard")
    ).scalar_one_or_none()  # found in the data (recorded for the merchant), or not yet
    if row is None:
        row = MappingValue(shop_id=data.id, kind="shipping_method", shopify_value="Standard")
        db.session.add(row)
    row.oms_value, row.oms_carrier = "GROUND", "UPS"
    db.session.commit()
    mappings.invalidate()
    bulk.ingest(Ctx(), jsonl(order_lines(1, 2, version="2026-11-03T00:00:00Z")), OrderSink(data.id, Mapper(data.id)))
    body = client.get("/oms/v1/orders", query_string={"limit": 1000}, headers=oms).get_json()
    first = next(o for o in body["items"] if o["id"] == "gid://shopify/Order/1")
    flags = {l["variant_id"]: l["placeholder_product"] for l in first["lines"]}
    assert flags["gid://shopify/ProductVariant/1"] is False and flags["gid://shopify/ProductVariant/0"] is True
    assert (first["shipping_method"], first["shipping_carrier"]) == ("GROUND", "UPS")
    assert "shipping_method" not in first["unmapped"]
    schema_validator(client, "OrderPage").validate(body)


@pytest.mark.parametrize("path", ["/oms/v1/products", "/oms/v1/orders", "/oms/v1/facilities"])
def test_the_shop_filter_ignores_case_on_every_list(client, data, oms, path):
    from shopify_app.models import Location
    from shopify_app.sync.locations.mapping import create_facility

    loc = Location(shop_id=data.id, shopify_id="gid://shopify/Location/5", legacy_id="5", name="W", address={},
                   active=True, fulfills_online_orders=True, pos=False, deleted=False, is_default=True)
    db.session.add(loc)
    db.session.commit()
    create_facility(data, loc)
    exact = client.get(path, query_string={"shop": data.domain}, headers=oms).get_json()
    shouted = client.get(path, query_string={"shop": data.domain.upper()}, headers=oms).get_json()
    assert exact["items"] and shouted == exact
    # A Kelvin sign (U+212A) lowers to "k": not the shop's domain, and not a 500.
    kelvin = client.get(path, query_string={"shop": "\u212a" + data.domain}, headers=oms)
    assert kelvin.status_code == 400
