"""Signed bodies under forged headers: Shopify signs the body only, so a replayed or
relabelled body must change nothing it does not belong to (issue 10, item 6)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest, Shop, SyncRun, WebhookDelivery
from shopify_app.sync.shop import mark_uninstalled

from tests.conftest import SHOP, create_shop
from .test_webhooks import count, deliver, devstore_shop_in_app, sample  # noqa: F401 (fixture)

OTHER = "other-shop.myshopify.com"


def ledger():
    db.session.expire_all()
    return db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars().all()


def shop_named(domain):
    db.session.expire_all()
    return db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()


def assert_rejected(resp, why):
    assert resp.status_code == 200  # acknowledged at the door; its task rejects it
    row = ledger()[-1]
    assert row.status == "rejected" and why in row.error
    assert row.payload is None  # a body never applied is not kept either


def test_a_products_body_relabelled_shop_redact_for_another_shop_erases_nothing(client, shop):
    victim = create_shop(OTHER)
    db.session.add(SyncRun(shop_id=victim.id, flow="products", trigger="manual", status="succeeded"))
    mark_uninstalled(victim)  # even a shop that may be redacted is safe from a relabelled body
    db.session.commit()
    resp = deliver(client, "shop/redact", sample("products/update"), shop=OTHER)
    assert_rejected(resp, "shop_domain")
    assert shop_named(OTHER) is not None and count(SyncRun) == 1


def test_a_compliance_body_relabelled_as_another_topic_is_not_applied(client, shop):
    resp = deliver(client, "products/update", sample("customers/redact"))
    assert_rejected(resp, "products/update")
    assert count(ComplianceRequest) == 0


def test_a_body_for_one_shop_under_another_shop_s_header_is_rejected(client, shop):
    create_shop(OTHER)
    body = sample("customers/data_request", shop=OTHER)  # signed, about OTHER
    resp = deliver(client, "customers/data_request", body, shop=SHOP)
    assert_rejected(resp, OTHER)
    assert count(ComplianceRequest) == 0


def test_a_shop_redact_whose_shop_id_is_not_the_shop_s_is_rejected(client, shop):
    shop.shopify_id = "gid://shopify/Shop/954889"
    mark_uninstalled(shop)
    db.session.commit()
    resp = deliver(client, "shop/redact", {"shop_id": 111, "shop_domain": SHOP})
    assert_rejected(resp, "shop_id")
    assert shop_named(SHOP) is not None
    resp = deliver(client, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP})
    assert resp.json["status"] == "accepted" and shop_named(SHOP) is None


def test_shop_redact_for_an_installed_shop_erases_nothing(client, shop):
    db.session.add(SyncRun(shop_id=shop.id, flow="products", trigger="manual", status="succeeded"))
    db.session.commit()
    resp = deliver(client, "shop/redact", sample("shop/redact"))
    assert resp.status_code == 200
    row = ledger()[-1]
    assert row.status == "rejected" and "not uninstalled" in row.error and row.payload is None
    assert shop_named(SHOP).status == "active" and count(SyncRun) == 1
    assert count(ComplianceRequest) == 0


def test_a_forged_app_uninstalled_with_a_working_token_keeps_the_shop(client, devstore_shop_in_app):
    handle, shop = devstore_shop_in_app  # installed on devstore: its token works
    resp = deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=handle.domain)
    assert resp.status_code == 200
    row = ledger()[-1]
    assert row.status == "rejected" and "token" in row.error and row.payload is None
    kept = shop_named(handle.domain)
    assert kept.status == "active" and kept.access_level == "read_write"
    assert kept.access_token_encrypted is not None
    assert kept.shopify_id  # learnt from Shopify's answer: later bodies' shop ids are checked


def test_app_uninstalled_when_shopify_cannot_be_asked_is_retried_not_applied(client, shop):
    # The test shop's origin (https://test-shop.myshopify.com) does not resolve here.
    resp = deliver(client, "app/uninstalled", sample("app/uninstalled"))
    assert resp.status_code == 200
    row = ledger()[-1]
    assert row.status == "failed" and "could not ask Shopify" in row.error and row.payload is not None
    assert shop_named(SHOP).status == "active"


def test_a_stale_delivery_is_recorded_and_not_applied(client, shop):
    old = (datetime.now(timezone.utc) - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {**sample("app/scopes_update"), "current": ["read_products"]}
    resp = deliver(client, "app/scopes_update", body, triggered_at=old)
    assert_rejected(resp, "retry window")
    assert shop_named(SHOP).scopes != ["read_products"]
    resp = deliver(client, "customers/data_request", sample("customers/data_request"), triggered_at=old)
    assert_rejected(resp, "retry window")
    assert count(ComplianceRequest) == 0


def test_the_same_event_under_a_new_webhook_id_is_applied_once(client, shop):
    event = str(uuid.uuid4())
    payload = sample("customers/data_request")
    assert deliver(client, "customers/data_request", payload, event_id=event).json["status"] == "accepted"
    again = deliver(client, "customers/data_request", payload, event_id=event)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert count(ComplianceRequest) == 1 and count(WebhookDelivery) == 1


def test_the_same_event_id_in_another_shop_is_another_event(client, shop):
    create_shop(OTHER)
    event = str(uuid.uuid4())
    assert deliver(client, "customers/data_request", sample("customers/data_request"), event_id=event).json["status"] == "accepted"
    assert deliver(client, "customers/data_request", sample("customers/data_request", shop=OTHER), shop=OTHER,
                   event_id=event).json["status"] == "accepted"
    assert count(ComplianceRequest) == 2


def test_a_captured_body_replayed_under_its_event_id_and_another_topic_changes_nothing(client, shop):
    event = str(uuid.uuid4())
    genuine = deliver(client, "customers/data_request", sample("customers/data_request"), event_id=event)
    assert genuine.json["status"] == "accepted"
    replay = deliver(client, "customers/redact", sample("customers/data_request"), event_id=event)
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"
    assert count(ComplianceRequest, ComplianceRequest.topic == "customers/redact") == 0
