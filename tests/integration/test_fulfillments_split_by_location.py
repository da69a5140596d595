"""Fulfillments out for orders whose lines sit at several locations, against devstore over real HTTP.

Shopify gives such an order one fulfillment order per assigned location, and `fulfillmentCreate`
takes fulfillment orders of one location only: a shipment spanning locations becomes one call
(one fulfillment) per location.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import FulfillmentRequest, Shop
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync.connection import client_for
from shopify_app.sync.fulfillments.push import push_request

from tests.integration.conftest import Crash

NUMBER = "1Z999AA10123456784"
TRACKING = {"company": "UPS", "number": NUMBER, "url": f"https://www.ups.com/track?tracknum={NUMBER}"}


def setup_order(l, placed):
    """placed: [(quantity, location index, fulfillment order label or None)] -> (order, skus, location ids)."""
    products = l.ds.products(l.handle.domain, limit=50)
    products = products.get("products", products) if isinstance(products, dict) else products
    skus = [v["sku"] for p in products for v in (p.get("variants") or []) if v.get("sku")][:len(placed)]
    locations = [loc["id"] for loc in l.ds.locations(l.handle.domain)][:2]
    assert len(skus) == len(placed) and len(locations) == 2
    items = []
    for sku, (qty, where, label) in zip(skus, placed):
        item = {"sku": sku, "quantity": qty, "location_id": locations[where]}
        if label:
            item["fulfillment_order"] = label
        items.append(item)
    return l.ds.create_order(l.handle.domain, items), skus, locations


def shipment(l, order, lines, external_id):
    return {"shop": l.handle.domain, "order_id": order["id"], "external_id": external_id,
            "lines": [{"sku": s, "quantity": q} for s, q in lines], "tracking": TRACKING, "notify_customer": True}


def by_location(theirs):
    """The order's fulfillments in devstore: {location id: [(fulfillment, {line item id: quantity})]}."""
    out = {}
    for f in theirs["fulfillments"]:
        lines = {n["lineItem"]["id"]: n["quantity"] for n in f["fulfillmentLineItems"]}
        out.setdefault(f["location"]["id"], []).append((f, lines))
    return out


def line_ids(order, skus):
    ids = {li["sku"]: li["id"] for li in order["lineItems"]}
    return [ids[s] for s in skus]


def test_shipment_across_two_locations_is_one_fulfillment_per_location_then_repeat_changes_nothing(fulfillment_shop):
    l = fulfillment_shop()
    order, skus, (a, b) = setup_order(l, [(2, 0, None), (1, 1, None)])
    li = line_ids(order, skus)
    assert [fo["assignedLocation"]["location"]["id"] for fo in order["fulfillmentOrders"]] == [a, b]
    body = shipment(l, order, [(skus[0], 2), (skus[1], 1)], "SPLIT-1")
    assert l.post("fulfillments", body).status_code == 202
    status, counts, error = l.run()
    assert status == "succeeded", error
    assert counts.get("fulfilled") == 1, l.get("fulfillments/SPLIT-1").json()

    theirs = l.order(order["id"])
    assert theirs["displayFulfillmentStatus"] == "FULFILLED"
    assert [fo["status"] for fo in theirs["fulfillmentOrders"]] == ["CLOSED", "CLOSED"]
    placed = by_location(theirs)
    assert sorted(placed) == sorted([a, b]) and all(len(v) == 1 for v in placed.values())
    assert placed[a][0][1] == {li[0]: 2} and placed[b][0][1] == {li[1]: 1}
    for f, _lines in (placed[a][0], placed[b][0]):
        assert f["trackingInfo"] == [TRACKING] and f["notifyCustomer"] is True

    record = l.get("fulfillments/SPLIT-1").json()
    assert record["status"] == "fulfilled" and record["user_errors"] == [] and record["error"] is None
    assert sorted(record["fulfillment_ids"]) == sorted(f["id"] for f in theirs["fulfillments"])
    assert [(p["location_id"], p["status"], p["lines"]) for p in record["parts"]] == [
        (a, "done", [{"line_item_id": li[0], "quantity": 2}]), (b, "done", [{"line_item_id": li[1], "quantity": 1}])]
    assert {p["fulfillment_id"] for p in record["parts"]} == set(record["fulfillment_ids"])
    calls = l.ds.fulfillments(l.handle.domain)
    assert len(calls) == 2 and all("fulfillment_id" in c for c in calls)   # no call refused by Shopify

    # posting it again changes nothing
    r = l.post("fulfillments", body)
    assert r.status_code == 200 and r.json()["status"] == "fulfilled"
    assert l.run()[0] == "succeeded"
    assert len(l.order(order["id"])["fulfillments"]) == 2
    assert len(l.ds.fulfillments(l.handle.domain)) == 2
    assert l.get("fulfillments/SPLIT-1").json() == record


def test_partial_shipments_across_locations(fulfillment_shop):
    l = fulfillment_shop()
    order, skus, (a, b) = setup_order(l, [(3, 0, None), (2, 1, None), (1, 0, None)])
    li = line_ids(order, skus)
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 1), (skus[1], 1)], "PART-1")).status_code == 202
    status, _counts, error = l.run()
    assert status == "succeeded", error
    theirs = l.order(order["id"])
    assert theirs["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert [fo["status"] for fo in theirs["fulfillmentOrders"]] == ["IN_PROGRESS", "IN_PROGRESS"]
    remaining = {fl["lineItem"]["id"]: fl["remainingQuantity"] for fo in theirs["fulfillmentOrders"]
                 for fl in fo["lineItems"]}
    assert remaining == {li[0]: 2, li[1]: 1, li[2]: 1}
    placed = by_location(theirs)
    assert placed[a][0][1] == {li[0]: 1} and placed[b][0][1] == {li[1]: 1}
    first = l.get("fulfillments/PART-1").json()
    assert first["status"] == "fulfilled" and len(first["fulfillment_ids"]) == 2

    # the rest, in a second shipment: two more fulfillments, the order complete
    rest = shipment(l, order, [(skus[0], 2), (skus[1], 1), (skus[2], 1)], "PART-2")
    assert l.post("fulfillments", rest).status_code == 202
    assert l.run()[0] == "succeeded"
    theirs = l.order(order["id"])
    assert theirs["displayFulfillmentStatus"] == "FULFILLED"
    assert [fo["status"] for fo in theirs["fulfillmentOrders"]] == ["CLOSED", "CLOSED"]
    placed = by_location(theirs)
    assert [x[1] for x in placed[a]] == [{li[0]: 1}, {li[0]: 2, li[2]: 1}]
    assert [x[1] for x in placed[b]] == [{li[1]: 1}, {li[1]: 1}]
    second = l.get("fulfillments/PART-2").json()
    assert second["status"] == "fulfilled" and len(second["fulfillment_ids"]) == 2
    assert not set(first["fulfillment_ids"]) & set(second["fulfillment_ids"])


def test_fulfillment_orders_sharing_a_location_go_in_one_call(fulfillment_shop):
    l = fulfillment_shop()
    # two fulfillment orders at the first location (as after a split), one at the second
    order, skus, (a, b) = setup_order(l, [(1, 0, None), (2, 0, "split"), (1, 1, None)])
    li = line_ids(order, skus)
    fos = order["fulfillmentOrders"]
    assert [fo["assignedLocation"]["location"]["id"] for fo in fos] == [a, a, b]
    body = shipment(l, order, [(skus[0], 1), (skus[1], 2), (skus[2], 1)], "SHARED-1")
    assert l.post("fulfillments", body).status_code == 202
    status, _counts, error = l.run()
    assert status == "succeeded", error
    record = l.get("fulfillments/SHARED-1").json()
    assert record["status"] == "fulfilled", record
    calls = l.ds.fulfillments(l.handle.domain)
    assert len(calls) == 2 and all("fulfillment_id" in c for c in calls)
    assert {c["fulfillmentOrderId"] for c in calls[0]["lines"]} == {fos[0]["id"], fos[1]["id"]}
    assert {c["fulfillmentOrderId"] for c in calls[1]["lines"]} == {fos[2]["id"]}
    theirs = l.order(order["id"])
    placed = by_location(theirs)
    assert placed[a][0][1] == {li[0]: 1, li[1]: 2} and placed[b][0][1] == {li[2]: 1}
    assert theirs["displayFulfillmentStatus"] == "FULFILLED"


def test_crash_after_the_first_location_sends_only_the_second(fulfillment_shop):
    l = fulfillment_shop()
    order, skus, (a, b) = setup_order(l, [(2, 0, None), (1, 1, None)])
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 2), (skus[1], 1)], "SPLIT-CRASH")).status_code == 202
    with l.c.app.app_context():
        req = db.session.execute(select(FulfillmentRequest).where(
            FulfillmentRequest.external_id == "SPLIT-CRASH")).scalar_one()
        client = client_for(db.session.get(Shop, l.shop_id), min_level=AccessLevel.READ_WRITE)

        def crash(_req, index, _data):
            if index == 0:
                raise Crash("the process died here")
        with pytest.raises(Crash):
            push_request(client, req, after_call=crash)
        db.session.rollback()
        db.session.remove()
    assert list(by_location(l.order(order["id"]))) == [a]   # Shopify has the first part
    assert l.get("fulfillments/SPLIT-CRASH").json()["status"] == "sending"
    status, _counts, error = l.run()
    assert status == "succeeded", error
    theirs = l.order(order["id"])
    placed = by_location(theirs)
    assert sorted(placed) == sorted([a, b]) and all(len(v) == 1 for v in placed.values())
    record = l.get("fulfillments/SPLIT-CRASH").json()
    assert record["status"] == "fulfilled"
    assert record["fulfillment_ids"] == [placed[a][0][0]["id"], placed[b][0][0]["id"]]
