"""customers/redact reaches every copy of the customer's data (issue 10, item 7): the
webhook ledger (failed and dead deliveries too), data request exports, later retries and
late deliveries, the log; the record of a redaction keeps no personal data; dead letters
and exports are purged after DATA_RETENTION_DAYS."""
import copy
import hashlib
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from shopify_app import ConfigError, create_app
from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest, Order, WebhookDelivery
from shopify_app.sync import scheduler as sched
from shopify_app.sync.webhooks import apply as topics
from shopify_app.sync.privacy_match import derive_email_key, email_digest
from shopify_app.sync.registry import TOPICS, Topic
from shopify_app.sync.retention import purge_expired

from tests.conftest import SHOP, base_env
from .test_webhooks import deliver, sample

UTC = timezone.utc
EMAIL = "john@example.com"  # the customer of Shopify's customers/redact sample (id 191167)
CUSTOMER = {"id": 191167, "email": EMAIL, "phone": "555-625-1199"}


def order_body(order_id=450789469, customer=CUSTOMER, email=EMAIL):
    body = copy.deepcopy(sample("orders/create"))
    body.update(cancelled_at=None, id=order_id, admin_graphql_api_id=f"gid://shopify/Order/{order_id}", email=email,
                contact_email=email, customer={**body.get("customer", {}), **customer,
                                               "admin_graphql_api_id": f"gid://shopify/Customer/{customer['id']}"})
    return body


def redact_body():
    return {**sample("customers/redact"), "customer": CUSTOMER, "orders_to_redact": [450789469]}


def ledger_row(**kw):
    row = WebhookDelivery(webhook_id=kw.pop("webhook_id"), shop_domain=SHOP, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def test_redaction_scrubs_failed_and_dead_deliveries_that_name_the_customer(client, shop):
    failed = ledger_row(webhook_id="w-failed", topic="orders/updated", status="failed", attempts=1,
                        payload=order_body(), error="boom")
    dead = ledger_row(webhook_id="w-dead", topic="orders/updated", status="failed",
                      attempts=sched.WEBHOOK_MAX_ATTEMPTS, payload=order_body(order_id=1), error="boom")
    by_order = ledger_row(webhook_id="w-refund", topic="refunds/create", status="failed", attempts=1,
                          payload={"id": 9, "order_id": 450789469})
    someone_else = ledger_row(webhook_id="w-other", topic="orders/updated", status="failed", attempts=1,
                              payload=order_body(order_id=2, customer={"id": 5, "email": "jane@example.com"},
                                                 email="jane@example.com"))
    assert deliver(client, "customers/redact", redact_body()).json["status"] == "accepted"
    for row in (failed, dead, by_order):
        row = fresh(row)
        assert row.payload is None and row.status == "redacted" and "boom" not in (row.error or "")
    assert fresh(someone_else).payload is not None and fresh(someone_else).status == "failed"


def test_a_delivery_received_before_the_redaction_is_never_retried_after_it(client, shop, app):
    received = datetime.now(UTC) - timedelta(minutes=5)
    row = ledger_row(webhook_id="w-before", topic="orders/create", status="failed", attempts=1,
                     received_at=received, triggered_at=received.isoformat(), payload=order_body())
    deliver(client, "customers/redact", redact_body())
    assert sched.sweep_webhooks(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert fresh(row).payload is None
    assert db.session.execute(select(Order).where(Order.email == EMAIL)).first() is None


def test_a_late_delivery_of_data_from_before_the_redaction_is_redacted_again(client, shop):
    before = (datetime.now(UTC) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    deliver(client, "customers/redact", redact_body())
    # Shopify's retry of an order event triggered before the redaction: a new webhook id.
    assert deliver(client, "orders/create", order_body(), triggered_at=before).json["status"] == "accepted"
    order = db.session.execute(select(Order).where(Order.shopify_id == "gid://shopify/Order/450789469")).scalar_one()
    assert order.email is None and order.customer_id is None and order.shipping_address is None


def test_a_late_delivery_naming_the_customer_by_email_only_is_redacted_again(client, shop):
    # The redaction knows another customer id and no order: only the keyed email hash matches.
    before = (datetime.now(UTC) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    deliver(client, "customers/redact", {**redact_body(), "customer": {"id": 5, "email": EMAIL.upper()},
                                         "orders_to_redact": []})
    assert deliver(client, "orders/create", order_body(), triggered_at=before).json["status"] == "accepted"
    order = db.session.execute(select(Order).where(Order.shopify_id == "gid://shopify/Order/450789469")).scalar_one()
    assert order.email is None


def test_the_email_hash_depends_on_the_secret_key():
    key, other = derive_email_key("one secret"), derive_email_key("another secret")
    assert email_digest(" John@Example.com", key) == email_digest("john@example.com", key)
    assert email_digest(EMAIL, key) != email_digest(EMAIL, other)
    assert email_digest(None, key) is None and email_digest("  ", key) is None


def test_data_triggered_after_the_redaction_is_kept(client, shop):
    deliver(client, "customers/redact", redact_body())
    assert deliver(client, "orders/create", order_body(order_id=777)).json["status"] == "accepted"
    order = db.session.execute(select(Order).where(Order.shopify_id == "gid://shopify/Order/777")).scalar_one()
    assert order.email == EMAIL


def test_the_earlier_data_request_s_export_is_erased(client, shop, auth_headers):
    deliver(client, "orders/create", order_body())
    deliver(client, "customers/data_request", {**sample("customers/data_request"), "customer": CUSTOMER,
                                               "orders_requested": [450789469]})
    request = db.session.execute(select(ComplianceRequest)).scalar_one()
    assert request.result["orders"] and request.customer_email == EMAIL  # what the merchant downloads
    deliver(client, "customers/redact", redact_body())
    request = fresh(request)
    assert request.result is None and request.customer_email is None and request.purged_at is not None
    shown = client.get(f"/api/privacy/requests/{request.id}", headers=auth_headers()).json
    assert EMAIL not in str(shown) and "Ottawa" not in str(shown)


def test_the_record_of_a_redaction_keeps_no_email(client, shop, auth_headers):
    deliver(client, "customers/redact", redact_body())
    record = db.session.execute(select(ComplianceRequest)).scalar_one()
    assert record.customer_email is None
    # Keyed by SECRET_KEY (base_env's): a plain sha256 of the email would be reversible.
    assert record.customer_email_sha256 == email_digest(EMAIL, derive_email_key("test-secret-key"))
    assert record.customer_email_sha256 != hashlib.sha256(EMAIL.encode()).hexdigest()
    assert record.customer_id == "191167" and record.orders_requested == [450789469]
    assert EMAIL not in str(client.get("/api/privacy/requests", headers=auth_headers()).json)


def test_a_failing_delivery_logs_and_records_no_personal_data(client, shop, caplog, monkeypatch):
    # Alembic's logging setup (the test database's migration) disabled the app's loggers.
    monkeypatch.setattr(logging.getLogger(topics.__name__), "disabled", False)

    def fails_with_the_email(shop_domain, payload):
        db.session.execute(text("INSERT INTO no_such_table (email) VALUES (:email)"), {"email": payload["email"]})

    TOPICS["test/personal"] = Topic(fails_with_the_email)

    try:
        with caplog.at_level(logging.INFO):
            deliver(client, "test/personal", {"email": EMAIL})
        row = db.session.execute(select(WebhookDelivery)).scalar_one()
        assert row.status == "failed" and "no_such_table" in row.error
        assert EMAIL not in row.error
        assert EMAIL not in caplog.text and "no_such_table" in caplog.text
    finally:
        TOPICS.pop("test/personal", None)


# --- retention ----------------------------------------------------------------------------

def test_dead_letters_and_exports_are_purged_after_the_retention_period(client, shop):
    now = datetime.now(UTC)
    old = ledger_row(webhook_id="w-old", topic="orders/updated", status="failed", attempts=8,
                     received_at=now - timedelta(days=31), payload=order_body())
    recent = ledger_row(webhook_id="w-new", topic="orders/updated", status="failed", attempts=8,
                        received_at=now - timedelta(days=29), payload=order_body(order_id=3))
    old_export = ComplianceRequest(shop_domain=SHOP, topic="customers/data_request", customer_id="1",
                                   customer_email=EMAIL, result={"orders": [{"email": EMAIL}]},
                                   received_at=now - timedelta(days=31))
    new_export = ComplianceRequest(shop_domain=SHOP, topic="customers/data_request", customer_id="2",
                                   customer_email=EMAIL, result={"orders": []}, received_at=now - timedelta(days=2))
    db.session.add_all([old_export, new_export])
    db.session.commit()
    assert purge_expired(30, now) == {"webhook_payloads": 1, "data_request_exports": 1}
    assert fresh(old).payload is None and fresh(recent).payload is not None
    assert fresh(old_export).result is None and fresh(old_export).customer_email is None
    assert fresh(new_export).result == {"orders": []}
    assert purge_expired(1, now)["webhook_payloads"] == 1


def test_the_retention_period_is_a_setting_of_30_days_by_default(database_url):
    assert create_app(base_env(DATABASE_URL=database_url)).config["DATA_RETENTION_DAYS"] == 30
    assert create_app(base_env(DATABASE_URL=database_url, DATA_RETENTION_DAYS="7")).config["DATA_RETENTION_DAYS"] == 7
    with pytest.raises(ConfigError, match="DATA_RETENTION_DAYS"):
        create_app(base_env(DATABASE_URL=database_url, DATA_RETENTION_DAYS="soon"))


def test_the_scheduler_purges_past_the_retention_period(app, shop):
    app.config["DATA_RETENTION_DAYS"] = 10
    old = ledger_row(webhook_id="w-old", topic="orders/updated", status="failed", attempts=8,
                     received_at=datetime.now(UTC) - timedelta(days=11), payload=order_body())
    sched.Clock(app, blocking=False).purge()  # the clock's hourly job: it enqueues the purge
    assert fresh(old).payload is None
