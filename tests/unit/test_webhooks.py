"""The webhook receiver: HMAC on the raw body, de-duplication, and the foundation's topics."""
import base64
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest, Shop, SyncRun, WebhookDelivery
from shopify_app.sync.shop import mark_uninstalled

from tests.conftest import API_SECRET, API_VERSION, SHOP, create_shop, reconfigure, webhook_hmac

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks"

def sample(topic: str, shop: str = SHOP) -> dict:
    """Shopify's sample body for the topic, about `shop` (the samples say `{shop}.myshopify.com`)."""
    text = (SAMPLES / f"{topic}.json").read_text()
    return json.loads(text.replace("{shop}.myshopify.com", shop))

def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def deliver(client, topic: str, payload, *, shop: str = SHOP, webhook_id: str | None = None,
            secret: str = API_SECRET, drop: tuple = (), hmac_value: str | None = None,
            event_id: str | None = None, triggered_at: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": triggered_at or now_iso(),
        "X-Shopify-Hmac-Sha256": hmac_value or webhook_hmac(body, secret),
    }
    for name in drop:
        headers.pop(name)
    return client.post("/webhooks", data=body, headers=headers)

def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

def test_wrong_hmac_is_401_and_records_nothing(client, shop):
    resp = deliver(client, "app/uninstalled", sample("app/uninstalled"), secret="wrong-secret")
    assert resp.status_code == 401
    assert count(WebhookDelivery) == 0
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status == "active"

@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_compliance_topics_answer_401_to_a_bad_hmac(client, shop, topic):
    resp = deliver(client, topic, sample(topic), hmac_value=base64.b64encode(b"x" * 32).decode())
    assert resp.status_code == 401

@pytest.mark.parametrize(
    "header", ["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-Hmac-Sha256"]
)
def test_missing_headers_are_400(client, shop, header):
    resp = deliver(client, "app/uninstalled", sample("app/uninstalled"), drop=(header,))
    assert resp.status_code == 400
    assert count(WebhookDelivery) == 0

def test_a_body_that_is_not_json_is_400(client, shop):
    assert deliver(client, "app/uninstalled", b"not json").status_code == 400

def test_the_hmac_is_checked_on_the_raw_bytes(client, shop):
    raw = b'{"id":  548380009,\n "name": "Super Toys"}'
    assert deliver(client, "app/uninstalled", raw).status_code == 200

@pytest.fixture
def devstore_shop_in_app(app, devstore):
    """A shop installed on devstore, connected to the app with devstore's token: what an
    app/uninstalled is checked against (Shopify refuses the token once uninstalled)."""
    from devstore.testing import new_shop

    handle = new_shop(devstore, products=0, orders=0)
    reconfigure(app, shop_origin=devstore.shop_origin)
    shop = create_shop(handle.domain, token=handle.token, expires_in=None)
    return handle, shop

def test_app_uninstalled_erases_tokens_and_stops_access(client, devstore_shop_in_app):
    handle, shop = devstore_shop_in_app
    handle.client.uninstall(handle.domain)  # Shopify revokes the token first
    resp = deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=handle.domain)
    assert resp.status_code == 200
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.status == "uninstalled"
    assert shop.access_level == "none"
    assert shop.access_token_encrypted is None and shop.refresh_token_encrypted is None
    assert shop.uninstalled_at is not None
    assert shop.name == "Test Shop"  # data kept until shop/redact

def test_app_uninstalled_of_an_inactive_shop_applies_once_shopify_refuses_its_token(client, devstore_shop_in_app):
    handle, shop = devstore_shop_in_app
    shop.status = "inactive"
    db.session.commit()
    deliver(client, "products/update", sample("products/update", handle.domain), shop=handle.domain)
    handle.client.uninstall(handle.domain)  # Shopify revokes the token first
    assert deliver(client, "app/uninstalled", sample("app/uninstalled", handle.domain),
                   shop=handle.domain).status_code == 200
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.status == "uninstalled" and shop.access_token_encrypted is None
    held, uninstall = db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars()
    assert uninstall.status == "processed" and held.status == "ignored" and held.payload is None
    asked = [c["path"] for c in handle.client.app_calls(handle.domain) if c["path"].endswith("/graphql.json")]
    assert len(asked) == 1  # the probe, answered 401

def test_a_redelivery_is_acknowledged_and_not_applied_twice(client, shop):
    webhook_id = str(uuid.uuid4())
    payload = sample("customers/data_request")
    assert deliver(client, "customers/data_request", payload, webhook_id=webhook_id).status_code == 200
    assert deliver(client, "customers/data_request", payload, webhook_id=webhook_id).status_code == 200
    assert count(ComplianceRequest) == 1
    assert count(WebhookDelivery) == 1

def test_scopes_update_moves_the_access_level_with_the_scopes(client, shop):
    payload = {**sample("app/scopes_update"), "current": ["read_products", "read_orders"]}
    assert deliver(client, "app/scopes_update", payload).status_code == 200
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.scopes == ["read_products", "read_orders"]
    assert shop.access_level == "read"

def test_customers_data_request_is_recorded_with_the_data_held(client, shop):
    deliver(client, "customers/data_request", sample("customers/data_request"))
    record = db.session.execute(select(ComplianceRequest)).scalar_one()
    assert record.topic == "customers/data_request"
    assert record.customer_id == "191167"
    assert record.completed_at is not None
    assert isinstance(record.result, dict)

def test_shop_redact_erases_everything_held_for_the_shop(client, shop):
    other = create_shop("other.myshopify.com")
    db.session.add_all([SyncRun(shop_id=shop.id, flow="products", trigger="manual", status="succeeded"),
                        SyncRun(shop_id=other.id, flow="products", trigger="manual", status="succeeded")])
    mark_uninstalled(shop)  # as an app/uninstalled Shopify confirmed does
    db.session.commit()
    assert deliver(client, "shop/redact", {"shop_id": 1, "shop_domain": SHOP}).status_code == 200
    assert count(Shop, Shop.domain == SHOP) == 0
    assert count(SyncRun) == 1
    assert count(Shop) == 1
    assert count(WebhookDelivery, WebhookDelivery.shop_domain == SHOP) == 0

def test_unknown_topics_are_acknowledged_and_ignored(client, shop):
    assert deliver(client, "carts/update", {"id": 1}).status_code == 200
    assert db.session.execute(select(WebhookDelivery)).scalar_one().status == "ignored"

def test_processed_deliveries_do_not_keep_the_payload(client, shop):
    deliver(client, "customers/redact", sample("customers/redact"))
    delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
    assert delivery.status == "processed"
    assert delivery.payload is None

def test_a_deferred_topic_is_acknowledged_first_and_applied_right_after(client, shop, app):
    from shopify_app.sync.registry import TOPICS, Topic

    started, release = threading.Event(), threading.Event()
    applied = []

    def slow(shop_domain, payload):
        started.set()
        release.wait(5)
        applied.append(payload["id"])

    TOPICS["test/slow"] = Topic(slow, deferred=True)

    try:
        resp = deliver(client, "test/slow", {"id": 7})
        assert resp.status_code == 200  # answered while the handler is still waiting
        assert started.wait(5)
        release.set()
        deadline = time.time() + 5
        while time.time() < deadline:
            db.session.expire_all()
            if db.session.execute(select(WebhookDelivery)).scalar_one().status == "processed":
                break
        assert applied == [7]
        assert db.session.execute(select(WebhookDelivery)).scalar_one().status == "processed"
    finally:
        TOPICS.pop("test/slow", None)

def test_the_merchant_gets_the_data_a_data_request_found(client, shop, auth_headers):
    deliver(client, "customers/data_request", sample("customers/data_request"))
    listing = client.get("/api/privacy/requests", headers=auth_headers())
    assert listing.status_code == 200
    [request] = listing.json["requests"]
    assert request["topic"] == "customers/data_request" and request["customer_id"] == "191167"
    full = client.get(f"/api/privacy/requests/{request['id']}", headers=auth_headers())
    assert full.status_code == 200 and "data" in full.json
    other = create_shop("other.myshopify.com")
    assert client.get(f"/api/privacy/requests/{request['id']}",
                      headers=auth_headers("other.myshopify.com")).status_code == 404
