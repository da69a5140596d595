"""Admin GraphQL: auth, validation and scope errors, resolvers, cost arithmetic, throttling."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.integration


def test_token_required(devstore, devstore_shop):
    r = devstore.client.graphql(devstore_shop.domain, "{ shop { name } }", token="", raw=True)
    assert r.status_code == 401
    assert r.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    r = devstore.client.graphql(devstore_shop.domain, "{ shop { name } }", token="shpat_nope", raw=True)
    assert r.status_code == 401


def test_shop_fields(devstore_shop):
    j = devstore_shop.graphql("""{ shop { name email contactEmail shopOwnerName myshopifyDomain currencyCode
        weightUnit ianaTimezone billingAddress { countryCodeV2 }
        plan { displayName publicDisplayName partnerDevelopment shopifyPlus } primaryDomain { host url } } }""")
    assert "errors" not in j, j
    shop = j["data"]["shop"]
    assert shop["myshopifyDomain"] == devstore_shop.domain
    assert shop["currencyCode"] == "USD"
    assert shop["plan"]["shopifyPlus"] is False
    assert shop["billingAddress"]["countryCodeV2"]
    cost = j["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 4 and cost["actualQueryCost"] == 4  # shop, billingAddress, plan, domain
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_validation_errors_in_shopify_shape(devstore_shop):
    j = devstore_shop.graphql("{ shop { nope } }")
    err = j["errors"][0]
    assert err["message"] == "Field 'nope' doesn't exist on type 'Shop'"
    assert err["locations"] == [{"line": 1, "column": 10}]
    assert err["extensions"]["code"] == "undefinedField"
    assert "data" not in j
    j = devstore_shop.graphql("{ product { id } }")
    assert j["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    j = devstore_shop.graphql("{ shop { name ")
    assert j["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


def test_variables_are_coerced(devstore_shop):
    q = "query($id: ID!) { product(id: $id) { id } }"
    j = devstore_shop.graphql(q, {})
    assert j["errors"][0]["message"] == "Variable $id of type ID! was provided invalid value"
    assert j["errors"][0]["extensions"]["problems"]
    j = devstore_shop.graphql("query($n: Int!) { products(first: $n) { nodes { id } } }", {"n": "ten"})
    assert "invalid value" in j["errors"][0]["message"]


def test_access_denied_per_field(devstore, devstore_shop):
    tok = devstore.client.new_token(devstore_shop.domain, scopes=["read_products"])["access_token"]
    # a denied non-null field nulls the whole answer, as on Shopify
    j = devstore_shop.graphql("{ shop { name } orders(first: 1) { nodes { id } } }", token=tok)
    assert j["data"] is None
    err = j["errors"][0]
    assert err["path"] == ["orders"]
    # a denied nullable field leaves the rest of the answer
    j = devstore_shop.graphql('{ shop { name } order(id: "gid://shopify/Order/1") { id } products(first: 1) { nodes { id } } }',
                              token=tok)
    assert j["data"]["shop"]["name"] and j["data"]["products"]["nodes"]
    assert j["data"]["order"] is None
    assert j["errors"][0]["path"] == ["order"]
    assert err["extensions"]["code"] == "ACCESS_DENIED"
    assert err["message"].startswith("Access denied for orders field. Required access: `read_orders` access scope")
    assert err["extensions"]["documentation"] == "https://shopify.dev/api/usage/access-scopes"
    # write_X implies read_X
    tok = devstore.client.new_token(devstore_shop.domain, scopes=["write_inventory"])["access_token"]
    j = devstore_shop.graphql("{ locations(first: 1) { nodes { id } } }", token=tok)
    assert "errors" not in j, j
    # mutations need their write scope
    j = devstore_shop.graphql("""mutation { inventorySetQuantities(input: {name: "available", reason: "correction",
        quantities: []}) @idempotent(key: "x") { userErrors { code } } }""",
                              token=devstore.client.new_token(devstore_shop.domain, scopes=["read_inventory"])["access_token"])
    assert j["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert j["data"]["inventorySetQuantities"] is None


def test_unmodelled_field_is_a_clear_error(devstore_shop):
    j = devstore_shop.graphql("{ products(first: 1) { nodes { id giftCardTemplateSuffix } } }")
    err = j["errors"][0]
    assert "Product.giftCardTemplateSuffix" in err["message"]
    assert err["extensions"]["code"] == "NOT_MODELED_BY_DEVSTORE"
    assert j["data"]["products"]["nodes"][0]["giftCardTemplateSuffix"] is None


def test_connections_paginate_and_filter(devstore_shop):
    q = """query($after: String) { products(first: 4, after: $after) { edges { cursor node { id } }
           pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    seen, after = [], None
    while True:
        j = devstore_shop.graphql(q, {"after": after})
        conn = j["data"]["products"]
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 10
    assert seen == sorted(seen, key=lambda g: int(g.rsplit("/", 1)[1]))
    last = devstore_shop.graphql("{ products(last: 2) { nodes { id } } }")["data"]["products"]["nodes"]
    assert [n["id"] for n in last] == seen[-2:]
    rev = devstore_shop.graphql("{ products(first: 3, reverse: true) { nodes { id } } }")["data"]["products"]["nodes"]
    assert [n["id"] for n in rev] == seen[::-1][:3]
    mid = seen[4].rsplit("/", 1)[1]
    j = devstore_shop.graphql(f'{{ products(first: 50, query: "id:>{mid}") {{ nodes {{ id }} }} }}')
    assert [n["id"] for n in j["data"]["products"]["nodes"]] == seen[5:]
    j = devstore_shop.graphql('{ products(first: 50, query: "updated_at:>\'2100-01-01T00:00:00Z\'") { nodes { id } } }')
    assert j["data"]["products"]["nodes"] == []
    j = devstore_shop.graphql('{ products(first: 50, query: "status:active") { nodes { status } } }')
    assert {n["status"] for n in j["data"]["products"]["nodes"]} <= {"ACTIVE"}
    j = devstore_shop.graphql("{ products { nodes { id } } }")
    assert j["errors"][0]["message"] == "you must provide one of first or last"


def test_orders_filters_counts_and_nodes(devstore_shop):
    j = devstore_shop.graphql("""{ orders(first: 10, query: "status:open fulfillment_status:unfulfilled") {
        nodes { id name closed cancelledAt displayFulfillmentStatus sourceName paymentGatewayNames
                lineItems(first: 10) { nodes { id sku quantity variant { id } } }
                shippingLines(first: 5) { nodes { title code source } }
                totalPriceSet { shopMoney { amount currencyCode } }
                fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id name } } } } } }
        all: ordersCount(query: "status:any") { count precision } }""")
    assert "errors" not in j, j
    for o in j["data"]["orders"]["nodes"]:
        assert not o["closed"] and o["cancelledAt"] is None
        assert o["displayFulfillmentStatus"] in ("UNFULFILLED", "PARTIALLY_FULFILLED")
    assert j["data"]["all"] == {"count": 10, "precision": "EXACT"}
    ids = [o["id"] for o in devstore_shop.graphql("{ orders(first: 2) { nodes { id } } }")["data"]["orders"]["nodes"]]
    assert len(ids) == 2
    n = devstore_shop.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Order { name } } }",
                              {"ids": ids + ["gid://shopify/Order/1"]})
    assert [x and x["id"] for x in n["data"]["nodes"]] == ids + [None]
    assert n["data"]["nodes"][0]["__typename"] == "Order"


def test_inventory_quantities_and_reference_data(devstore_shop):
    j = devstore_shop.graphql("""{ productVariants(first: 3) { nodes { id sku inventoryQuantity product { id }
        inventoryItem { id tracked inventoryLevels(first: 10) { nodes { id location { id }
            quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } } } }
        productTypes(first: 5) { nodes }
        publications(first: 5) { nodes { id name } }
        deliveryProfiles(first: 5) { nodes { name profileLocationGroups { locationGroupZones(first: 5) {
            nodes { methodDefinitions(first: 5) { nodes { name } } } } } } }
        locations(first: 10) { nodes { id name isActive fulfillsOnlineOrders } } }""")
    assert "errors" not in j, j
    v = j["data"]["productVariants"]["nodes"][0]
    levels = v["inventoryItem"]["inventoryLevels"]["nodes"]
    assert [q["name"] for q in levels[0]["quantities"]] == ["available", "on_hand", "committed"]
    assert v["inventoryQuantity"] == sum(l["quantities"][0]["quantity"] for l in levels)
    names = [m["name"] for p in j["data"]["deliveryProfiles"]["nodes"] for g in p["profileLocationGroups"]
             for z in g["locationGroupZones"]["nodes"] for m in z["methodDefinitions"]["nodes"]]
    assert names
    assert len(j["data"]["locations"]["nodes"]) == 4


def test_cost_arithmetic(devstore_shop):
    def cost(q, v=None):
        return devstore_shop.graphql(q, v)["extensions"]["cost"]
    assert cost("{ shop { name } }")["requestedQueryCost"] == 1
    c = cost("{ products(first: 10) { edges { node { id title } } } }")
    assert c["requestedQueryCost"] == 2 + 10 * 1
    assert c["actualQueryCost"] == 2 + 10 * 1          # the shop has 10 products
    c = cost("{ products(first: 5) { nodes { id variants(first: 3) { nodes { id } } } } }")
    assert c["requestedQueryCost"] == 2 + 5 * (1 + 2 + 3 * 1)
    c = cost("{ products(first: 50, query: \"updated_at:>'2100-01-01'\") { nodes { id } } }")
    assert c["requestedQueryCost"] == 52 and c["actualQueryCost"] == 2
    c = cost("query($n: Int) { products(first: $n) { nodes { id } } }", {"n": 7})
    assert c["requestedQueryCost"] == 9
    # an interface costs its most expensive possible selection, not the sum of its fragments
    c = cost("""query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { variants(first: 2) { nodes { id } } }
             ... on Order { lineItems(first: 5) { nodes { id } } } } }""", {"ids": ["gid://shopify/Product/1", "gid://shopify/Order/1"]})
    assert c["requestedQueryCost"] == 2 * (1 + 2 + 5)
    c = cost('mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { userErrors { message } } }')
    assert c["requestedQueryCost"] == 10 and c["actualQueryCost"] == 10


def test_max_cost_exceeded(devstore_shop):
    j = devstore_shop.graphql("{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    err = j["errors"][0]
    assert err["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert err["extensions"]["cost"] == 2 + 250 * (1 + 2 + 250) and err["extensions"]["maxCost"] == 1000
    assert err["message"].startswith(f"Query cost is {err['extensions']['cost']}, which exceeds the single query max cost limit (1000).")
    assert "data" not in j


def test_throttling_leaky_bucket(devstore, devstore_shop):
    shop = devstore_shop.domain
    devstore.client.set_plan(shop, size=100, rate=1, available=10)
    ok = devstore_shop.graphql("{ shop { name } }")
    assert "errors" not in ok
    st = ok["extensions"]["cost"]["throttleStatus"]
    assert st["maximumAvailable"] == 100 and st["restoreRate"] == 1 and st["currentlyAvailable"] == 9
    j = devstore_shop.graphql("{ products(first: 10) { nodes { id } } }")   # costs 12 > 9 available
    assert j["errors"] == [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]
    assert j["extensions"]["cost"]["requestedQueryCost"] == 12
    assert j["extensions"]["cost"]["actualQueryCost"] is None
    devstore.client.faults(throttled_status=429)
    try:
        r = devstore_shop.graphql("{ products(first: 10) { nodes { id } } }", raw=True)
        assert r.status_code == 429 and r.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        devstore.client.faults(throttled_status=None)
    log = devstore.client.graphql_log(shop)
    assert log[-1]["throttled"] is True and log[-1]["requestedQueryCost"] == 12
    # the unused part of the requested cost is refunded
    devstore.client.set_plan(shop, size=100, rate=1, available=100)
    j = devstore_shop.graphql("{ products(first: 50, query: \"updated_at:>'2100-01-01'\") { nodes { id } } }")
    assert j["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] in (98, 99)   # 100 - 52 + 50
    devstore.client.set_plan(shop, plan="plus")
    st = devstore_shop.graphql("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
    assert st["maximumAvailable"] == 20000 and st["restoreRate"] == 1000
    devstore.client.set_plan(shop, plan="standard")


def test_cost_debug_header(devstore, devstore_shop):
    r = requests.post(devstore.graphql_url(devstore_shop.domain),
                      json={"query": "{ products(first: 5) { nodes { id variants(first: 3) { nodes { id } } } } }"},
                      headers={"X-Shopify-Access-Token": devstore_shop.token, "Shopify-GraphQL-Cost-Debug": "1"})
    fields = {tuple(f["path"]): f for f in r.json()["extensions"]["cost"]["fields"]}
    assert fields[("products",)]["requestedTotalCost"] == 32 and fields[("products",)]["requestedChildrenCost"] == 6
    assert fields[("products", "nodes", "variants")]["requestedTotalCost"] == 5


FRAGMENTED = """query($n: Int!) { products(first: $n) { nodes { id ...P customer: title } } }
fragment P on Product { title ...V }
fragment V on Product { variants(first: 3) { nodes { ...Variant } } options { name } }
fragment Variant on ProductVariant { id sku inventoryItem { id } }"""
INLINED = """query($n: Int!) { products(first: $n) { nodes { id title customer: title
  variants(first: 3) { nodes { id sku inventoryItem { id } } } options { name } } } }"""


def test_fragments_cost_what_the_same_selection_written_inline_costs(devstore_shop):
    with_fragments = devstore_shop.graphql(FRAGMENTED, {"n": 5})
    inline = devstore_shop.graphql(INLINED, {"n": 5})
    assert "errors" not in with_fragments and with_fragments["data"] == inline["data"]
    for key in ("requestedQueryCost", "actualQueryCost"):
        assert with_fragments["extensions"]["cost"][key] == inline["extensions"]["cost"][key], key
    assert with_fragments["extensions"]["cost"]["requestedQueryCost"] == 2 + 5 * (1 + (2 + 3 * (1 + 1)) + 1)


def test_a_field_selected_twice_through_a_fragment_is_costed_once(devstore_shop):
    twice = devstore_shop.graphql("""{ products(first: 4) { nodes { id variants(first: 2) { nodes { id } } ...S } } }
        fragment S on Product { variants(first: 2) { nodes { sku } } }""")
    once = devstore_shop.graphql("{ products(first: 4) { nodes { id variants(first: 2) { nodes { id sku } } } } }")
    assert twice["data"] == once["data"]
    assert twice["extensions"]["cost"]["requestedQueryCost"] == once["extensions"]["cost"]["requestedQueryCost"] \
        == 2 + 4 * (1 + 2 + 2 * 1)
    assert twice["extensions"]["cost"]["actualQueryCost"] == once["extensions"]["cost"]["actualQueryCost"]


def test_every_app_call_is_recorded_per_shop_refused_ones_too(devstore, devstore_shop):
    domain = devstore_shop.domain
    before = len(devstore.client.app_calls(domain))
    devstore_shop.graphql("{ shop { name } }")
    assert devstore.client.graphql(domain, "{ shop { name } }", token="shpat_nope", raw=True).status_code == 401
    requests.post(f"{devstore.shop_url(domain)}/admin/oauth/access_token", data={"client_id": "x"}, timeout=10)
    devstore.client.products(domain)  # the control API is not the app's
    calls = devstore.client.app_calls(domain, since=before) if before else devstore.client.app_calls(domain)
    assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in calls] == [
        ("POST", "graphql.json"), ("POST", "graphql.json"), ("POST", "access_token")]
