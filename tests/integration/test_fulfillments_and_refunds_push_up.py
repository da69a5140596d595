"""Fulfillments and refunds out, against devstore over real HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import FulfillmentRequest, ReturnRequest, Shop
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync.connection import client_for
from shopify_app.sync.fulfillments.push import push_request
from shopify_app.sync.refunds.push import push_return

from tests.integration.conftest import Crash


def shipment(l, order, skus, external_id="SHIP-1", qty=2, number="1Z999AA10123456784"):
    return {"shop": l.handle.domain, "order_id": order["id"], "external_id": external_id,
            "lines": [{"sku": skus[0], "quantity": qty}],
            "tracking": {"company": "UPS", "number": number, "url": f"https://www.ups.com/track?tracknum={number}"},
            "notify_customer": True}


def test_partial_fulfillment_with_tracking_then_repeat_changes_nothing(fulfillment_shop):
    l = fulfillment_shop()
    order, skus = l.new_order((3, 1))
    r = l.post("fulfillments", shipment(l, order, skus))
    assert r.status_code == 202, r.text
    status, counts, error = l.run()
    assert status == "succeeded", error
    assert counts.get("fulfilled") == 1, l.get("fulfillments/SHIP-1").json()
    record = l.get("fulfillments/SHIP-1").json()
    assert record["status"] == "fulfilled" and len(record["fulfillment_ids"]) == 1
    theirs = l.order(order["id"])
    assert theirs["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert len(theirs["fulfillments"]) == 1
    f = theirs["fulfillments"][0]
    assert f["trackingInfo"][0]["number"] == "1Z999AA10123456784" and f["trackingInfo"][0]["company"] == "UPS"
    assert f["notifyCustomer"] is True and f["totalQuantity"] == 2

    # posting it again changes nothing
    r = l.post("fulfillments", shipment(l, order, skus))
    assert r.status_code == 200 and r.json()["status"] == "fulfilled"
    l.run()
    assert len(l.order(order["id"])["fulfillments"]) == 1
    assert l.post("fulfillments", shipment(l, order, skus, qty=1)).status_code == 409


def test_crash_between_shopify_answer_and_commit_never_fulfils_twice(fulfillment_shop):
    l = fulfillment_shop()
    order, skus = l.new_order((3, 1))
    assert l.post("fulfillments", shipment(l, order, skus, "SHIP-CRASH")).status_code == 202
    with l.c.app.app_context():
        req = db.session.execute(select(FulfillmentRequest).where(FulfillmentRequest.external_id == "SHIP-CRASH")).scalar_one()
        client = client_for(db.session.get(Shop, l.shop_id), min_level=AccessLevel.READ_WRITE)

        def crash(*_args):
            raise Crash("the process died here")
        with pytest.raises(Crash):
            push_request(client, req, after_call=crash)
        db.session.rollback()
        db.session.remove()
    assert len(l.order(order["id"])["fulfillments"]) == 1  # Shopify did it
    assert l.get("fulfillments/SHIP-CRASH").json()["status"] == "sending"  # we did not record it
    status, _counts, error = l.run()
    assert status == "succeeded", error
    record = l.get("fulfillments/SHIP-CRASH").json()
    theirs = l.order(order["id"])
    assert len(theirs["fulfillments"]) == 1
    assert record["status"] == "fulfilled" and record["fulfillment_ids"] == [theirs["fulfillments"][0]["id"]]


def test_errors_are_recorded_and_visible(fulfillment_shop):
    l = fulfillment_shop()
    order, skus = l.new_order((1, 1))
    assert l.post("fulfillments", shipment(l, order, skus, "TOO-MANY", qty=5)).status_code == 202
    status, _counts, _error = l.run()
    assert status == "succeeded"
    record = l.get("fulfillments/TOO-MANY").json()
    assert record["status"] == "failed" and record["user_errors"]
    assert "left to fulfil" in record["user_errors"][0]["message"]
    assert l.order(order["id"])["fulfillments"] == []


def test_read_access_blocks_fulfillments_and_refunds(fulfillment_shop):
    l = fulfillment_shop(access="read", upload_refunds=True)
    order, skus = l.new_order((2,))
    assert l.post("fulfillments", shipment(l, order, skus, "RO-1", qty=1)).status_code == 202
    assert l.post("returns", {"shop": l.handle.domain, "order_id": order["id"], "external_id": "RO-R1",
                              "lines": [{"sku": skus[0], "quantity": 1}]}).status_code == 202
    status, _counts, error = l.run()
    assert status == "skipped" and "read" in error
    theirs = l.order(order["id"])
    assert theirs["fulfillments"] == [] and theirs["refunds"] == []
    assert l.get("fulfillments/RO-1").json()["status"] == "pending"


def test_refunds_off_are_kept_not_sent(fulfillment_shop):
    l = fulfillment_shop(upload_refunds=False)
    order, skus = l.new_order((2,))
    r = l.post("returns", {"shop": l.handle.domain, "order_id": order["id"], "external_id": "R-OFF",
                           "lines": [{"sku": skus[0], "quantity": 1}], "note": "too small"})
    assert r.status_code == 202 and r.json()["status"] == "kept"
    assert l.run()[0] == "succeeded"
    assert l.order(order["id"])["refunds"] == []
    assert l.get("returns/R-OFF").json()["status"] == "kept"


def test_refunds_on_become_refunds_once(fulfillment_shop):
    l = fulfillment_shop(upload_refunds=True)
    order, skus = l.new_order((2, 1))
    body = {"shop": l.handle.domain, "order_id": order["id"], "external_id": "R-ON",
            "lines": [{"sku": skus[0], "quantity": 1}], "note": "too small"}
    assert l.post("returns", body).status_code == 202
    status, counts, error = l.run()
    assert status == "succeeded", error
    record = l.get("returns/R-ON").json()
    assert record["status"] == "refunded", record
    theirs = l.order(order["id"])
    assert len(theirs["refunds"]) == 1
    refund = theirs["refunds"][0]
    assert refund["id"] == record["refund_id"] and "R-ON" in refund["note"]
    assert refund["refundLineItems"][0]["quantity"] == 1
    assert float(refund["totalRefundedSet"]["shopMoney"]["amount"]) > 0
    assert l.post("returns", body).status_code == 200
    l.run()
    assert len(l.order(order["id"])["refunds"]) == 1

    # a crash after Shopify refunded, before we recorded it: found by its note, not repeated
    body2 = dict(body, external_id="R-CRASH", lines=[{"sku": skus[1], "quantity": 1}])
    assert l.post("returns", body2).status_code == 202
    with l.c.app.app_context():
        req = db.session.execute(select(ReturnRequest).where(ReturnRequest.external_id == "R-CRASH")).scalar_one()
        client = client_for(db.session.get(Shop, l.shop_id), min_level=AccessLevel.READ_WRITE)
        with pytest.raises(Crash):
            push_return(client, req, after_call=lambda *_a: (_ for _ in ()).throw(Crash("died")))
        db.session.rollback()
        db.session.remove()
    assert l.get("returns/R-CRASH").json()["status"] == "sending"
    assert l.run()[0] == "succeeded"
    assert l.get("returns/R-CRASH").json()["status"] == "refunded"
    assert len(l.order(order["id"])["refunds"]) == 2


def test_a_push_shopify_fails_is_kept_for_the_next_run_and_given_up_after_max_attempts(fulfillment_shop):
    from shopify_app.sync.oms_requests.store import MAX_ATTEMPTS

    l = fulfillment_shop()
    order, skus = l.new_order((3, 1))
    assert l.post("fulfillments", shipment(l, order, skus)).status_code == 202
    l.ds.faults(fail_next=1, error_status=400, paths="graphql")
    try:
        status, counts, error = l.run()
    finally:
        l.ds.clear_faults()
    assert status == "succeeded", error
    assert counts.get("errors") == 1
    record = l.get("fulfillments/SHIP-1").json()
    assert record["status"] == "pending" and record["attempts"] == 1 and record["error"].startswith("GraphQLError")
    assert l.run()[1].get("fulfilled") == 1  # the next run sends it

    assert l.post("fulfillments", shipment(l, order, skus, external_id="SHIP-2", qty=1)).status_code == 202
    with l.c.app.app_context():
        req = db.session.execute(select(FulfillmentRequest).where(FulfillmentRequest.external_id == "SHIP-2")).scalar_one()
        req.attempts = MAX_ATTEMPTS - 1
        db.session.commit()
    l.ds.faults(fail_next=1, error_status=400, paths="graphql")
    try:
        l.run()
    finally:
        l.ds.clear_faults()
    record = l.get("fulfillments/SHIP-2").json()
    assert record["status"] == "failed" and record["attempts"] == MAX_ATTEMPTS
    assert len(l.order(order["id"])["fulfillments"]) == 1
