"""Integration tests: the app and devstore over real HTTP. Marked `integration` by directory
(tests/conftest.py). `devstore` comes from the devstore.testing plugin, `connected_app` from
tests/connected_app.py; here are the shops these tests connect to the app."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import app_settings, db
from shopify_app.sync.runner import run_flow
from tests.conftest import create_shop, reconfigure, webhook_hmac
from tests.lost_answer_proxy import LostAnswerProxy

LOST_ANSWER_TIMEOUT = 2.0  # the app's read timeout behind the proxy; "hang" holds an answer longer


class Crash(Exception):
    """Raised on purpose where a process could die, to test what survives it."""


def signed_delivery(connected, topic, domain, payload):
    """Posts `payload` to the connected app's /webhooks, signed with the app's secret as Shopify
    signs it, under new webhook and event ids: Shopify's retry or late copy of a delivery, or a
    forger's replay of a body Shopify signed, with headers of its choosing."""
    body = json.dumps(payload).encode()
    return connected.http.post(connected.url + "/webhooks", data=body, headers={
        "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": domain,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(timezone.utc).isoformat(),
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, connected.devstore.api_secret)})


@pytest.fixture
def linked(connected_app):
    """A devstore shop with its catalog (and orders), connected to the app (token stored):
    `linked(products=..., orders=..., access=..., settings=...)` -> (handle, shop id)."""
    def make(products=10, orders=0, access="read", settings=None, **kw):
        handle = new_shop(connected_app.devstore, products=products, orders=orders, **kw)
        with connected_app.app.app_context():
            shop = create_shop(handle.domain, access=access, token=handle.token, expires_in=None)
            shop.settings = settings or {}
            db.session.commit()
            shop_id = shop.id
        return handle, shop_id
    return make


class FulfillmentShop:
    """A connected shop, an OMS API key, and the calls the fulfillment tests make."""

    def __init__(self, c, handle, shop_id, key):
        self.c, self.handle, self.shop_id = c, handle, shop_id
        self.headers = {"Authorization": f"Bearer {key}"}

    @property
    def ds(self):
        return self.c.ds

    def post(self, path, body):
        return self.c.http.post(f"{self.c.url}/oms/v1/{path}", json=body, headers=self.headers)

    def get(self, path):
        return self.c.http.get(f"{self.c.url}/oms/v1/{path}", params={"shop": self.handle.domain}, headers=self.headers)

    def run(self):
        with self.c.app.app_context():
            run = run_flow(self.shop_id, "fulfillments", "manual")
            return run.status, dict(run.counts or {}), run.error

    def new_order(self, quantities=(3, 1)):
        products = self.ds.products(self.handle.domain, limit=50)
        products = products.get("products", products) if isinstance(products, dict) else products
        skus = []
        for p in products:
            for v in (p.get("variants") or []):
                if v.get("sku"):
                    skus.append(v["sku"])
        skus = skus[:len(quantities)]
        order = self.ds.create_order(self.handle.domain, [{"sku": s, "quantity": q} for s, q in zip(skus, quantities)])
        return order, skus

    def order(self, oid):
        return self.ds.order(self.handle.domain, oid)


@pytest.fixture
def fulfillment_shop(connected_app):
    """`fulfillment_shop(access=..., upload_refunds=...)` -> a FulfillmentShop with 5 products."""
    def make(access="read_write", upload_refunds=False):
        handle = new_shop(connected_app.devstore, products=5, orders=0)
        with connected_app.app.app_context():
            shop = create_shop(handle.domain, access=access, token=handle.token, expires_in=None)
            shop.settings = {"upload_refunds": upload_refunds}
            _r, key = create_api_key("oms")
            db.session.commit()
            return FulfillmentShop(connected_app, handle, shop.id, key)
    return make


@pytest.fixture
def lost_answers(connected_app):
    """A LostAnswerProxy between the app and devstore (the app's SHOPIFY_SHOP_ORIGIN points at
    it, with a short read timeout): `lost_answers.lose("fulfillmentCreate")` lets the next such
    call reach devstore and drops its answer."""
    proxy = LostAnswerProxy(connected_app.devstore.url)
    app = connected_app.app
    with app.app_context():
        before = app_settings.current
    reconfigure(app, shop_origin=proxy.shop_origin, http_timeout=LOST_ANSWER_TIMEOUT)
    yield proxy
    reconfigure(app, shop_origin=before.shop_origin, http_timeout=before.http_timeout)
    proxy.close()
