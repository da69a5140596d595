"""OMS API keys of a product store see only that store's shops, on every endpoint: lists,
`shop=` filters, reads by id, writes, cursors made by another store's key; each call
needs its permission (403 otherwise, nothing changed); all-stores keys see everything."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopify_app.api_keys import ApiKeyError, create_api_key
from shopify_app.extensions import db
from shopify_app.models import (AtpLevel, FulfillmentRequest, Location, Order, ReconciliationReport, ReturnRequest,
                                Shop, ShopifyReturn)
from shopify_app.product_stores import create_store, link_shop
from shopify_app.sync import bulk
from shopify_app.sync.locations.mapping import create_facility
from shopify_app.sync.orders.mapper import Mapper
from shopify_app.sync.orders.sink import OrderSink
from shopify_app.sync.products.sink import ProductSink
from shopify_app.sync.products.type_mapping import TypeResolver
from shopify_app.web.oms import RESOURCES, openapi_document

from tests.conftest import create_shop
from .test_bulk_stream import Ctx, catalog_lines, jsonl, order_lines

A, B, C = "alpha.myshopify.com", "bravo.myshopify.com", "nostore.myshopify.com"
LISTS = ("/oms/v1/products", "/oms/v1/orders", "/oms/v1/returns", "/oms/v1/facilities", "/oms/v1/reconciliation")


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def add_facility(shop: Shop, num: int, default: bool) -> None:
    loc = Location(shop_id=shop.id, shopify_id=f"gid://shopify/Location/{num}", legacy_id=str(num),
                   name=f"Warehouse {num}", address={}, active=True, fulfills_online_orders=True, pos=False,
                   deleted=False, is_default=default)
    db.session.add(loc)
    db.session.commit()
    create_facility(shop, loc)


def fill(shop: Shop, location_num: int) -> None:
    bulk.ingest(Ctx(), jsonl(catalog_lines(6, 1)), ProductSink(shop.id, TypeResolver(shop.id)))
    bulk.ingest(Ctx(), jsonl(order_lines(5, 1)), OrderSink(shop.id, Mapper(shop.id)))
    db.session.add(ReconciliationReport(shop_id=shop.id, trigger="reconcile", days_checked=7, days=[]))
    db.session.add(ShopifyReturn(shop_id=shop.id, shopify_id="gid://shopify/Return/1",
                                 order_shopify_id="gid://shopify/Order/1", name="#1-R1", status="requested"))
    db.session.commit()
    add_facility(shop, location_num, True)


@pytest.fixture
def world(app, client):
    return build_world(client)


def build_world(client) -> dict:
    """Shops alpha (store Alpha), bravo (store Bravo), nostore (none), each with products,
    orders, a facility, a reconciliation report, a fulfillment and a return; and keys."""
    alpha, bravo = create_store("Alpha"), create_store("Bravo", "barcode")
    shops = {A: create_shop(A), B: create_shop(B), C: create_shop(C)}
    link_shop(alpha, shops[A])
    link_shop(bravo, shops[B])
    db.session.commit()
    for num, domain in enumerate((A, B, C), start=11):
        fill(shops[domain], num)
    add_facility(shops[A], 21, False)  # alpha has two of everything listed a page at a time
    keys = {
        "legacy": create_api_key("legacy")[1],
        "alpha": create_api_key("alpha", alpha)[1],
        "bravo": create_api_key("bravo", bravo)[1],
        "alpha_read": create_api_key("alpha read", alpha, ["read"])[1],
        "alpha_writer": create_api_key("alpha writes", alpha, ["write_inventory", "write_fulfillments",
                                                               "write_returns"])[1],
    }
    for domain in (A, B, C):
        for path, body in (("/oms/v1/fulfillments", fulfillment(domain)), ("/oms/v1/returns", a_return(domain))):
            r = client.post(path, json=body, headers=bearer(keys["legacy"]))
            assert r.status_code == 202, r.get_json()
    for path, body in (("/oms/v1/fulfillments", fulfillment(A, "SHIP-2")), ("/oms/v1/returns", a_return(A, "RET-2"))):
        assert client.post(path, json=body, headers=bearer(keys["legacy"])).status_code == 202
    return {"keys": keys, "shops": shops, "stores": {"Alpha": alpha, "Bravo": bravo}}


def fulfillment(domain: str, external_id: str = "SHIP-1") -> dict:
    return {"shop": domain, "order_id": "gid://shopify/Order/1", "external_id": external_id,
            "lines": [{"sku": "X", "quantity": 1}]}


def a_return(domain: str, external_id: str = "RET-1") -> dict:
    return {"shop": domain, "order_id": 1, "external_id": external_id, "lines": [{"sku": "X", "quantity": 1}]}


def every_item(client, path, key, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        r = client.get(path, query_string=query, headers=bearer(key))
        assert r.status_code == 200, r.get_json()
        items += r.get_json()["items"]
        cursor = r.get_json().get("next_cursor")
        if not cursor:
            return items


@pytest.mark.parametrize("path", LISTS)
def test_a_store_key_lists_only_its_stores_items_and_says_whose_they_are(client, world, path):
    alpha = world["stores"]["Alpha"]
    items = every_item(client, path, world["keys"]["alpha"], limit=2)
    assert items and {i["shop"] for i in items} == {A}
    assert {(i["product_store"]["id"], i["product_store"]["name"]) for i in items} == {(alpha.id, "Alpha")}
    assert {i["shop"] for i in every_item(client, path, world["keys"]["bravo"])} == {B}


@pytest.mark.parametrize("path", LISTS)
def test_an_all_stores_key_still_lists_every_shop(client, world, path):
    items = every_item(client, path, world["keys"]["legacy"])
    assert {i["shop"] for i in items} == {A, B, C}
    assert {i["shop"]: i["product_store"] and i["product_store"]["name"] for i in items} == {
        A: "Alpha", B: "Bravo", C: None}


@pytest.mark.parametrize("path", LISTS)
def test_filtering_on_another_stores_shop_answers_as_an_unknown_shop(client, world, path):
    key = bearer(world["keys"]["bravo"])
    theirs = client.get(path, query_string={"shop": A}, headers=key)
    unknown = client.get(path, query_string={"shop": "never-heard-of.myshopify.com"}, headers=key)
    assert theirs.status_code == unknown.status_code == 200
    assert theirs.get_json() == unknown.get_json()
    assert theirs.get_json()["items"] == []
    # The shop under no store is unknown to a store's key too.
    assert client.get(path, query_string={"shop": C}, headers=key).get_json() == unknown.get_json()


@pytest.mark.parametrize("path", ("/oms/v1/products", "/oms/v1/orders", "/oms/v1/returns", "/oms/v1/facilities"))
def test_a_cursor_made_by_another_stores_key_carries_no_authority(client, world, path):
    first = client.get(path, query_string={"limit": 1}, headers=bearer(world["keys"]["alpha"])).get_json()
    assert first["items"][0]["shop"] == A and first["next_cursor"]
    # After that cursor there are alpha items still (the all-stores key sees them) ...
    assert A in {i["shop"] for i in every_item(client, path, world["keys"]["legacy"], cursor=first["next_cursor"])}
    # ... and bravo's key, replaying it, sees its own only.
    replayed = every_item(client, path, world["keys"]["bravo"], limit=1, cursor=first["next_cursor"])
    assert replayed and {i["shop"] for i in replayed} == {B}
    # And from the legacy key's cursor, which has seen every shop.
    legacy = client.get(path, query_string={"limit": 1}, headers=bearer(world["keys"]["legacy"])).get_json()
    assert {i["shop"] for i in every_item(client, path, world["keys"]["bravo"], cursor=legacy["next_cursor"])} <= {B}


@pytest.mark.parametrize("collection", ("fulfillments", "returns"))
def test_reading_another_stores_record_answers_404_as_an_unknown_shop(client, world, collection):
    external_id = "SHIP-1" if collection == "fulfillments" else "RET-1"
    key = bearer(world["keys"]["bravo"])
    theirs = client.get(f"/oms/v1/{collection}/{external_id}", query_string={"shop": A}, headers=key)
    assert theirs.status_code == 404
    assert theirs.get_json() == {"error": f"unknown shop {A!r}"}
    unknown = client.get(f"/oms/v1/{collection}/{external_id}", query_string={"shop": "zz.myshopify.com"},
                         headers=key)
    assert unknown.get_json() == {"error": "unknown shop 'zz.myshopify.com'"}
    own = client.get(f"/oms/v1/{collection}/{external_id}", query_string={"shop": B}, headers=key)
    assert own.status_code == 200
    assert own.get_json()["product_store"] == {"id": world["stores"]["Bravo"].id, "name": "Bravo"}
    legacy = client.get(f"/oms/v1/{collection}/{external_id}", query_string={"shop": A},
                        headers=bearer(world["keys"]["legacy"]))
    assert legacy.status_code == 200 and legacy.get_json()["shop"] == A


@pytest.mark.parametrize(("path", "body"), (("/oms/v1/fulfillments", fulfillment), ("/oms/v1/returns", a_return)))
def test_writing_to_another_stores_shop_answers_404_and_stores_nothing(client, world, path, body):
    model = FulfillmentRequest if "fulfillments" in path else ReturnRequest
    before = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    key = bearer(world["keys"]["bravo"])
    theirs = client.post(path, json=body(A, "NEW-1"), headers=key)
    unknown = client.post(path, json=body("zz.myshopify.com", "NEW-1"), headers=key)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_json()["error"].replace(A, "X") == unknown.get_json()["error"].replace("zz.myshopify.com", "X")
    # A malformed body answers 400 whoever's shop it names, as for an unknown shop.
    assert client.post(path, json={**body(A, "NEW-2"), "lines": "x"}, headers=key).status_code == 400
    assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == before
    assert client.post(path, json=body(B, "NEW-1"), headers=key).status_code == 202


def test_brokering_status_of_another_stores_order_answers_404_and_changes_nothing(client, world):
    key = bearer(world["keys"]["bravo"])
    path = "/oms/v1/orders/gid://shopify/Order/1/status"
    theirs = client.post(path, json={"shop": A, "status": "rejected"}, headers=key)
    assert theirs.status_code == 404 and theirs.get_json() == {"error": f"unknown shop {A!r}"}
    order = db.session.execute(select(Order).where(Order.shop_id == world["shops"][A].id,
                                                   Order.shopify_id == "gid://shopify/Order/1")).scalar_one()
    db.session.refresh(order)
    assert order.broker_status == "queued"
    assert client.post(path, json={"shop": B, "status": "rejected"}, headers=key).status_code == 200


def test_inventory_for_another_stores_facility_is_an_unknown_facility(client, world):
    key = bearer(world["keys"]["bravo"])
    theirs = client.put("/oms/v1/inventory", json=[{"facility_id": "SHOPIFY_11", "sku": "X", "atp": 5}], headers=key)
    unknown = client.put("/oms/v1/inventory", json=[{"facility_id": "SHOPIFY_99", "sku": "X", "atp": 5}], headers=key)
    assert theirs.status_code == unknown.status_code == 422
    assert theirs.get_json()["error"].replace("SHOPIFY_11", "F") == unknown.get_json()["error"].replace("SHOPIFY_99", "F")
    # All or nothing: its own facility in the same call is not stored either.
    mixed = [{"facility_id": "SHOPIFY_12", "sku": "X", "atp": 5}, {"facility_id": "SHOPIFY_11", "sku": "X", "atp": 5}]
    r = client.put("/oms/v1/inventory", json=mixed, headers=key)
    assert r.status_code == 422 and [row["index"] for row in r.get_json()["rows"]] == [1]
    assert db.session.execute(select(func.count()).select_from(AtpLevel)).scalar_one() == 0
    ok = client.put("/oms/v1/inventory", json=mixed[:1], headers=key)
    assert ok.status_code == 200 and ok.get_json()["shops"] == 1
    legacy = client.put("/oms/v1/inventory", json=mixed, headers=bearer(world["keys"]["legacy"]))
    assert legacy.status_code == 200 and legacy.get_json()["shops"] == 2


WRITES = (
    ("put", "/oms/v1/inventory", [{"facility_id": "SHOPIFY_11", "sku": "X", "atp": 5}], "write_inventory"),
    ("post", "/oms/v1/fulfillments", fulfillment(A, "NEW-1"), "write_fulfillments"),
    ("post", "/oms/v1/returns", a_return(A, "NEW-1"), "write_returns"),
    ("post", "/oms/v1/orders/gid://shopify/Order/1/status", {"shop": A, "status": "rejected"}, "write_fulfillments"),
)


@pytest.mark.parametrize(("method", "path", "body", "permission"), WRITES)
def test_a_write_beyond_the_keys_permissions_answers_403_and_changes_nothing(client, world, method, path, body,
                                                                              permission):
    def state():
        counts = [db.session.execute(select(func.count()).select_from(m)).scalar_one()
                  for m in (AtpLevel, FulfillmentRequest, ReturnRequest)]
        return counts, sorted(db.session.execute(select(Order.broker_status)).scalars())

    before = state()
    r = getattr(client, method)(path, json=body, headers=bearer(world["keys"]["alpha_read"]))
    assert r.status_code == 403
    assert r.get_json() == {"error": f"this API key lacks the {permission} permission"}
    db.session.expire_all()
    assert state() == before
    allowed = getattr(client, method)(path, json=body, headers=bearer(world["keys"]["alpha_writer"]))
    assert allowed.status_code in (200, 202), allowed.get_json()


@pytest.mark.parametrize("path", LISTS + ("/oms/v1/fulfillments/SHIP-1?shop=" + A, "/oms/v1/returns/RET-1?shop=" + A))
def test_every_read_needs_the_read_permission(client, world, path):
    r = client.get(path, headers=bearer(world["keys"]["alpha_writer"]))
    assert r.status_code == 403 and r.get_json() == {"error": "this API key lacks the read permission"}
    assert client.get(path, headers=bearer(world["keys"]["alpha_read"])).status_code == 200


def test_every_route_checks_a_permission_and_the_document_states_the_403():
    writes = {("PUT", "/inventory"): "write_inventory", ("POST", "/fulfillments"): "write_fulfillments",
              ("POST", "/returns"): "write_returns", ("POST", "/orders/<path:order_id>/status"): "write_fulfillments"}
    routes = {(method, rule): view.required_permission
              for resource in RESOURCES for rule, method, view in resource.routes}
    assert {route: p for route, p in routes.items() if route[0] != "GET"} == writes
    assert {p for route, p in routes.items() if route[0] == "GET"} == {"read"}
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "403" in operation["responses"], (method, path)
    for name in ("Product", "Order", "ReturnListItem", "Facility", "ReconciliationReport", "Fulfillment", "Return"):
        schema = document["components"]["schemas"][name]
        assert schema["properties"]["product_store"] == {"$ref": "#/components/schemas/ProductStoreRef"}
        assert "product_store" in schema["required"]


def test_a_key_with_an_unknown_permission_is_not_made(app):
    with pytest.raises(ApiKeyError, match="unknown permission"):
        create_api_key("bad", None, ["read", "write_everything"])
    with pytest.raises(ApiKeyError):
        create_api_key("none", None, [])


def test_both_sources_of_returns_and_the_orders_returns_are_scoped(client, world):
    items = every_item(client, "/oms/v1/returns", world["keys"]["bravo"], limit=1)
    assert sorted((i["source"], i["shop"]) for i in items) == [("oms", B), ("shopify", B)]
    orders = every_item(client, "/oms/v1/orders", world["keys"]["bravo"])
    nested = [r for o in orders for r in o["returns"]]
    assert nested and {(r["shop"], r["product_store"]["name"]) for r in nested} == {(B, "Bravo")}
