"""Fulfillment and refund decisions, as pure functions."""
from datetime import datetime, timezone

from shopify_app.sync.fulfillments.plan import NOT_KNOWN_YET, find_existing, fulfillment_input, plan_fulfillment
from shopify_app.sync.fulfillments.validate import validate_fulfillment_body
from shopify_app.sync.oms_requests.checks import body_hash, resolve_lines
from shopify_app.sync.refunds.plan import find_existing_refund, marker, refund_input
from shopify_app.sync.refunds.validate import validate_return_body

L1, L2 = "gid://shopify/LineItem/1", "gid://shopify/LineItem/2"
LOC_A, LOC_B = "gid://shopify/Location/7", "gid://shopify/Location/8"

ORDER_LINES = [{"id": L1, "sku": "SKU-1", "quantity": 3}, {"id": L2, "sku": "SKU-2", "quantity": 2}]


def fo(fo_id, loc, items, status="OPEN"):
    return {"id": fo_id, "status": status, "assignedLocation": {"location": {"id": loc}},
            "lineItems": {"nodes": [{"id": f"{fo_id}/li{n}", "remainingQuantity": q, "lineItem": {"id": li, "sku": None}}
                                    for n, (li, q) in enumerate(items)]}}


def test_validate_body():
    clean, errors = validate_fulfillment_body({
        "shop": "Demo.myshopify.com", "order_id": 42, "external_id": "SHIP-1",
        "lines": [{"sku": "SKU-1", "quantity": 1}, {"line_item_id": "2", "quantity": 2}],
        "tracking": {"company": "UPS", "number": "1Z", "url": "https://ups.example/1Z"}, "notify_customer": True,
    })
    assert errors == []
    assert clean["shop"] == "demo.myshopify.com" and clean["order_id"] == "gid://shopify/Order/42"
    assert clean["lines"][1] == {"line_item_id": L2, "quantity": 2}
    _c, errors = validate_fulfillment_body({"shop": "x", "order_id": "abc", "lines": [{"sku": "A", "quantity": 0},
                                            {"sku": "A", "line_item_id": 1, "quantity": 1}],
                                            "tracking": {"url": "ftp://x"}, "notify_customer": "yes", "extra": 1})
    text = " | ".join(errors)
    for fragment in ("unknown field", "shop", "order_id", "external_id", "lines[0].quantity", "lines[1] needs",
                     "tracking.url", "notify_customer"):
        assert fragment in text
    assert validate_fulfillment_body([])[1] == ["the body must be a JSON object"]


def test_same_body_same_hash():
    a, _ = validate_fulfillment_body({"shop": "a.myshopify.com", "order_id": 1, "external_id": "x", "lines": [{"sku": "S", "quantity": 1}]})
    b, _ = validate_fulfillment_body({"shop": "A.myshopify.com", "order_id": "gid://shopify/Order/1", "external_id": "x",
                                      "lines": [{"sku": "S", "quantity": 1}], "notify_customer": False})
    assert body_hash(a) == body_hash(b)


def test_resolve_lines_by_sku_and_id():
    wanted, errors = resolve_lines([{"sku": "SKU-1", "quantity": 2}, {"line_item_id": L2, "quantity": 1}], ORDER_LINES)
    assert errors == [] and wanted == [{"line_item_id": L1, "quantity": 2}, {"line_item_id": L2, "quantity": 1}]
    _w, errors = resolve_lines([{"sku": "NOPE", "quantity": 1}, {"line_item_id": "gid://shopify/LineItem/9", "quantity": 1}], ORDER_LINES)
    assert len(errors) == 2


def test_plan_splits_across_locations_and_allows_partial():
    fos = [fo("gid://shopify/FulfillmentOrder/1", LOC_A, [(L1, 2)]),
           fo("gid://shopify/FulfillmentOrder/2", LOC_B, [(L1, 1), (L2, 2)]),
           fo("gid://shopify/FulfillmentOrder/3", LOC_A, [(L2, 5)], status="CLOSED")]
    parts, errors = plan_fulfillment([{"line_item_id": L1, "quantity": 3}, {"line_item_id": L2, "quantity": 1}], fos)
    assert errors == []
    assert [p["location_id"] for p in parts] == [LOC_A, LOC_B]
    assert [(i["line_item_id"], i["quantity"]) for i in parts[0]["items"]] == [(L1, 2)]
    assert [(i["line_item_id"], i["quantity"]) for i in parts[1]["items"]] == [(L1, 1), (L2, 1)]
    inp = fulfillment_input(parts[1], {"company": "UPS", "number": "1Z", "url": None}, True)
    assert inp["notifyCustomer"] is True and inp["trackingInfo"] == {"company": "UPS", "number": "1Z"}
    assert inp["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"] == "gid://shopify/FulfillmentOrder/2"
    # more than is left: refused, nothing planned silently
    _p, errors = plan_fulfillment([{"line_item_id": L2, "quantity": 3}], fos)
    assert errors and "only 2 left" in errors[0]["message"]


def test_find_existing_after_crash():
    part = {"items": [{"fulfillment_order_id": "fo", "id": "x", "line_item_id": L1, "quantity": 2}]}
    since = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    shopify = [
        {"id": "F-old", "createdAt": "2026-11-20T00:00:00Z", "trackingInfo": [{"number": "1Z"}],
         "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"id": L1}}]}},
        {"id": "F-other", "createdAt": "2026-11-23T12:00:05Z", "trackingInfo": [{"number": "9X"}],
         "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"id": L1}}]}},
        {"id": "F-ours", "createdAt": "2026-11-23T12:00:06Z", "trackingInfo": [{"number": "1Z"}],
         "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"id": L1}}]}},
    ]
    assert find_existing(part, {"number": "1Z"}, shopify, set(), since) == "F-ours"
    assert find_existing(part, {"number": "1Z"}, shopify, {"F-ours"}, since) is None
    assert find_existing(part, {"number": "1Z"}, shopify[:2], set(), since) is None


def shopify_fulfillment(fid, lines, number="1Z", more_lines=False):
    return {"id": fid, "createdAt": "2026-11-23T12:00:06Z", "trackingInfo": [{"number": number}],
            "fulfillmentLineItems": {"nodes": [{"quantity": q, "lineItem": {"id": li}} for li, q in lines],
                                     "pageInfo": {"hasNextPage": more_lines}}}


BIG_PART = {"items": [{"fulfillment_order_id": "fo", "id": f"x{n}", "line_item_id": f"gid://shopify/LineItem/{n}",
                       "quantity": 1} for n in range(40)]}
SINCE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def test_a_part_maybe_among_fulfillments_not_read_is_not_known_yet_not_absent():
    part = {"items": [{"fulfillment_order_id": "fo", "id": "x", "line_item_id": L1, "quantity": 2}]}
    others = [shopify_fulfillment(f"F-{n}", [(L1, 2)], number="9X") for n in range(8)]
    assert find_existing(part, {"number": "1Z"}, others, set(), SINCE, all_read=False) is NOT_KNOWN_YET
    assert find_existing(part, {"number": "1Z"}, others, set(), SINCE, all_read=True) is None
    # found among those read: known, whatever was not read
    ours = [*others, shopify_fulfillment("F-ours", [(L1, 2)])]
    assert find_existing(part, {"number": "1Z"}, ours, set(), SINCE, all_read=False) == "F-ours"


def test_a_fulfillment_whose_lines_were_cut_off_may_be_the_part_only_when_what_was_read_fits():
    read = [(f"gid://shopify/LineItem/{n}", 1) for n in range(30)]  # 30 of the part's 40 lines, and more
    cut = shopify_fulfillment("F-big", read, more_lines=True)
    assert find_existing(BIG_PART, {"number": "1Z"}, [cut], set(), SINCE) is NOT_KNOWN_YET
    # read whole, the same fulfillment is found
    whole = shopify_fulfillment("F-big", [(f"gid://shopify/LineItem/{n}", 1) for n in range(40)])
    assert find_existing(BIG_PART, {"number": "1Z"}, [whole], set(), SINCE) == "F-big"
    # Cut off but unable to be the part, however many lines follow: a line the part does not
    # hold, more of a line than the part asks, another tracking number, another request's.
    foreign = shopify_fulfillment("F-1", [("gid://shopify/LineItem/99", 1)], more_lines=True)
    too_many = shopify_fulfillment("F-2", [("gid://shopify/LineItem/0", 2)], more_lines=True)
    other_number = shopify_fulfillment("F-3", [("gid://shopify/LineItem/0", 1)], number="9X", more_lines=True)
    claimed = shopify_fulfillment("F-4", [("gid://shopify/LineItem/0", 1)], more_lines=True)
    found = find_existing(BIG_PART, {"number": "1Z"}, [foreign, too_many, other_number, claimed], {"F-4"}, SINCE)
    assert found is None


def test_return_validation_and_refund_input():
    clean, errors = validate_return_body({"shop": "a.myshopify.com", "order_id": 5, "external_id": "R-1",
                                          "lines": [{"sku": "SKU-1", "quantity": 1}], "note": "damaged"})
    assert errors == []
    _c, errors = validate_return_body({"shop": "a.myshopify.com", "order_id": 5, "external_id": "R-1",
                                       "lines": [{"sku": "SKU-1", "quantity": 1}], "restock_type": "RETURN", "amount": "-1"})
    assert any("location_id" in e for e in errors) and any("amount" in e for e in errors)
    order = {
        "id": "gid://shopify/Order/5",
        "lineItems": {"nodes": [{"id": L1, "sku": "SKU-1", "quantity": 3, "refundableQuantity": 3,
                                 "discountedUnitPriceSet": {"shopMoney": {"amount": "10.00"}}}]},
        "transactions": [{"id": "T1", "kind": "SALE", "status": "SUCCESS", "gateway": "bogus",
                          "amountSet": {"shopMoney": {"amount": "30.00"}}}],
        "refunds": [],
    }
    refund, errors = refund_input(clean, order)
    assert errors == []
    assert refund["refundLineItems"] == [{"lineItemId": L1, "quantity": 1, "restockType": "NO_RESTOCK"}]
    assert refund["transactions"] == [{"orderId": order["id"], "parentId": "T1", "gateway": "bogus", "kind": "REFUND", "amount": "10.00"}]
    assert marker("R-1") in refund["note"] and "damaged" in refund["note"]
    assert find_existing_refund("R-1", [{"id": "R9", "note": refund["note"]}]) == "R9"
    assert find_existing_refund("R-2", [{"id": "R9", "note": refund["note"]}]) is None
    too_many = dict(clean, lines=[{"sku": "SKU-1", "quantity": 4}])
    assert refund_input(too_many, order)[1]


def test_truncated_orders_are_noticed():
    from shopify_app.sync.fulfillments.plan import truncated

    small = {"lineItems": {"pageInfo": {"hasNextPage": False}},
             "fulfillmentOrders": {"pageInfo": {"hasNextPage": False},
                                   "nodes": [{"lineItems": {"pageInfo": {"hasNextPage": False}}}]}}
    assert truncated(small) is False
    big = {**small, "fulfillmentOrders": {"pageInfo": {"hasNextPage": False},
                                          "nodes": [{"lineItems": {"pageInfo": {"hasNextPage": True}}}]}}
    assert truncated(big) is True


def test_return_amounts():
    base = {"shop": "a.myshopify.com", "order_id": 1, "external_id": "x"}
    clean, errors = validate_return_body({**base, "amount": "5.00"})
    assert errors == [] and clean["lines"] == [] and clean["amount"] == "5.00"
    assert validate_return_body(base)[1]  # neither lines nor amount
    for bad in ("NaN", "1e30", "-1", "1.234", True, [1]):
        assert validate_return_body({**base, "amount": bad})[1], bad
