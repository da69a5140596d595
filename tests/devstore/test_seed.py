"""devstore.seed: deterministic, realistic, lazy, fast."""
from __future__ import annotations

import json
from pathlib import Path
import time
from collections import Counter

import pytest

from devstore import seed
from devstore.graphql.schema import SDL_PATH

SHOP = "seed-test.myshopify.com"


def dump(data: seed.SeedData) -> str:
    return json.dumps({"shop": data.shop, "locations": data.locations, "products": list(data.products),
                       "orders": list(data.orders), "customers": list(data.customers),
                       "publications": data.publications, "delivery_profiles": data.delivery_profiles},
                      sort_keys=True)


@pytest.fixture(scope="module")
def store():
    return seed.generate(seed=42, products=120, orders=400, locations=4, shop_domain=SHOP)


@pytest.fixture(scope="module")
def products(store):
    return list(store.products)


@pytest.fixture(scope="module")
def orders(store):
    return list(store.orders)


def test_same_seed_same_data():
    a = seed.generate(seed=7, products=25, orders=40, shop_domain=SHOP)
    b = seed.generate(seed=7, products=25, orders=40, shop_domain=SHOP)
    assert dump(a) == dump(b)
    c = seed.generate(seed=8, products=25, orders=40, shop_domain=SHOP)
    assert dump(a) != dump(c)


def test_lazy_items_do_not_depend_on_reading_order():
    d = seed.generate(seed=3, products=50, orders=50, shop_domain=SHOP)
    backwards = [d.orders[i] for i in reversed(range(50))][::-1]
    assert json.dumps(backwards, sort_keys=True) == json.dumps(list(d.orders), sort_keys=True)
    assert d.products[17] == list(d.products)[17]
    # callers may mutate what they get: the next read is fresh
    p = d.products[0]
    p["title"] = "changed"
    p["variants"].clear()
    assert d.products[0]["title"] != "changed" and d.products[0]["variants"]
    assert d.products[-1]["id"] == list(d.products)[-1]["id"]
    with pytest.raises(IndexError):
        d.products[50]


def test_products_variants_skus(products):
    skus = [v["sku"] for p in products for v in p["variants"]]
    assert len(skus) == len(set(skus)) and all(skus)
    barcodes = [v["barcode"] for p in products for v in p["variants"]]
    assert len(barcodes) == len(set(barcodes))
    counts = Counter(len(p["variants"]) for p in products)
    assert set(counts) <= set(range(1, 7)) and 1 in counts and max(counts) >= 5
    ids = [v["id"] for p in products for v in p["variants"]]
    assert len(ids) == len(set(ids))
    assert len({p["productType"] for p in products}) > 10
    assert len({p["vendor"] for p in products}) > 5
    assert {p["status"] for p in products} >= {"ACTIVE", "DRAFT"}
    assert any(p["tags"] for p in products)
    for p in products:
        assert p["id"].startswith("gid://shopify/Product/")
        assert p["images"] and p["media"] and p["options"]
        names = [o["name"] for o in p["options"]]
        for v in p["variants"]:
            assert [o["name"] for o in v["selectedOptions"]] == names
            assert v["inventoryItem"]["sku"] == v["sku"]
            assert float(v["price"]) > 0
            for lv in v["inventoryItem"]["inventoryLevels"]:
                q = lv["quantities"]
                assert q["on_hand"] == q["available"] + q["committed"] + q["reserved"]
                assert lv["location"]["id"].startswith("gid://shopify/Location/")
        if len(p["variants"]) == 1:
            assert p["hasOnlyDefaultVariant"] and p["variants"][0]["title"] == "Default Title"


def test_locations_pos_and_online(store, products):
    locs = store.locations
    assert locs[0]["fulfillsOnlineOrders"] is True
    assert any(not l["fulfillsOnlineOrders"] for l in locs)
    stocked = Counter(lv["location"]["id"] for p in products for v in p["variants"]
                      for lv in v["inventoryItem"]["inventoryLevels"])
    assert set(stocked) == {l["id"] for l in locs}


def test_orders_channels_gateways_shipping(orders):
    assert {o["sourceName"] for o in orders} == {"web", "pos", "shopify_draft_order"}
    gateways = {g for o in orders for g in o["paymentGatewayNames"]}
    assert gateways >= {"shopify_payments", "manual", "paypal", "gift_card", "cash"}
    titles = {s["title"] for o in orders for s in o["shippingLines"]}
    assert len(titles) >= 5
    for o in orders:
        assert o["name"] == f"#{o['number']}"
        assert o["app"]["name"]
        assert o["lineItems"]
        if o["sourceName"] != "pos":
            assert o["shippingAddress"] and o["billingAddress"]
            assert o["shippingLines"]


def test_orders_lifecycle(orders):
    statuses = Counter(o["displayFulfillmentStatus"] for o in orders)
    assert statuses["FULFILLED"] and statuses["UNFULFILLED"] and statuses["PARTIALLY_FULFILLED"]
    assert any(o["cancelledAt"] for o in orders)
    assert any(o["edited"] for o in orders)
    assert any(o["refunds"] for o in orders)
    assert any(o["returns"] for o in orders)
    assert {o["displayFinancialStatus"] for o in orders} >= {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}
    for o in orders:
        lines = {l["id"]: l for l in o["lineItems"]}
        fulfilled = Counter()
        for f in o["fulfillments"]:
            assert f["trackingInfo"] or f["requiresShipping"] is False or not o["shippingLines"] or \
                o["shippingLines"][0]["title"] == "Local Pickup"
            for fl in f["fulfillmentLineItems"]:
                fulfilled[fl["lineItem"]["id"]] += fl["quantity"]
        for fo in o["fulfillmentOrders"]:
            assert fo["assignedLocation"]["location"]["id"]
            for fl in fo["lineItems"]:
                assert 0 <= fl["remainingQuantity"] <= fl["totalQuantity"]
                assert fl["lineItem"]["id"] in lines
        for lid, l in lines.items():
            assert fulfilled[lid] <= l["quantity"]
            if not o["cancelledAt"]:
                assert l["unfulfilledQuantity"] == l["currentQuantity"] - fulfilled[lid]
        for r in o["refunds"]:
            for rl in r["refundLineItems"]:
                assert rl["lineItem"]["id"] in lines and rl["quantity"] >= 1


def test_publications_and_delivery_profiles(store):
    assert {p["name"] for p in store.publications} == {"Online Store", "Point of Sale"}
    names = {m["name"] for dp in store.delivery_profiles for g in dp["profileLocationGroups"]
             for z in g["locationGroupZones"] for m in z["methodDefinitions"]}
    assert {"Standard Shipping", "Express Shipping", "Local Pickup"} <= names


def test_ids_below_store_range(store, products, orders):
    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "id" and isinstance(v, str) and v.startswith("gid://"):
                    yield int(v.rsplit("/", 1)[1].split("?")[0])
                else:
                    yield from walk(v)
        elif isinstance(o, list):
            for v in o:
                yield from walk(v)
    assert max(walk([products, orders, store.locations])) < 9_000_000_000_000


def test_hundred_thousand_variants_in_seconds():
    n = seed.products_for_variants(100_000)
    d = seed.generate(seed=11, products=n, orders=0, shop_domain=SHOP)
    # CPU time, not wall time: a busy machine (a parallel suite) must not fail it
    t = time.process_time()
    variants = sum(len(p["variants"]) for p in d.products)
    elapsed = time.process_time() - t
    assert 95_000 <= variants <= 105_000
    assert variants == d.count_variants()
    print(f"{variants} variants streamed in {elapsed:.2f}s")
    assert elapsed < 20, f"{variants} variants took {elapsed:.1f}s"


# --- every key is a field of the Admin GraphQL schema ----------------------------------------------------
SCHEMA = Path(SDL_PATH)   # the schema devstore serves: the app's API version
# (type, key): stored in a handier shape than the schema's, by the internal contract
SHAPED = {("InventoryLevel", "quantities")}


def _check(schema, obj, type_name, path, errors):
    from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, get_named_type
    t = schema.type_map[type_name]
    if isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)):
        gid = obj.get("id") if isinstance(obj, dict) else None
        concrete = gid.split("/")[3] if isinstance(gid, str) and gid.startswith("gid://") else None
        if concrete not in schema.type_map:
            return
        t = schema.type_map[concrete]
    if not isinstance(t, GraphQLObjectType) or not isinstance(obj, dict):
        return
    for key, value in obj.items():
        field = t.fields.get(key)
        if field is None:
            errors.append(f"{path}.{key}: no field {t.name}.{key}")
            continue
        if (t.name, key) in SHAPED or value is None:
            continue
        named = get_named_type(field.type)
        if named.name.endswith("Connection") and "nodes" in getattr(named, "fields", {}):
            named = get_named_type(named.fields["nodes"].type)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(named, GraphQLEnumType):
                if item not in named.values:
                    errors.append(f"{path}.{key}: {item!r} is not a {named.name}")
            elif isinstance(item, dict):
                _check(schema, item, named.name, f"{path}.{key}[{i}]", errors)


def test_keys_are_schema_field_names(store, products, orders):
    if not SCHEMA.exists():
        pytest.skip("the Admin schema is not available")
    from graphql import build_schema
    schema = build_schema(SCHEMA.read_text(), assume_valid=True)
    errors: list[str] = []
    _check(schema, store.shop, "Shop", "shop", errors)
    for l in store.locations:
        _check(schema, l, "Location", "location", errors)
    for p in products[:40]:
        _check(schema, p, "Product", "product", errors)
    for o in orders[:200]:
        _check(schema, o, "Order", "order", errors)
    for c in list(store.customers)[:20]:
        _check(schema, c, "Customer", "customer", errors)
    for p in store.publications:
        _check(schema, p, "Publication", "publication", errors)
    for dp in store.delivery_profiles:
        _check(schema, dp, "DeliveryProfile", "delivery_profile", errors)
    assert not sorted(set(errors)), "\n".join(sorted(set(errors))[:60])


def test_sku_edge_cases_only_on_request():
    d = seed.generate(seed=9, products=300, orders=0, shop_domain=SHOP, sku_edge_cases=True)
    skus = [v["sku"] for p in d.products for v in p["variants"]]
    assert "" in skus
    shared = Counter(s for s in skus if s.startswith("SHARED-"))
    assert shared and max(shared.values()) > 1
    plain = seed.generate(seed=9, products=300, orders=0, shop_domain=SHOP)
    skus = [v["sku"] for p in plain.products for v in p["variants"]]
    assert all(skus) and len(skus) == len(set(skus))
