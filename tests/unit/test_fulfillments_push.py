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
