"""Requests as an attacker sends them: deep JSON, oversized bodies, odd shops in ?shop, and the
security headers every page carries."""
import socket
import uuid

import pytest

from shopify_app import create_app
from shopify_app.web.body_limits import BODY_LIMITS, DEFAULT_BODY_LIMIT, MiB

from tests.conftest import SHOP, base_env, webhook_hmac

DEEP = b"[" * 100_000 + b"]" * 100_000  # 200 KB: within every body limit
NOT_QUITE_AS_DEEP = b'{"a":' * 200 + b"1" + b"}" * 200  # parses, but deeper than any real body


def signed_webhook_headers(body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Hmac-Sha256": webhook_hmac(body),
    }


# --- deeply nested JSON: 400, never 500 -------------------------------------------------------

@pytest.mark.parametrize("body", [DEEP, NOT_QUITE_AS_DEEP], ids=["recursion", "depth"])
def test_deeply_nested_json_is_a_400_json_error_on_every_json_route(client, shop, oms, auth_headers, body):
    calls = [
        ("PATCH", "/api/shop", auth_headers()),
        ("PUT", "/api/mappings/product_type", auth_headers()),
        ("PUT", "/oms/v1/inventory", oms),
        ("POST", "/oms/v1/fulfillments", oms),
        ("POST", "/oms/v1/returns", oms),
        ("POST", "/webhooks", signed_webhook_headers(body)),
    ]
    for method, path, headers in calls:
        resp = client.open(path, method=method, data=body, headers={"Content-Type": "application/json", **headers})
        assert resp.status_code == 400, (path, resp.status_code)
        assert "error" in resp.get_json(), path


# --- body limits: 413 before the body is read ---------------------------------------------------

def test_each_route_has_its_limit():
    assert BODY_LIMITS["webhooks.receive"] == 5 * MiB
    assert BODY_LIMITS["oms.put_inventory"] > BODY_LIMITS["webhooks.receive"] > DEFAULT_BODY_LIMIT == 1 * MiB


def test_a_body_over_the_route_limit_is_413_as_json(client, shop, oms, auth_headers):
    small = b"x" * (DEFAULT_BODY_LIMIT + 1)
    assert client.patch("/api/shop", data=small, headers=auth_headers()).status_code == 413
    resp = client.post("/oms/v1/fulfillments", data=small, headers=oms)
    assert resp.status_code == 413 and "error" in resp.get_json()
    # Webhooks take more than the default, and not more than theirs.
    webhook = b'{"id": 1, "pad": "' + b"x" * (2 * MiB) + b'"}'
    assert client.post("/webhooks", data=webhook, headers=signed_webhook_headers(webhook)).status_code == 200
    too_big = b"x" * (5 * MiB + 1)
    resp = client.post("/webhooks", data=too_big, headers=signed_webhook_headers(too_big))
    assert resp.status_code == 413 and "error" in resp.get_json()


def test_the_bulk_inventory_call_takes_more_than_a_mebibyte(client, oms):
    rows = b",".join(b'{"facility_id": "NOPE", "sku": "SKU-%06d", "atp": 1}' % i for i in range(40_000))
    body = b"[" + rows + b"]"
    assert len(body) > 2 * MiB
    resp = client.put("/oms/v1/inventory", data=body, headers={"Content-Type": "application/json", **oms})
    assert resp.status_code == 422  # read and checked (the facility is unknown), not refused for its size


def raw_request(port: int, head: bytes, body_chunks=()) -> bytes:
    """Send a request by hand and return what the server answers first."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while we were still sending: what we want
        return sock.recv(65536)


@pytest.fixture
def served(app, live_server_factory):
    return live_server_factory(app)


def test_a_declared_length_over_the_limit_is_refused_without_waiting_for_the_body(served):
    head = (b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (64 * MiB))
    answer = raw_request(served.port, head)  # none of the 64 MiB is ever sent
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_chunked_body_is_read_no_further_than_the_limit(served):
    head = (b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 100  # 6.25 MiB offered, never terminated
    answer = raw_request(served.port, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_chunked_body_within_the_limit_is_read_whole(served):
    body = b'{"id": 7, "title": "' + b"x" * 200_000 + b'"}'
    headers = "".join(f"{k}: {v}\r\n" for k, v in signed_webhook_headers(body).items()).encode()
    head = b"POST /webhooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + headers + b"\r\n"
    chunks = [b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:100_000], body[100_000:])] + [b"0\r\n\r\n"]
    answer = raw_request(served.port, head, chunks)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]  # the HMAC matched: nothing was cut


# --- ?shop in pages and their Content-Security-Policy ------------------------------------------

def test_a_kelvin_sign_in_the_shop_is_a_400_not_a_500(client):
    kelvin = "\u212aelvin-shop.myshopify.com"  # lowers to "kelvin-shop.myshopify.com"
    for path in ("/", "/auth", "/auth/callback"):
        assert client.get(path, query_string={"shop": kelvin}).status_code == 400, path


def test_an_unknown_page_is_framed_by_no_one_whatever_its_shop(client):
    resp = client.get("/no-such-page", query_string={"shop": "attacker.myshopify.com"})
    assert resp.status_code == 404
    policy = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none';" in policy and "attacker" not in policy


def test_pages_allow_scripts_from_our_origin_and_app_bridge_only(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self' https://cdn.shopify.com;" in policy
    assert "object-src 'none'" in policy


def test_hsts_when_the_app_is_served_over_https(database_url):
    https = create_app(base_env(DATABASE_URL=database_url, SHOPIFY_APP_URL="https://app.example.com"))
    assert https.test_client().get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"
    http = create_app(base_env(DATABASE_URL=database_url, SHOPIFY_APP_URL="http://127.0.0.1:8000"))
    assert "Strict-Transport-Security" not in http.test_client().get("/healthz").headers
