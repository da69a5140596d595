"""The fulfillment push with a scripted Shopify: its userErrors are recorded and shown."""
from __future__ import annotations

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.sync.fulfillments.push import push_request
from shopify_app.sync.fulfillments.requests import submit_fulfillment

from tests.conftest import SHOP

ORDER = "gid://shopify/Order/77"
LINE = "gid://shopify/LineItem/1"


class ScriptedShopify:
    def __init__(self, create_answer):
        self.create_answer = create_answer
        self.calls = []

    def execute(self, name, variables=None):
        self.calls.append((name, variables))
        if name == "fulfillment_order_state":
            return {"order": {
                "id": ORDER,
                "lineItems": {"nodes": [{"id": LINE, "sku": "SKU-1", "quantity": 2}], "pageInfo": {"hasNextPage": False}},
                "fulfillmentOrders": {"pageInfo": {"hasNextPage": False}, "nodes": [{
                    "id": "gid://shopify/FulfillmentOrder/5", "status": "OPEN",
                    "assignedLocation": {"location": {"id": "gid://shopify/Location/1"}},
                    "lineItems": {"pageInfo": {"hasNextPage": False}, "nodes": [
                        {"id": "gid://shopify/FulfillmentOrderLineItem/9", "remainingQuantity": 2,
                         "lineItem": {"id": LINE, "sku": "SKU-1"}}]}}]},
            }}
        if name == "fulfillment_create":
            return self.create_answer
        raise AssertionError(name)


def test_shopify_user_errors_are_recorded_and_visible(app, client, shop):
    req, created = submit_fulfillment({"shop": SHOP, "order_id": ORDER, "external_id": "E-1",
                                       "lines": [{"sku": "SKU-1", "quantity": 1}],
                                       "tracking": {"company": "UPS", "number": "1Z1"}})
    assert created
    shopify = ScriptedShopify({"fulfillmentCreate": {"fulfillment": None, "userErrors": [
        {"field": ["fulfillment"], "message": "Fulfillment order 5 has an unfulfillable status= closed."}]}})
    assert push_request(shopify, req) == "failed"
    sent = shopify.calls[-1][1]["fulfillment"]
    assert sent["lineItemsByFulfillmentOrder"] == [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/5",
                                                    "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/9", "quantity": 1}]}]
    assert sent["trackingInfo"] == {"company": "UPS", "number": "1Z1"} and sent["notifyCustomer"] is False
    _r, key = create_api_key("t")
    db.session.commit()
    body = client.get(f"/oms/v1/fulfillments/E-1?shop={SHOP}", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert body["status"] == "failed"
    assert body["user_errors"] == [{"field": ["fulfillment"], "message": "Fulfillment order 5 has an unfulfillable status= closed."}]
    # a failed request is not sent again by later runs
    assert push_request(shopify, req) == "failed" and len(shopify.calls) == 2


FO = "gid://shopify/FulfillmentOrder/5"


class PagedShopify(ScriptedShopify):
    """Shopify holding `pages` of the fulfillment order's fulfillments (a list per page);
    `more_after_last`: the last page still says hasNextPage (more than the app reads)."""

    def __init__(self, pages, more_after_last=False):
        super().__init__({"fulfillmentCreate": {"fulfillment": {"id": "gid://shopify/Fulfillment/new"},
                                                "userErrors": []}})
        self.pages, self.more_after_last = pages, more_after_last

    def execute(self, name, variables=None):
        if name != "fulfillment_order_fulfillments":
            return super().execute(name, variables)
        self.calls.append((name, variables))
        index = int((variables or {}).get("after") or 0)
        page = self.pages[min(index, len(self.pages) - 1)]
        more = index + 1 < len(self.pages) or self.more_after_last
        return {"fulfillmentOrder": {"id": FO, "fulfillments": {
            "nodes": page, "pageInfo": {"hasNextPage": more, "endCursor": str(index + 1)}}}}


def fulfilled(fid, number):
    return {"id": fid, "createdAt": "2999-01-01T00:00:00Z", "trackingInfo": [{"number": number}],
            "fulfillmentLineItems": {"nodes": [{"quantity": 1, "lineItem": {"id": LINE}}],
                                     "pageInfo": {"hasNextPage": False}}}


def left_sending(external_id):
    """A request whose part was being sent when the process died (or its answer was lost)."""
    req, _created = submit_fulfillment({"shop": SHOP, "order_id": ORDER, "external_id": external_id,
                                        "lines": [{"sku": "SKU-1", "quantity": 1}],
                                        "tracking": {"company": "UPS", "number": "1Z1"}})
    req.status = "sending"
    req.parts = [{"location_id": "gid://shopify/Location/1", "status": "sending",
                  "sending_at": "2026-11-23T12:00:00+00:00",
                  "items": [{"fulfillment_order_id": FO, "id": "gid://shopify/FulfillmentOrderLineItem/9",
                             "line_item_id": LINE, "quantity": 1}]}]
    db.session.commit()
    return req


def test_a_part_sent_is_found_past_the_first_page_of_fulfillments_not_sent_again(app, shop):
    req = left_sending("E-PAGED")
    others = [fulfilled(f"gid://shopify/Fulfillment/{n}", "OTHER") for n in range(8)]
    shopify = PagedShopify([others, others, [fulfilled("gid://shopify/Fulfillment/ours", "1Z1")]])
    assert push_request(shopify, req) == "fulfilled"
    assert req.fulfillment_ids == ["gid://shopify/Fulfillment/ours"]
    assert "fulfillment_create" not in [name for name, _v in shopify.calls]
    reads = [v for name, v in shopify.calls if name == "fulfillment_order_fulfillments"]
    assert [v["id"] for v in reads] == [FO] * 3 and [v["after"] for v in reads] == [None, "1", "2"]


def test_a_part_maybe_among_fulfillments_not_read_stays_sending_and_is_not_sent(app, shop):
    req = left_sending("E-CUT")
    others = [fulfilled(f"gid://shopify/Fulfillment/{n}", "OTHER") for n in range(8)]
    shopify = PagedShopify([others], more_after_last=True)  # more pages than the app reads
    assert push_request(shopify, req) == "sending"
    assert "fulfillment_create" not in [name for name, _v in shopify.calls]
    assert req.parts[0]["status"] == "sending" and req.fulfillment_ids == []
    assert "could not all be read" in req.error
    # once Shopify's list can be read to its end, the part is sent (it was not there)
    shopify = PagedShopify([others])
    assert push_request(shopify, req) == "fulfilled"
    assert [name for name, _v in shopify.calls].count("fulfillment_create") == 1
