"""devstore.webhooks and devstore.payloads: delivery, headers, HMAC, retries, shapes."""
from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstore import payloads, seed
from devstore.config import API_VERSION
from devstore.webhooks import WebhookDispatcher, normalize_topic, subscriptions_from_toml
from tests.conftest import webhook_hmac

SECRET = "whsec-test-0123456789abcdef0123456789"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks"
TOML = Path(__file__).resolve().parents[2] / "shopify.app.toml"
SHOP = "hooks.myshopify.com"


class Receiver:
    """A tiny local webhook receiver: records requests, answers from a script of statuses."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list = []      # statuses to answer in turn (int, or ("sleep", s)); then 200
        self.lock = threading.Lock()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with recv.lock:
                    recv.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "at": time.monotonic()})
                    action = recv.script.pop(0) if recv.script else 200
                if isinstance(action, tuple):
                    time.sleep(action[1])
                    action = 200
                try:
                    self.send_response(action)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def dispatcher(receiver):
    subs = subscriptions_from_toml(str(TOML))
    d = WebhookDispatcher(SECRET, receiver.url, subs, retry_schedule=[0.05, 0.1, 0.2])
    yield d
    d.close()


def test_toml_subscriptions():
    subs = subscriptions_from_toml(str(TOML))
    topics = {s["topic"]: s for s in subs}
    assert {"orders/create", "products/update", "inventory_levels/update", "bulk_operations/finish",
            "app/uninstalled", "refunds/create", "locations/delete"} <= set(topics)
    assert topics["customers/redact"]["compliance"] is True
    assert topics["shop/redact"]["compliance"] is True
    assert topics["orders/create"]["compliance"] is False
    assert all(s["uri"] == "/webhooks" for s in subs)


def test_topic_names():
    assert normalize_topic("ORDERS_CREATE") == "orders/create"
    assert normalize_topic("APP_SCOPES_UPDATE") == "app/scopes_update"
    assert normalize_topic("INVENTORY_LEVELS_UPDATE") == "inventory_levels/update"
    assert normalize_topic("BULK_OPERATIONS_FINISH") == "bulk_operations/finish"
    assert normalize_topic("CUSTOMERS_DATA_REQUEST") == "customers/data_request"
    assert normalize_topic("products/update") == "products/update"


def test_delivery_headers_and_signature(receiver, dispatcher):
    payload = {"id": 123, "title": "Caf\u00e9 mug", "admin_graphql_api_id": "gid://shopify/Product/123"}
    event_id = dispatcher.emit(SHOP, "products/update", payload, api_version=API_VERSION)
    assert dispatcher.wait_idle(10)
    assert len(receiver.requests) == 1
    req = receiver.requests[0]
    h = req["headers"]
    assert req["path"] == "/webhooks"                      # relative uri resolved against the app URL
    assert h["Content-Type"] == "application/json"
    assert h["X-Shopify-Topic"] == "products/update"
    assert h["X-Shopify-Shop-Domain"] == SHOP
    assert h["X-Shopify-API-Version"] == API_VERSION
    assert h["X-Shopify-Event-Id"] == event_id
    uuid.UUID(h["X-Shopify-Webhook-Id"])
    assert h["X-Shopify-Triggered-At"].endswith("Z")
    assert hmac.compare_digest(h["X-Shopify-Hmac-Sha256"], webhook_hmac(req["body"], SECRET))
    assert json.loads(req["body"]) == payload
    log = dispatcher.deliveries[-1]
    assert log["ok"] and log["status"] == 200 and log["webhook_id"] == h["X-Shopify-Webhook-Id"]
    assert log["duration_ms"] is not None and log["attempt"] == 1


def test_each_delivery_has_its_own_webhook_id(receiver, dispatcher):
    dispatcher.emit(SHOP, "orders/create", {"id": 1})
    dispatcher.emit(SHOP, "orders/create", {"id": 1})
    assert dispatcher.wait_idle(10)
    ids = [r["headers"]["X-Shopify-Webhook-Id"] for r in receiver.requests]
    assert len(ids) == 2 and ids[0] != ids[1]


def test_retry_after_500_keeps_webhook_id_with_backoff(receiver, dispatcher):
    receiver.script = [500, 503]
    dispatcher.emit(SHOP, "orders/updated", {"id": 9})
    assert dispatcher.wait_idle(10)
    reqs = receiver.requests
    assert len(reqs) == 3
    hdr = [r["headers"] for r in reqs]
    assert len({h["X-Shopify-Webhook-Id"] for h in hdr}) == 1
    assert len({h["X-Shopify-Event-Id"] for h in hdr}) == 1
    assert len({h["X-Shopify-Triggered-At"] for h in hdr}) == 1
    assert all(hmac.compare_digest(r["headers"]["X-Shopify-Hmac-Sha256"], webhook_hmac(r["body"], SECRET)) for r in reqs)
    gaps = [b["at"] - a["at"] for a, b in zip(reqs, reqs[1:])]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1          # the schedule, growing
    attempts = dispatcher.attempts_for(hdr[0]["X-Shopify-Webhook-Id"])
    assert [a["status"] for a in attempts] == [500, 503, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert attempts[0]["next_retry_at"] and attempts[-1]["final"] and attempts[-1]["ok"]


def test_gives_up_after_the_schedule(receiver, dispatcher):
    receiver.script = [500] * 10
    dispatcher.emit(SHOP, "orders/create", {"id": 1})
    assert dispatcher.wait_idle(10)
    assert len(receiver.requests) == 4                   # first try + 3 retries
    assert dispatcher.deliveries[-1]["final"] and not dispatcher.deliveries[-1]["ok"]


def test_timeout_is_retried(receiver):
    d = WebhookDispatcher(SECRET, receiver.url, [{"topic": "orders/create", "uri": "/webhooks"}],
                          retry_schedule=[0.05], read_timeout=0.3)
    try:
        receiver.script = [("sleep", 1.0)]
        d.emit(SHOP, "orders/create", {"id": 2})
        assert d.wait_idle(10)
        assert d.deliveries[0]["error"] == "timeout"
        assert d.deliveries[1]["ok"]
        assert d.deliveries[0]["webhook_id"] == d.deliveries[1]["webhook_id"]
    finally:
        d.close()


def test_emit_does_not_block(receiver):
    d = WebhookDispatcher(SECRET, receiver.url, [{"topic": "orders/create", "uri": "/webhooks"}],
                          retry_schedule=[])
    try:
        receiver.script = [("sleep", 0.5)]
        t = time.monotonic()
        d.emit(SHOP, "orders/create", {"id": 3})
        assert time.monotonic() - t < 0.3
        assert d.wait_idle(10)
    finally:
        d.close()


def test_app_url_set_later_and_unsubscribed_topics(receiver):
    d = WebhookDispatcher(SECRET, "", subscriptions_from_toml(str(TOML)), retry_schedule=[0.05])
    try:
        d.set_app_url(receiver.url + "/")
        d.emit(SHOP, "customers/update", {"id": 1})      # not subscribed: nothing sent
        d.emit(SHOP, "shop/redact", {"shop_id": 1, "shop_domain": SHOP})
        assert d.wait_idle(10)
        assert [r["headers"]["X-Shopify-Topic"] for r in receiver.requests] == ["shop/redact"]
        assert receiver.requests[0]["path"] == "/webhooks"
    finally:
        d.close()


def test_shop_specific_subscriptions(receiver):
    d = WebhookDispatcher(SECRET, receiver.url, [], retry_schedule=[0.01])
    try:
        sid = d.add_subscription(SHOP, "ORDERS_CREATE", receiver.url + "/shop-hook")
        d.emit(SHOP, "orders/create", {"id": 1})
        d.emit("other.myshopify.com", "orders/create", {"id": 2})
        assert d.wait_idle(10)
        assert [r["path"] for r in receiver.requests] == ["/shop-hook"]
        assert receiver.requests[0]["headers"]["X-Shopify-Shop-Domain"] == SHOP
        # a subscription created through the API goes away once its deliveries keep failing
        receiver.script = [500, 500]
        d.emit(SHOP, "orders/create", {"id": 3})
        assert d.wait_idle(10)
        assert not any(s["id"] == sid for s in d.subscriptions)
        assert d.removed_subscriptions and d.removed_subscriptions[0]["id"] == sid
    finally:
        d.close()


# --- payload shapes against Shopify's samples ---------------------------------------------------------
def sample(name):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture(scope="module")
def data():
    d = seed.generate(seed=5, products=30, orders=120, shop_domain=SHOP)
    return d, list(d.products), list(d.orders)


def keys_match(got, want, path="$"):
    assert set(got) == set(want), (path, set(want) - set(got), set(got) - set(want))


def test_order_payload_shape(data):
    _, _, orders = data
    want = sample("orders/create.json")
    o = next(o for o in orders if o["refunds"] and o["fulfillments"])
    got = payloads.order_payload(o)
    keys_match(got, want)
    for k in ("line_items", "shipping_lines"):
        keys_match(got[k][0], want[k][0], k)
    keys_match(got["customer"], want["customer"], "customer")
    keys_match(got["customer"]["default_address"], want["customer"]["default_address"])
    keys_match(got["shipping_address"], want["shipping_address"])
    assert got["id"] == int(o["id"].rsplit("/", 1)[1]) and got["admin_graphql_api_id"] == o["id"]
    assert got["order_number"] == o["number"] and got["name"] == o["name"]
    assert got["financial_status"] in ("paid", "partially_refunded", "refunded")
    assert got["refunds"][0]["order_id"] == got["id"]
    assert got["line_items"][0]["price_set"]["shop_money"]["currency_code"] == "USD"
    json.dumps(got)


def test_product_refund_fulfillment_and_other_payload_shapes(data):
    d, products, orders = data
    p = products[0]
    got = payloads.product_payload(p)
    want = sample("products/update.json")
    keys_match(got, want)
    keys_match(got["variants"][0], want["variants"][0])
    assert got["tags"] == ", ".join(p["tags"]) and got["status"] == p["status"].lower()

    o = next(o for o in orders if o["refunds"])
    r = payloads.refund_payload(o["refunds"][0], o)
    want = sample("refunds/create.json")
    keys_match(r, want)
    keys_match(r["refund_line_items"][0], want["refund_line_items"][0])
    keys_match(r["transactions"][0], want["transactions"][0])

    o = next(o for o in orders if o["fulfillments"])
    keys_match(payloads.fulfillment_payload(o["fulfillments"][0], o), sample("fulfillments/create.json"))

    item = p["variants"][0]["inventoryItem"]
    lv = item["inventoryLevels"][0]
    il = payloads.inventory_level_payload(lv, item)
    keys_match(il, sample("inventory_levels/update.json"))
    assert il["available"] == lv["quantities"]["available"] and il["admin_graphql_api_id"] == lv["id"]

    keys_match(payloads.app_uninstalled_payload(d.shop), sample("app/uninstalled.json"))
    c = orders[0]["customer"] or next(o["customer"] for o in orders if o["customer"])
    keys_match(payloads.customers_redact_payload(d.shop, c, [orders[0]]), sample("customers/redact.json"))
    keys_match(payloads.customers_data_request_payload(d.shop, c, [orders[0]["id"]], 7),
               sample("customers/data_request.json"))
    keys_match(payloads.shop_redact_payload(d.shop), sample("shop/redact.json"))
    keys_match(payloads.app_scopes_update_payload(d.shop, ["read_products"], ["read_products", "write_products"]),
               sample("app/scopes_update.json"))
    op = {"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "type": "QUERY", "errorCode": None,
          "createdAt": "2026-11-23T18:00:00Z", "completedAt": "2026-11-23T18:01:00Z"}
    bp = payloads.bulk_operation_finish_payload(op)
    keys_match(bp, sample("bulk_operations/finish.json"))
    assert bp["status"] == "completed" and bp["type"] == "query" and bp["error_code"] is None
    loc = payloads.location_payload(d.locations[0])
    assert loc["id"] == int(d.locations[0]["id"].rsplit("/", 1)[1]) and loc["name"] == d.locations[0]["name"]
