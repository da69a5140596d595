"""A lost answer ships nothing twice: a real proxy between the app and devstore lets a
mutation reach devstore (which applies it) and then drops the answer, or holds it past the
app's read timeout. The app never resends the mutation blindly: it reads Shopify's state
(the order's fulfillments, the shop's bulk operations) and records what Shopify has."""
from __future__ import annotations

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import Product
from shopify_app.sync.runner import run_flow

from tests.integration.conftest import LOST_ANSWER_TIMEOUT


def shipment(l, order, lines, external_id):
    return {"shop": l.handle.domain, "order_id": order["id"], "external_id": external_id,
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            "tracking": {"company": "UPS", "number": "1Z999AA10123456784"}, "notify_customer": False}


def test_a_lost_answer_to_a_partial_fulfillment_ships_one_unit_once(fulfillment_shop, lost_answers):
    l = fulfillment_shop()
    order, skus = l.new_order((3, 1))
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 1)], "LOST-PARTIAL")).status_code == 202
    lost_answers.lose("fulfillmentCreate")
    status, _counts, error = l.run()
    assert status == "succeeded", error
    assert [x.status for x in lost_answers.lost] == [200]  # devstore fulfilled it; the app never heard
    assert lost_answers.sent("fulfillmentCreate") == 1  # and never sent it again
    theirs = l.order(order["id"])
    assert len(theirs["fulfillments"]) == 1 and theirs["fulfillments"][0]["totalQuantity"] == 1
    assert theirs["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    record = l.get("fulfillments/LOST-PARTIAL").json()
    assert record["status"] == "fulfilled", record
    assert record["fulfillment_ids"] == [theirs["fulfillments"][0]["id"]]


def test_a_lost_answer_to_a_full_fulfillment_is_recorded_fulfilled_not_failed(fulfillment_shop, lost_answers):
    l = fulfillment_shop()
    order, skus = l.new_order((2, 1))
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 2), (skus[1], 1)], "LOST-FULL")).status_code == 202
    lost_answers.lose("fulfillmentCreate")
    status, _counts, error = l.run()
    assert status == "succeeded", error
    assert len(lost_answers.lost) == 1 and lost_answers.sent("fulfillmentCreate") == 1
    theirs = l.order(order["id"])
    assert theirs["displayFulfillmentStatus"] == "FULFILLED" and len(theirs["fulfillments"]) == 1
    record = l.get("fulfillments/LOST-FULL").json()
    assert record["status"] == "fulfilled", record
    assert record["fulfillment_ids"] == [theirs["fulfillments"][0]["id"]] and not record["user_errors"]


def test_a_bulk_start_under_a_read_timeout_adopts_the_operation_it_started(linked, lost_answers, connected_app):
    handle, shop_id = linked(products=10)
    lost_answers.lose("bulkOperationRunQuery", mode="hang", hang_seconds=LOST_ANSWER_TIMEOUT + 2)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "products", "manual")  # a first download is a bulk operation
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id
        stored = db.session.execute(select(func.count()).select_from(Product)
                                    .where(Product.shop_id == shop_id)).scalar_one()
    assert len(lost_answers.lost) == 1 and lost_answers.sent("bulkOperationRunQuery") == 1
    operations = connected_app.ds.bulk_operations(handle.domain)
    assert [op["id"] for op in operations] == [run.bulk_operation_id]  # no orphan started beside it
    assert stored == 10


def test_a_lost_answer_to_a_refund_is_found_by_its_note_not_sent_again(fulfillment_shop, lost_answers):
    l = fulfillment_shop(upload_refunds=True)
    order, skus = l.new_order((2,))
    assert l.post("returns", {"shop": l.handle.domain, "order_id": order["id"], "external_id": "R-LOST",
                              "lines": [{"sku": skus[0], "quantity": 1}], "note": "too small"}).status_code == 202
    lost_answers.lose("refundCreate")
    status, _counts, error = l.run()
    assert status == "succeeded", error
    assert len(lost_answers.lost) == 1 and lost_answers.sent("refundCreate") == 1
    theirs = l.order(order["id"])
    assert len(theirs["refunds"]) == 1
    record = l.get("returns/R-LOST").json()
    assert record["status"] == "refunded" and record["refund_id"] == theirs["refunds"][0]["id"]


def test_a_fulfillment_lost_before_shopify_is_sent_again_only_after_looking(fulfillment_shop, lost_answers):
    l = fulfillment_shop()
    order, skus = l.new_order((3, 1))
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 1)], "LOST-UNSENT")).status_code == 202
    lost_answers.lose("fulfillmentCreate", mode="unsent")
    status, _counts, error = l.run()
    assert status == "succeeded", error
    assert l.order(order["id"])["fulfillments"] == []  # it never reached Shopify...
    record = l.get("fulfillments/LOST-UNSENT").json()
    assert record["status"] == "sending" and record["fulfillment_ids"] == []  # ...so nothing is recorded done
    assert lost_answers.sent("fulfillmentCreate") == 1  # and it was not resent blindly

    status, _counts, error = l.run()  # the next push looks, finds nothing, and only then sends
    assert status == "succeeded", error
    theirs = l.order(order["id"])
    assert len(theirs["fulfillments"]) == 1 and theirs["fulfillments"][0]["totalQuantity"] == 1
    record = l.get("fulfillments/LOST-UNSENT").json()
    assert record["status"] == "fulfilled" and record["fulfillment_ids"] == [theirs["fulfillments"][0]["id"]]


SHIP_OUTSIDE_THE_APP = """mutation Ship($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id } userErrors { field message } }
}"""


def test_a_lost_answer_is_found_past_the_first_page_of_fulfillments_not_sent_again(fulfillment_shop, lost_answers):
    l = fulfillment_shop()
    order, skus = l.new_order((20,))
    fo = l.order(order["id"])["fulfillmentOrders"][0]
    for n in range(12):  # shipped earlier by someone else: more than one page of fulfillments (8)
        answer = l.handle.graphql(SHIP_OUTSIDE_THE_APP, {"fulfillment": {
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [
                {"id": fo["lineItems"][0]["id"], "quantity": 1}]}],
            "trackingInfo": {"company": "UPS", "number": f"EARLIER-{n}"}, "notifyCustomer": False}})
        assert answer["data"]["fulfillmentCreate"]["userErrors"] == [], answer
    assert l.post("fulfillments", shipment(l, order, [(skus[0], 1)], "LOST-13TH")).status_code == 202
    lost_answers.lose("fulfillmentCreate")
    for _run in range(2):  # the next run too: it looks again before it would send
        status, _counts, error = l.run()
        assert status == "succeeded", error
    assert len(lost_answers.lost) == 1 and lost_answers.sent("fulfillmentCreate") == 1  # never sent again
    theirs = l.order(order["id"])
    assert len(theirs["fulfillments"]) == 13
    record = l.get("fulfillments/LOST-13TH").json()
    assert record["status"] == "fulfilled", record
    assert record["fulfillment_ids"] == [theirs["fulfillments"][-1]["id"]]
