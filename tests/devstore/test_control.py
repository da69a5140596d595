"""The control API: store changes are visible over GraphQL and sent as webhooks to the app URL."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from devstore.testing import DEFAULT_API_SECRET, new_shop, shop_origin_template
from tests.conftest import webhook_hmac

pytestmark = pytest.mark.integration


class Receiver:
    def __init__(self):
        self.received = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, topic, shop, n=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = [r for r in self.received if r["headers"].get("X-Shopify-Topic") == topic
                   and r["headers"].get("X-Shopify-Shop-Domain") == shop]
            if len(got) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(f"no {topic} for {shop}: {[r['headers'].get('X-Shopify-Topic') for r in self.received]}")


@pytest.fixture(scope="module")
def hooked(devstore_factory):
    rx = Receiver()
    ds = devstore_factory(app_url=rx.url, products=5, orders=5, webhook_retry_schedule=[0.1, 0.2])
    yield ds, rx
    rx.server.shutdown()


def _valid(r):
    mac = webhook_hmac(r["body"], DEFAULT_API_SECRET)
    return mac == r["headers"]["X-Shopify-Hmac-Sha256"]


def test_shop_origin_template(devstore):
    assert devstore.shop_origin == shop_origin_template(devstore.base_url) == f"http://127.0.0.1:{devstore.port}/{{shop}}"
    assert devstore.client.health()["ok"] is True


def test_products_changes_reach_graphql_and_webhooks(hooked):
    ds, rx = hooked
    shop = new_shop(ds, products=3, orders=2)
    p = ds.client.create_product(shop.domain, title="Control Tee", productType="T-Shirt",
                                 variants=[{"sku": "CT-S", "price": "12.5", "options": {"Size": "S"}, "quantity": 4},
                                           {"sku": "CT-M", "price": "12.5", "options": {"Size": "M"}}])
    created = rx.wait("products/create", shop.domain)[0]
    assert _valid(created) and json.loads(created["body"])["title"] == "Control Tee"
    j = shop.graphql("query($id: ID!) { product(id: $id) { title productType options { name values } "
                     "variants(first: 5) { nodes { sku price inventoryQuantity } } } }", {"id": p["id"]})
    prod = j["data"]["product"]
    assert prod["title"] == "Control Tee" and prod["options"] == [{"name": "Size", "values": ["S", "M"]}]
    assert [v["sku"] for v in prod["variants"]["nodes"]] == ["CT-S", "CT-M"]
    assert prod["variants"]["nodes"][0]["inventoryQuantity"] == 4
    ds.client.update_product(shop.domain, p["id"], title="Control Tee v2")
    assert json.loads(rx.wait("products/update", shop.domain)[-1]["body"])["title"] == "Control Tee v2"
    ds.client.delete_product(shop.domain, p["id"])
    rx.wait("products/delete", shop.domain)
    assert shop.graphql("query($id: ID!) { product(id: $id) { id } }", {"id": p["id"]})["data"]["product"] is None


def test_orders_inventory_locations_and_compliance(hooked):
    ds, rx = hooked
    shop = new_shop(ds, products=3, orders=2)
    v = ds.client.products(shop.domain)[0]["variants"][0]
    o = ds.client.create_order(shop.domain, [{"variant_id": v["id"], "quantity": 2}], email="a@example.com")
    rx.wait("orders/create", shop.domain)
    line = o["lineItems"][0]["id"]
    ds.client.edit_order(shop.domain, o["id"], line_items=[{"id": line, "quantity": 1}],
                         shipping_address={"address1": "2 New St", "city": "Boston"})
    rx.wait("orders/edited", shop.domain)
    j = shop.graphql("query($id: ID!) { order(id: $id) { shippingAddress { address1 } lineItems(first: 5) { nodes { currentQuantity } } } }",
                     {"id": o["id"]})
    assert j["data"]["order"]["shippingAddress"]["address1"] == "2 New St"
    assert j["data"]["order"]["lineItems"]["nodes"][0]["currentQuantity"] == 1
    ds.client.refund_order(shop.domain, o["id"], line_items=[{"id": line, "quantity": 1}], amount="5.00")
    rx.wait("refunds/create", shop.domain)
    ds.client.cancel_order(shop.domain, o["id"])
    rx.wait("orders/cancelled", shop.domain)
    j = shop.graphql('{ orders(first: 10, query: "status:cancelled") { nodes { id cancelReason } } }')
    assert [n["id"] for n in j["data"]["orders"]["nodes"]] == [o["id"]]

    loc = ds.client.create_location(shop.domain, name="Pop-up", fulfillsOnlineOrders=False)
    rx.wait("locations/create", shop.domain)
    ds.client.update_location(shop.domain, loc["id"], name="Pop-up 2")
    rx.wait("locations/update", shop.domain)
    ds.client.set_inventory(shop.domain, {"inventory_item_id": v["inventoryItemId"], "location_id": loc["id"],
                                          "available": 9})
    rx.wait("inventory_levels/update", shop.domain)
    lv = shop.graphql("query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { inventoryLevel(locationId: $loc) { "
                      "quantities(names: [\"available\"]) { quantity } } } }",
                      {"id": v["inventoryItemId"], "loc": loc["id"]})
    assert lv["data"]["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"] == 9

    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        ds.client.compliance(shop.domain, topic)
        r = rx.wait(topic, shop.domain)[0]
        assert _valid(r) and json.loads(r["body"])["shop_domain"] == shop.domain
    ds.client.uninstall(shop.domain)
    rx.wait("app/uninstalled", shop.domain)


def test_faults(devstore, devstore_shop):
    c = devstore.client
    c.faults(fail_next=1, error_status=503)
    try:
        r = devstore_shop.graphql("{ shop { name } }", raw=True)
        assert r.status_code == 503
        assert devstore_shop.graphql("{ shop { name } }", raw=True).status_code == 200
        c.faults(latency_ms=300)
        t = time.time()
        devstore_shop.graphql("{ shop { name } }")
        assert time.time() - t >= 0.3
        c.faults(latency_ms=0, drop_rate=1.0)
        with pytest.raises(requests.ConnectionError):
            requests.post(devstore.graphql_url(devstore_shop.domain), json={"query": "{ shop { name } }"},
                          headers={"X-Shopify-Access-Token": devstore_shop.token}, timeout=5)
    finally:
        c.clear_faults()
    assert devstore_shop.graphql("{ shop { name } }", raw=True).status_code == 200


def test_orders_move_stock(devstore, devstore_shop):
    shop, c = devstore_shop, devstore.client
    v = c.products(shop.domain)[0]["variants"][0]
    loc = c.locations(shop.domain)[0]["id"]
    c.set_inventory(shop.domain, {"inventory_item_id": v["inventoryItemId"], "location_id": loc,
                                  "available": 10, "on_hand": 10, "committed": 0})

    def q():
        return c.inventory(shop.domain, inventory_item_id=v["inventoryItemId"], location_id=loc)[0]["quantities"]
    o = c.create_order(shop.domain, [{"variant_id": v["id"], "quantity": 3}], location_id=loc)
    assert (q()["available"], q()["committed"], q()["on_hand"]) == (7, 3, 10)       # placing commits
    fo = shop.graphql("query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 1) { nodes { id "
                      "lineItems(first: 5) { nodes { id } } } } } }", {"id": o["id"]})["data"]["order"]
    fo = fo["fulfillmentOrders"]["nodes"][0]
    j = shop.graphql("""mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }""",
                     {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems":
                                                             [{"id": fo["lineItems"]["nodes"][0]["id"], "quantity": 1}]}]}})
    assert j["data"]["fulfillmentCreate"]["userErrors"] == []
    assert (q()["available"], q()["committed"], q()["on_hand"]) == (7, 2, 9)        # shipping one
    c.edit_order(shop.domain, o["id"], line_items=[{"id": o["lineItems"][0]["id"], "quantity": 2}])
    assert (q()["available"], q()["committed"], q()["on_hand"]) == (8, 1, 9)        # one less to ship
    c.cancel_order(shop.domain, o["id"])
    assert (q()["available"], q()["committed"], q()["on_hand"]) == (9, 0, 9)        # released
