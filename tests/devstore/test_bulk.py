"""Bulk operations: JSONL as Shopify writes it, status, failures, limits."""
from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.integration

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""

NESTED = """{ products(query: "status:active") { edges { node { id title
  variants { edges { node { id sku inventoryItem { id inventoryLevels { edges { node { id
     quantities(names: ["available"]) { name quantity } } } } } } } } } } } }"""


def _run(shop, query):
    j = shop.graphql(RUN, {"q": query})
    return j["data"]["bulkOperationRunQuery"]


def test_nested_query_jsonl(devstore_shop):
    shop = devstore_shop
    out = _run(shop, NESTED)
    assert out["userErrors"] == [] and out["bulkOperation"]["status"] == "CREATED"
    op = shop.client.wait_bulk(shop.domain, out["bulkOperation"]["id"], shop.token)
    assert op["status"] == "COMPLETED" and op["errorCode"] is None and op["partialDataUrl"] is None
    body = requests.get(op["url"]).content
    assert int(op["fileSize"]) == len(body)
    lines = [json.loads(x) for x in body.decode().splitlines()]
    assert int(op["objectCount"]) == len(lines)
    seen = set()
    products = [l for l in lines if l["id"].startswith("gid://shopify/Product/")]
    assert int(op["rootObjectCount"]) == len(products)
    for l in lines:
        kind = l["id"].split("/")[3]
        if kind == "Product":
            assert "__parentId" not in l and "variants" not in l
        elif kind == "ProductVariant":
            assert l["__parentId"].startswith("gid://shopify/Product/")
            assert "inventoryItem" in l and "inventoryLevels" not in l["inventoryItem"]
        elif kind == "InventoryLevel":
            assert l["__parentId"].startswith("gid://shopify/ProductVariant/")
            assert l["quantities"][0]["name"] == "available"
        assert l.get("__parentId") is None or l["__parentId"] in seen   # children after their parent
        seen.add(l["id"])
    # matches the paginated answer
    active = shop.graphql('{ productsCount(query: "status:active") { count } }')["data"]["productsCount"]["count"]
    assert len(products) == active
    ops = shop.graphql("{ bulkOperations(first: 5) { nodes { id status } } }")["data"]["bulkOperations"]["nodes"]
    assert [o["id"] for o in ops] == [op["id"]]


def test_invalid_bulk_queries(devstore_shop):
    shop = devstore_shop
    out = _run(shop, "{ products { edges { node { nope } } } }")
    assert out["bulkOperation"] is None and out["userErrors"][0]["field"] == ["query"]
    assert "nope" in out["userErrors"][0]["message"]
    out = _run(shop, "{ shop { name } }")
    assert out["userErrors"][0]["code"] == "INVALID"
    deep = """{ products { edges { node { id variants { edges { node { id inventoryItem { id
        inventoryLevels { edges { node { id location { id inventoryLevels { edges { node { id } } } } } } } } } } } } } } }"""
    out = _run(shop, deep)
    assert any("nesting depth" in e["message"] for e in out["userErrors"])
    out = _run(shop, "{ products { pageInfo { hasNextPage } } }")
    assert any("edges { node }" in e["message"] for e in out["userErrors"])
    no_id = "{ products { edges { node { title variants { edges { node { id } } } } } } }"
    out = _run(shop, no_id)
    assert any("'id'" in e["message"] for e in out["userErrors"])


def test_failed_bulk_operation_has_partial_data(devstore, devstore_shop):
    shop = devstore_shop
    devstore.client.faults(bulk_fail={"errorCode": "TIMEOUT", "after_objects": 3, "shop": shop.domain})
    try:
        out = _run(shop, "{ products { edges { node { id } } } }")
        op = shop.client.wait_bulk(shop.domain, out["bulkOperation"]["id"], shop.token)
    finally:
        devstore.client.faults(bulk_fail=None)
    assert op["status"] == "FAILED" and op["errorCode"] == "TIMEOUT"
    assert op["url"] is None and op["partialDataUrl"]
    assert len(requests.get(op["partialDataUrl"]).text.splitlines()) == 3 == int(op["objectCount"])


def test_concurrency_limit_and_cancel(devstore, devstore_shop):
    shop = devstore_shop
    devstore.client.faults(bulk_chunk_delay_ms=1500)   # each chunk waits: operations stay RUNNING a while
    try:
        ids = [_run(shop, "{ products { edges { node { id } } } }")["bulkOperation"]["id"] for _ in range(5)]
        sixth = _run(shop, "{ products { edges { node { id } } } }")
        assert sixth["bulkOperation"] is None and sixth["userErrors"][0]["code"] == "LIMIT_REACHED"
        running = shop.graphql('{ bulkOperations(first: 10, query: "status:running OR status:created") '
                               '{ nodes { id } } }')["data"]["bulkOperations"]["nodes"]
        assert ids[0] in [n["id"] for n in running]
        C = "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }"
        c = shop.graphql(C, {"id": ids[0]})["data"]["bulkOperationCancel"]
        assert c["userErrors"] == [] and c["bulkOperation"]["status"] == "CANCELING"
        assert shop.client.wait_bulk(shop.domain, ids[0], shop.token)["status"] == "CANCELED"
        for i in ids[1:]:
            assert shop.client.wait_bulk(shop.domain, i, shop.token)["status"] == "COMPLETED"
    finally:
        devstore.client.faults(bulk_chunk_delay_ms=0)
    again = shop.graphql("mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }",
                         {"id": ids[1]})
    assert "completed" in again["data"]["bulkOperationCancel"]["userErrors"][0]["message"]


def _jsonl(shop, query):
    out = _run(shop, query)
    assert out["userErrors"] == [], out["userErrors"]
    op = shop.client.wait_bulk(shop.domain, out["bulkOperation"]["id"], shop.token)
    assert op["status"] == "COMPLETED"
    return [json.loads(x) for x in requests.get(op["url"]).content.decode().splitlines()]


def test_a_bulk_query_spreading_fragments_writes_the_jsonl_of_the_same_query_inline(devstore_shop):
    fragmented = """query Bulk { products { edges { node { ...Product variants { edges { node { ...Variant } } } } } } }
fragment Product on Product { id title ...Media }
fragment Media on Product { media { edges { node { ... on MediaImage { id image { url } } } } } }
fragment Variant on ProductVariant { id sku inventoryItem { id } }"""
    inline = """{ products { edges { node { id title media { edges { node { ... on MediaImage { id image { url } } } } }
  variants { edges { node { id sku inventoryItem { id } } } } } } } }"""
    lines = _jsonl(devstore_shop, fragmented)
    assert lines == _jsonl(devstore_shop, inline)
    assert any(l.get("__parentId") and l["id"].startswith("gid://shopify/ProductVariant/") for l in lines)
    assert all("variants" not in l and "media" not in l for l in lines)


def test_bulk_limits_count_the_connections_inside_fragments(devstore_shop):
    deep = """{ products { edges { node { ...P } } } }
fragment P on Product { id variants { edges { node { ...V } } } }
fragment V on ProductVariant { id inventoryItem { id inventoryLevels { edges { node { id
  location { id inventoryLevels { edges { node { id } } } } } } } } }"""
    out = _run(devstore_shop, deep)
    assert any("nesting depth" in e["message"] for e in out["userErrors"])
    no_id = "{ products { edges { node { ...P } } } }\nfragment P on Product { title variants { edges { node { id } } } }"
    out = _run(devstore_shop, no_id)
    assert any("'id'" in e["message"] for e in out["userErrors"])
