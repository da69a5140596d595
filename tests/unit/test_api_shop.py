"""GET/PATCH /api/shop: session-token authentication, the shape, access level changes."""
import time

import pytest

from shopify_app.extensions import db
from shopify_app.models import Shop

from tests.conftest import SHOP, create_shop, make_session_token

SHOP_KEYS = {"shop", "name", "status", "access", "scopes", "owner", "email", "country", "currency",
             "weight_unit", "timezone", "plan", "product_store"}


def test_get_shop_has_the_documented_shape(client, shop, auth_headers):
    resp = client.get("/api/shop", headers=auth_headers())
    assert resp.status_code == 200
    assert SHOP_KEYS <= set(resp.json)
    assert resp.json["shop"] == SHOP
    assert resp.json["status"] == "active"
    assert resp.json["access"] == "read_write"
    assert "read_products" in resp.json["scopes"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic abc"},
    ],
)
def test_missing_or_malformed_tokens_get_401_with_the_retry_header(client, shop, headers):
    resp = client.get("/api/shop", headers=headers)
    assert resp.status_code == 401
    assert resp.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert "error" in resp.json


@pytest.mark.parametrize(
    "overrides",
    [
        lambda now: {"exp": now - 60},
        lambda now: {"nbf": now + 60, "iat": now + 60, "exp": now + 120},
        lambda now: {"aud": "someone-else"},
        lambda now: {"dest": "https://other.myshopify.com"},
        lambda now: {"secret": "a-different-secret-0123456789abcdef0123"},
    ],
    ids=["expired", "not-yet-valid", "wrong-audience", "wrong-shop", "wrongly-signed"],
)
def test_invalid_tokens_get_401(client, shop, auth_headers, overrides):
    resp = client.get("/api/shop", headers=auth_headers(**overrides(int(time.time()))))
    assert resp.status_code == 401
    assert resp.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_a_token_for_a_shop_that_is_not_installed_gets_401(client, shop, auth_headers):
    resp = client.get("/api/shop", headers=auth_headers("stranger.myshopify.com"))
    assert resp.status_code == 401


def test_an_uninstalled_shop_gets_401(client, app, auth_headers):
    create_shop(status="uninstalled")
    assert client.get("/api/shop", headers=auth_headers()).status_code == 401


def test_patch_access_within_the_scopes(client, shop, auth_headers):
    resp = client.patch("/api/shop", json={"access": "read"}, headers=auth_headers())
    assert resp.status_code == 200
    assert resp.json["access"] == "read"
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).access_level == "read"
    assert client.patch("/api/shop", json={"access": "none"}, headers=auth_headers()).json["access"] == "none"


def test_patch_access_above_the_scopes_is_422_and_changes_nothing(client, app, auth_headers):
    shop = create_shop(access="read", scopes="read_products,read_orders")
    resp = client.patch("/api/shop", json={"access": "read_write", "orders_since": "2026-01-01"},
                        headers=auth_headers())
    assert resp.status_code == 422
    assert "error" in resp.json
    db.session.expire_all()
    refreshed = db.session.get(Shop, shop.id)
    assert refreshed.access_level == "read"
    assert "orders_since" not in (refreshed.settings or {})


@pytest.mark.parametrize(
    "body",
    [{"access": "admin"}, {"access": 3}, {"colour": "blue"}, {"order_import": "all"},
     {"orders_since": "yesterday"}, [], "text", {}],
)
def test_patch_rejects_bad_input_with_400(client, shop, auth_headers, body):
    resp = client.patch("/api/shop", json=body, headers=auth_headers())
    assert resp.status_code == 400
    assert "error" in resp.json
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).access_level == "read_write"


def test_patch_settings(client, shop, auth_headers):
    resp = client.patch("/api/shop", json={"orders_since": "2026-01-01", "order_import": "open"},
                        headers=auth_headers())
    assert resp.status_code == 200
    assert resp.json["settings"]["orders_since"] == "2026-01-01"
    assert resp.json["settings"]["order_import"] == "open"
    assert resp.json["settings"]["upload_refunds"] is False


@pytest.mark.parametrize("body", [{"upload_refunds": True}, {"settings": {"upload_refunds": True}},
                                  {"product_store": "MAIN_STORE"}, {"product_store": "X", "orders_since": "2026-01-01"}])
def test_upload_refunds_and_product_store_belong_to_the_operator_403(client, shop, auth_headers, body):
    resp = client.patch("/api/shop", json=body, headers=auth_headers())
    assert resp.status_code == 403 and "operator" in resp.json["error"]
    db.session.expire_all()
    refreshed = db.session.get(Shop, shop.id)
    assert refreshed.product_store is None and "upload_refunds" not in (refreshed.settings or {})
    assert "orders_since" not in (refreshed.settings or {})


def test_patch_needs_a_session_token(client, shop):
    resp = client.patch("/api/shop", json={"access": "none"})
    assert resp.status_code == 401


def test_get_shop_names_the_product_store_the_operator_linked(client, shop, auth_headers):
    from shopify_app.product_stores import create_store, link_shop, unlink_shop

    assert client.get("/api/shop", headers=auth_headers()).json["product_store"] is None
    link_shop(create_store("Northwind Outdoor"), shop)
    db.session.commit()
    assert client.get("/api/shop", headers=auth_headers()).json["product_store"] == "Northwind Outdoor"
    unlink_shop(db.session.get(Shop, shop.id))
    db.session.commit()
    assert client.get("/api/shop", headers=auth_headers()).json["product_store"] is None
