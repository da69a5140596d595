"""Contracts other programs rely on (DESIGN.md): bad input is a JSON 4xx, never a 500;
the shapes Shopify and the OMS read."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import SyncRun, WebhookDelivery

from tests.conftest import SHOP, webhook_hmac


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def assert_json_400(resp):
    assert resp.status_code == 400, (resp.status_code, resp.get_data(as_text=True))
    assert isinstance(resp.json.get("error"), str)


# --- PATCH /api/shop ---------------------------------------------------------------

@pytest.mark.parametrize("settings", ["abc", 5, [1], None])
def test_patch_shop_settings_not_an_object_is_400(client, shop, auth_headers, settings):
    assert_json_400(client.patch("/api/shop", json={"settings": settings}, headers=auth_headers()))


# --- GET /api/sync: `running` ---------------------------------------------------------

def test_running_flow_is_truthy_before_it_reports_progress(client, shop, auth_headers):
    now = datetime.now(timezone.utc)
    db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="manual", status="running",
                           started_at=now, counts={}, progress={}))
    db.session.commit()
    body = client.get("/api/sync", headers=auth_headers()).json
    assert body["orders"]["running"]  # not {}: a client testing truthiness sees it running
    assert body["products"]["running"] is False


# --- OMS lists: cursors and updated_since --------------------------------------------

@pytest.mark.parametrize("path", ["/oms/v1/products", "/oms/v1/orders"])
@pytest.mark.parametrize("values", [
    {"u": 1, "i": 1},
    {"u": None, "i": 1},
    {"u": "2026-01-01T00:00:00Z", "i": 10**30},
    {"u": "2026-01-01T00:00:00Z", "i": -1},
])
def test_tampered_list_cursor_is_400(client, shop, oms, path, values):
    assert_json_400(client.get(path, query_string={"cursor": cursor(values)}, headers=oms))


@pytest.mark.parametrize("path", ["/oms/v1/products", "/oms/v1/orders"])
@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_updated_since_without_a_utc_moment_is_400(client, shop, oms, path, since):
    assert_json_400(client.get(path, query_string={"updated_since": since}, headers=oms))


def test_updated_since_with_an_offset_still_filters(client, shop, oms):
    resp = client.get("/oms/v1/orders", query_string={"updated_since": "2026-11-01T00:00:00-05:00"}, headers=oms)
    assert resp.status_code == 200 and resp.json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("raw", [b'{"id": 1e400}', b'{"id": 100000000000000000000000000000}', b'{"id": -3}'])
def test_tampered_facilities_cursor_is_400(client, shop, oms, raw):
    resp = client.get("/oms/v1/facilities", query_string={"cursor": base64.urlsafe_b64encode(raw).decode()},
                      headers=oms)
    assert_json_400(resp)


# --- POST /oms/v1/fulfillments and /returns: ids and quantities -------------------------

def _body(**over):
    body = {"shop": SHOP, "order_id": "gid://shopify/Order/1", "lines": [{"sku": "A", "quantity": 1}],
            "external_id": "X-" + uuid.uuid4().hex[:8]}
    body.update(over)
    return body


@pytest.mark.parametrize("path", ["/oms/v1/fulfillments", "/oms/v1/returns"])
@pytest.mark.parametrize("over", [
    {"order_id": "\u00b2"},                                  # a "digit" int() refuses
    {"order_id": "9" * 5000},                                # more digits than int() converts
    {"order_id": 10**400},
    {"lines": [{"line_item_id": "9" * 5000, "quantity": 1}]},
    {"lines": [{"sku": "A", "quantity": 10**40}]},           # above GraphQL's Int
])
def test_unusable_ids_and_quantities_are_400(client, shop, oms, path, over):
    assert_json_400(client.post(path, json=_body(**over), headers=oms))


def test_return_location_id_too_long_is_400(client, shop, oms):
    resp = client.post("/oms/v1/returns", json=_body(restock_type="RETURN", location_id="9" * 5000), headers=oms)
    assert_json_400(resp)


def test_numeric_ids_still_accepted(client, shop, oms):
    resp = client.post("/oms/v1/fulfillments", headers=oms, json=_body(
        order_id=5600000000012, lines=[{"line_item_id": "1300000000176", "quantity": 2}]))
    assert resp.status_code == 202, resp.json
    assert resp.json["order_id"] == "gid://shopify/Order/5600000000012"
    assert resp.json["lines"] == [{"line_item_id": "gid://shopify/LineItem/1300000000176", "quantity": 2}]


# --- /webhooks: optional headers longer than their columns ------------------------------

def test_webhook_optional_headers_are_cut_to_their_columns(client, shop):
    body = json.dumps({"id": 1, "previous": [], "current": ["read_products"]}).encode()
    webhook_id = str(uuid.uuid4())
    resp = client.post("/webhooks", data=body, headers={
        "Content-Type": "application/json",
        "X-Shopify-Topic": "app/scopes_update",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "v" * 300,
        "X-Shopify-Event-Id": "e" * 400,
        "X-Shopify-Triggered-At": "t" * 100,
        "X-Shopify-Hmac-Sha256": webhook_hmac(body),
    })
    assert resp.status_code == 200, resp.json
    row = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)).scalar_one()
    assert len(row.api_version) == 16 and len(row.event_id) == 255 and len(row.triggered_at) == 64


# --- values the database refuses: 400, not 500 ------------------------------------------

def test_privacy_request_id_beyond_the_column_is_404(client, shop, auth_headers):
    resp = client.get("/api/privacy/requests/99999999999999999999", headers=auth_headers())
    assert resp.status_code == 404 and resp.json["error"]


def test_a_value_the_database_refuses_is_a_json_400(app, shop, oms):
    from sqlalchemy.exc import DataError

    @app.get("/oms/v1/_contracts_probe")
    def probe():
        raise DataError("SELECT 1", {}, ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))

    resp = app.test_client().get("/oms/v1/_contracts_probe", headers=oms)
    assert resp.status_code == 400 and "NUL" in resp.json["error"]


def test_webhook_with_an_empty_body_is_400_not_a_failed_ledger_entry(client, shop):
    body = b""
    resp = client.post("/webhooks", data=body, headers={
        "Content-Type": "application/json",
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Hmac-Sha256": webhook_hmac(body),
    })
    assert resp.status_code == 400 and resp.json["error"]
    assert db.session.execute(select(WebhookDelivery)).first() is None


def test_openapi_states_the_quantity_bound(client):
    schemas = client.get("/oms/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("FulfillmentRequest", "ReturnRequest"):
        quantity = schemas[name]["properties"]["lines"]["items"]["properties"]["quantity"]
        assert quantity["maximum"] == 2**31 - 1, name


def test_the_csp_names_the_shop_and_shopify_admin_first_whatever_the_shop_origin(app):
    from shopify_app.web.csp import frame_ancestors

    with app.test_request_context():
        assert frame_ancestors("a.myshopify.com") == "frame-ancestors https://a.myshopify.com https://admin.shopify.com;"
        app.config["SHOPIFY_SHOP_ORIGIN"] = "http://127.0.0.1:9292/{shop}"
        assert frame_ancestors("a.myshopify.com") == (
            "frame-ancestors https://a.myshopify.com https://admin.shopify.com http://127.0.0.1:9292;")
        assert frame_ancestors(None) == "frame-ancestors 'none';"
