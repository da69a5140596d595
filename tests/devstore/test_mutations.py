"""inventorySetQuantities (2026-10 rules), fulfillmentCreate, refundCreate, webhook subscriptions."""
from __future__ import annotations

import pytest

from devstore.testing import DevstoreError

pytestmark = pytest.mark.integration

SET = """mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason referenceDocumentUri changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { field code message } } }"""


def _level(shop):
    lv = shop.client.inventory(shop.domain)[0]
    return lv["inventoryItemId"], lv["locationId"], lv["quantities"]["available"]


def _input(item, loc, qty, cfq="omit", name="available"):
    q = {"inventoryItemId": item, "locationId": loc, "quantity": qty}
    if cfq != "omit":
        q["changeFromQuantity"] = cfq
    return {"name": name, "reason": "correction", "referenceDocumentUri": "logistics://oms/push/1", "quantities": [q]}


def test_inventory_set_quantities_compare_and_idempotency(devstore_shop):
    shop = devstore_shop
    item, loc, current = _level(shop)
    j = shop.graphql(SET, {"input": _input(item, loc, current + 5, current), "key": "push-1"})
    payload = j["data"]["inventorySetQuantities"]
    assert payload["userErrors"] == []
    changes = {c["name"]: c for c in payload["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"]["delta"] == 5 and changes["available"]["quantityAfterChange"] == current + 5
    assert changes["available"]["item"]["id"] == item and changes["available"]["location"]["id"] == loc
    # the same key again: the same answer, applied once
    again = shop.graphql(SET, {"input": _input(item, loc, current + 5, current), "key": "push-1"})
    assert again["data"] == j["data"]
    level = shop.client.inventory(shop.domain, inventory_item_id=item, location_id=loc)[0]
    assert level["quantities"]["available"] == current + 5
    # stale changeFromQuantity
    stale = shop.graphql(SET, {"input": _input(item, loc, 1, current), "key": "push-2"})
    p = stale["data"]["inventorySetQuantities"]
    assert p["inventoryAdjustmentGroup"] is None
    assert p["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert p["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    # null skips the check
    ok = shop.graphql(SET, {"input": _input(item, loc, 3, None), "key": "push-3"})
    assert ok["data"]["inventorySetQuantities"]["userErrors"] == []
    # omitted is an error in 2026-10
    om = shop.graphql(SET, {"input": _input(item, loc, 4), "key": "push-4"})
    assert om["data"]["inventorySetQuantities"]["userErrors"][0]["field"][-1] == "changeFromQuantity"
    # the same key with other parameters
    mm = shop.graphql(SET, {"input": _input(item, loc, 9, None), "key": "push-1"})
    assert mm["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    log = shop.client.inventory_sets(shop.domain)
    assert [e["idempotency_key"] for e in log] == ["push-1", "push-1", "push-2", "push-3", "push-4"]
    assert log[1]["replayed"] is True and log[0]["applied"][0]["after"] == current + 5
    assert shop.client.inventory(shop.domain, inventory_item_id=item, location_id=loc)[0]["quantities"]["available"] == 3
    hooks = shop.client.webhooks(shop.domain, topic="inventory_levels/update")
    assert len(hooks) >= 0  # delivery attempts are recorded when an app URL is configured


def test_inventory_set_quantities_requires_idempotent_and_limits(devstore_shop):
    shop = devstore_shop
    item, loc, current = _level(shop)
    j = shop.graphql("""mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
        userErrors { code } } }""", {"input": _input(item, loc, 1, None)})
    assert "@idempotent" in j["errors"][0]["message"]
    big = _input(item, loc, 1, None)
    big["quantities"] = big["quantities"] * 251
    j = shop.graphql(SET, {"input": big, "key": "big"})
    assert j["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    bad = shop.graphql(SET, {"input": _input("gid://shopify/InventoryItem/1", loc, 1, None), "key": "bad"})
    assert bad["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_INVENTORY_ITEM"
    name = shop.graphql(SET, {"input": _input(item, loc, 1, None, name="committed"), "key": "nm"})
    assert name["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_NAME"


FULFILL = """mutation F($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id status trackingInfo { company number url } fulfillmentLineItems(first: 10) { nodes { quantity lineItem { id } } } }
  userErrors { field message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments { id trackingInfo { number } }
  fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 10) { nodes { id totalQuantity remainingQuantity lineItem { id } } } } } } }"""


def test_fulfillment_create_partial(devstore_shop):
    shop = devstore_shop
    variants = [v for p in shop.client.products(shop.domain) for v in p["variants"]][:2]
    order = shop.client.create_order(shop.domain, [{"variant_id": variants[0]["id"], "quantity": 3},
                                                   {"variant_id": variants[1]["id"], "quantity": 1}])
    o = shop.graphql(ORDER, {"id": order["id"]})["data"]["order"]
    assert o["displayFulfillmentStatus"] == "UNFULFILLED"
    fo = o["fulfillmentOrders"]["nodes"][0]
    first, second = fo["lineItems"]["nodes"]
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"],
                                     "fulfillmentOrderLineItems": [{"id": first["id"], "quantity": 2}]}],
                                     "trackingInfo": {"company": "UPS", "number": "1Z001", "url": "https://ups.example/1Z001"},
                                     "notifyCustomer": True}})
    p = j["data"]["fulfillmentCreate"]
    assert p["userErrors"] == []
    assert p["fulfillment"]["trackingInfo"] == [{"company": "UPS", "number": "1Z001", "url": "https://ups.example/1Z001"}]
    assert p["fulfillment"]["fulfillmentLineItems"]["nodes"] == [{"quantity": 2, "lineItem": {"id": first["lineItem"]["id"]}}]
    o = shop.graphql(ORDER, {"id": order["id"]})["data"]["order"]
    assert o["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    fo2 = o["fulfillmentOrders"]["nodes"][0]
    assert fo2["status"] == "IN_PROGRESS"
    assert [li["remainingQuantity"] for li in fo2["lineItems"]["nodes"]] == [1, 1]
    # more than remains is refused
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"],
                                     "fulfillmentOrderLineItems": [{"id": first["id"], "quantity": 2}]}]}})
    assert j["data"]["fulfillmentCreate"]["fulfillment"] is None
    assert j["data"]["fulfillmentCreate"]["userErrors"]
    # the rest (no line items given: everything remaining)
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}],
                                     "trackingInfo": {"company": "FedEx", "number": "F2"}}})
    assert j["data"]["fulfillmentCreate"]["userErrors"] == []
    o = shop.graphql(ORDER, {"id": order["id"]})["data"]["order"]
    assert o["displayFulfillmentStatus"] == "FULFILLED"
    assert o["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert [f["trackingInfo"][0]["number"] for f in o["fulfillments"]] == ["1Z001", "F2"]
    log = shop.client.fulfillments(shop.domain)
    assert [e["trackingInfo"]["number"] for e in log if "fulfillment_id" in e] == ["1Z001", "F2"]
    assert log[0]["notifyCustomer"] is True and log[0]["lines"][0]["quantity"] == 2
    # a closed fulfillment order cannot be fulfilled again
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert "unfulfillable status" in j["data"]["fulfillmentCreate"]["userErrors"][0]["message"]


SPLIT_ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments { id totalQuantity location { id } trackingInfo { number } fulfillmentLineItems(first: 10) { nodes { quantity lineItem { id } } } }
  fulfillmentOrders(first: 5) { nodes { id status assignedLocation { name location { id } }
    lineItems(first: 10) { nodes { id totalQuantity remainingQuantity lineItem { id } } } } } } }"""


def test_order_with_lines_at_several_locations(devstore_shop):
    shop = devstore_shop
    c = shop.client
    variants = [v for p in c.products(shop.domain) for v in p["variants"]][:4]
    a, b = [loc["id"] for loc in c.locations(shop.domain)][:2]
    order = c.create_order(shop.domain, [
        {"variant_id": variants[0]["id"], "quantity": 2, "location_id": a},
        {"variant_id": variants[1]["id"], "quantity": 1, "location_id": b.rsplit("/", 1)[1]},   # a number works too
        {"variant_id": variants[2]["id"], "quantity": 3, "location_id": a},
        {"variant_id": variants[3]["id"], "quantity": 1, "location_id": a, "fulfillment_order": "split"}])
    lines = [li["id"] for li in order["lineItems"]]
    o = shop.graphql(SPLIT_ORDER, {"id": order["id"]})["data"]["order"]
    fos = o["fulfillmentOrders"]["nodes"]
    assert [fo["assignedLocation"]["location"]["id"] for fo in fos] == [a, b, a]
    assert all(fo["status"] == "OPEN" and fo["assignedLocation"]["name"] for fo in fos)
    assert [[(n["lineItem"]["id"], n["totalQuantity"], n["remainingQuantity"]) for n in fo["lineItems"]["nodes"]]
            for fo in fos] == [[(lines[0], 2, 2), (lines[2], 3, 3)], [(lines[1], 1, 1)], [(lines[3], 1, 1)]]
    fo_a, fo_b, fo_a2 = fos

    # fulfillment orders at different locations in one call: refused, nothing changes
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_a["id"]},
                                                                     {"fulfillmentOrderId": fo_b["id"]}],
                                     "trackingInfo": {"number": "X1"}}})
    p = j["data"]["fulfillmentCreate"]
    assert p["fulfillment"] is None
    assert p["userErrors"][0]["message"].startswith("All fulfillment orders must be assigned to a single location.")
    assert a.rsplit("/", 1)[1] in p["userErrors"][0]["message"] and b.rsplit("/", 1)[1] in p["userErrors"][0]["message"]
    assert shop.graphql(SPLIT_ORDER, {"id": order["id"]})["data"]["order"] == o

    # several fulfillment orders at one location in one call: one fulfillment
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [
        {"fulfillmentOrderId": fo_a["id"], "fulfillmentOrderLineItems": [{"id": fo_a["lineItems"]["nodes"][0]["id"],
                                                                          "quantity": 1}]},
        {"fulfillmentOrderId": fo_a2["id"]}], "trackingInfo": {"number": "A1"}}})
    assert j["data"]["fulfillmentCreate"]["userErrors"] == []
    # the same fulfillment order line item twice, together more than remains: refused
    twice = [{"id": fo_b["lineItems"]["nodes"][0]["id"], "quantity": 1}] * 2
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_b["id"],
                                                                      "fulfillmentOrderLineItems": twice}]}})
    assert j["data"]["fulfillmentCreate"]["userErrors"]
    j = shop.graphql(FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_b["id"]}],
                                     "trackingInfo": {"number": "B1"}}})
    assert j["data"]["fulfillmentCreate"]["userErrors"] == []
    o = shop.graphql(SPLIT_ORDER, {"id": order["id"]})["data"]["order"]
    assert o["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert [(f["location"]["id"], f["totalQuantity"], f["trackingInfo"][0]["number"]) for f in o["fulfillments"]] == [
        (a, 2, "A1"), (b, 1, "B1")]
    assert [fo["status"] for fo in o["fulfillmentOrders"]["nodes"]] == ["IN_PROGRESS", "CLOSED", "CLOSED"]
    # an unknown location is refused when placing the order
    with pytest.raises(DevstoreError, match="unknown location"):
        c.create_order(shop.domain, [{"variant_id": variants[0]["id"], "quantity": 1,
                                      "location_id": "gid://shopify/Location/1"}])


def test_refund_create(devstore_shop):
    shop = devstore_shop
    v = shop.client.products(shop.domain)[0]["variants"][0]
    order = shop.client.create_order(shop.domain, [{"variant_id": v["id"], "quantity": 2, "price": "10.00"}],
                                     shipping={"title": "Standard", "code": "STD", "price": "0"})
    line = order["lineItems"][0]["id"]
    R = """mutation($input: RefundInput!) { refundCreate(input: $input) { refund { id totalRefundedSet { shopMoney { amount } }
        refundLineItems(first: 5) { nodes { quantity restockType lineItem { id } } } }
        order { displayFinancialStatus totalRefundedSet { shopMoney { amount } } } userErrors { field message } } }"""
    j = shop.graphql(R, {"input": {"orderId": order["id"], "refundLineItems": [{"lineItemId": line, "quantity": 1}],
                                   "transactions": [{"orderId": order["id"], "amount": "10.00", "kind": "REFUND",
                                                     "gateway": "shopify_payments"}]}})
    p = j["data"]["refundCreate"]
    assert p["userErrors"] == []
    assert p["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "10.00"
    assert p["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    j = shop.graphql(R, {"input": {"orderId": order["id"], "refundLineItems": [{"lineItemId": line, "quantity": 5}]}})
    assert j["data"]["refundCreate"]["userErrors"]
    assert shop.client.refunds(shop.domain)[0]["refund_id"] == p["refund"]["id"]
    # with @idempotent a repeat is answered, not applied again
    RK = R.replace("refundCreate(input: $input)", "refundCreate(input: $input) @idempotent(key: $key)").replace(
        "mutation($input: RefundInput!)", "mutation($input: RefundInput!, $key: String!)")
    inp = {"orderId": order["id"], "refundLineItems": [{"lineItemId": line, "quantity": 1}]}
    a = shop.graphql(RK, {"input": inp, "key": "ret-1"})["data"]["refundCreate"]
    b = shop.graphql(RK, {"input": inp, "key": "ret-1"})["data"]["refundCreate"]
    assert a["userErrors"] == [] and b["refund"]["id"] == a["refund"]["id"]
    assert len(shop.graphql("query($id: ID!) { order(id: $id) { refunds { id } } }", {"id": order["id"]})
               ["data"]["order"]["refunds"]) == 2


def test_webhook_subscriptions(devstore_shop):
    shop = devstore_shop
    C = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
        webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
        webhookSubscription { id topic uri format } userErrors { field message } } }"""
    j = shop.graphql(C, {"topic": "PRODUCTS_UPDATE", "uri": "https://app.example/hooks"})
    sub = j["data"]["webhookSubscriptionCreate"]["webhookSubscription"]
    assert sub["topic"] == "PRODUCTS_UPDATE" and sub["format"] == "JSON"
    dup = shop.graphql(C, {"topic": "PRODUCTS_UPDATE", "uri": "https://app.example/hooks"})
    assert dup["data"]["webhookSubscriptionCreate"]["userErrors"]
    listed = shop.graphql("{ webhookSubscriptions(first: 10, topics: [PRODUCTS_UPDATE]) { nodes { id uri } } }")
    assert [n["id"] for n in listed["data"]["webhookSubscriptions"]["nodes"]] == [sub["id"]]
    d = shop.graphql("mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }",
                     {"id": sub["id"]})
    assert d["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub["id"]


EDIT = """mutation Edit($id: ID!, $input: LocationEditInput!) {
  locationEdit(id: $id, input: $input) { location { id name fulfillsOnlineOrders } userErrors { field code message } } }"""


def test_location_edit_turns_online_fulfilment_off_and_keeps_one_location_online(devstore_shop):
    shop = devstore_shop
    online = [l for l in shop.client.locations(shop.domain) if l["fulfillsOnlineOrders"] and l.get("isActive", True)]
    assert len(online) >= 2
    for i, loc in enumerate(online):
        payload = shop.graphql(EDIT, {"id": loc["id"], "input": {"fulfillsOnlineOrders": False}})["data"]["locationEdit"]
        if i < len(online) - 1:
            assert payload["userErrors"] == [] and payload["location"]["fulfillsOnlineOrders"] is False
        else:  # the last one selling online stays so
            assert payload["userErrors"][0]["code"] == "CANNOT_DISABLE_ONLINE_ORDER_FULFILLMENT"
    missing = shop.graphql(EDIT, {"id": "gid://shopify/Location/1", "input": {"name": "X"}})["data"]["locationEdit"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"
    assert {l["id"]: l for l in shop.client.locations(shop.domain)}[online[0]["id"]]["fulfillsOnlineOrders"] is False
