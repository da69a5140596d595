"""The pure checks of a signed delivery: body shape per topic, the shop it names, the shop
its body was first delivered for, its age;
and whether a body names a redacted customer."""
import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shopify_app.sync.privacy_match import Customer, derive_email_key, email_digest, matching_email, names_customer
from shopify_app.sync.webhooks.checks import STALE_AFTER, delivery_problem, shop_problem, staleness_problem
from shopify_app.sync.registry import TOPICS, order_id_at
from shopify_app.sync.webhooks.shapes import shape_problem

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
SHOP = "a-shop.myshopify.com"


def sample(topic):
    return json.loads((SAMPLES / f"{topic}.json").read_text().replace("{shop}.myshopify.com", SHOP))


@pytest.mark.parametrize("topic", sorted(t for t, e in TOPICS.items() if e.shape and (SAMPLES / f"{t}.json").exists()))
def test_shopify_s_own_samples_fit_their_topics(topic):
    assert shape_problem(topic, sample(topic)) is None


@pytest.mark.parametrize("claimed", ["shop/redact", "customers/redact", "customers/data_request"])
def test_a_products_body_relabelled_as_a_compliance_topic_does_not_fit(claimed):
    assert "shop_domain" in shape_problem(claimed, sample("products/update"))


def test_a_compliance_body_relabelled_as_a_data_topic_does_not_fit():
    assert shape_problem("products/update", sample("customers/redact")) is not None
    assert shape_problem("orders/updated", sample("shop/redact")) is not None
    assert shape_problem("shop/redact", sample("customers/redact")) is None  # a superset: the shop check decides


def test_types_are_checked_and_a_bool_is_no_id():
    assert "of another type" in shape_problem("shop/redact", {"shop_id": True, "shop_domain": SHOP})
    assert "of another type" in shape_problem("customers/redact", {**sample("customers/redact"), "customer": "x"})


def test_unlisted_topics_are_not_checked():
    assert shape_problem("carts/update", {}) is None


def test_the_body_s_shop_must_be_the_header_s():
    body = sample("customers/redact")
    assert shop_problem("customers/redact", body, SHOP, None) is None
    assert "other.myshopify.com" in shop_problem("customers/redact", body, "other.myshopify.com", None)
    assert shop_problem("customers/redact", {**body, "shop_domain": "A-SHOP.myshopify.com"}, SHOP, None) is None


def test_the_body_s_shop_id_must_be_the_stored_shop_s_when_known():
    body = sample("customers/redact")  # shop_id 954889
    assert shop_problem("customers/redact", body, SHOP, "gid://shopify/Shop/954889") is None
    assert "shop_id" in shop_problem("customers/redact", body, SHOP, "gid://shopify/Shop/1")
    assert shop_problem("app/scopes_update", sample("app/scopes_update"), SHOP, "gid://shopify/Shop/548380009") is None
    assert shop_problem("app/scopes_update", sample("app/scopes_update"), SHOP, "gid://shopify/Shop/2") is not None


def test_app_uninstalled_names_its_shop_by_myshopify_domain_and_primary_domain():
    body = {"id": 7, "myshopify_domain": SHOP, "domain": "shop.example.com"}
    assert shop_problem("app/uninstalled", body, SHOP, None) is None  # a custom primary domain
    assert shop_problem("app/uninstalled", {**body, "myshopify_domain": "x.myshopify.com"}, SHOP, None)
    assert shop_problem("app/uninstalled", {"id": 7, "domain": "x.myshopify.com"}, SHOP, None)
    assert shop_problem("app/uninstalled", {"id": 8, "myshopify_domain": SHOP}, SHOP, "gid://shopify/Shop/7")


def test_deliveries_beyond_shopify_s_retry_window_are_stale():
    assert STALE_AFTER >= timedelta(hours=4)  # Shopify retries 8 times over 4 hours
    fresh = (NOW - timedelta(hours=3, minutes=59)).isoformat()
    assert staleness_problem(fresh, NOW) is None
    assert "retry window" in staleness_problem((NOW - STALE_AFTER - timedelta(seconds=1)).isoformat(), NOW)
    assert "future" in staleness_problem((NOW + timedelta(hours=1)).isoformat(), NOW)
    assert staleness_problem(None, NOW) is None and staleness_problem("t" * 64, NOW) is None  # cannot tell


def test_delivery_problem_is_none_only_when_everything_agrees():
    body = sample("shop/redact")
    at = NOW.isoformat()
    assert delivery_problem("shop/redact", body, SHOP, None, at, NOW) is None
    assert delivery_problem("shop/redact", sample("products/update"), SHOP, None, at, NOW)
    assert delivery_problem("shop/redact", body, "b.myshopify.com", None, at, NOW)
    assert delivery_problem("shop/redact", body, SHOP, None, "2026-11-23T18:00:00Z", NOW)


def test_a_body_first_delivered_for_another_shop_is_a_problem_for_any_topic():
    body, at = sample("orders/create"), NOW.isoformat()  # a data topic's body names no shop
    assert delivery_problem("orders/create", body, SHOP, None, at, NOW, body_owner=SHOP) is None
    assert delivery_problem("orders/create", body, SHOP, None, at, NOW, body_owner=None) is None  # an old row
    assert "another shop" in delivery_problem("orders/create", body, SHOP, None, at, NOW,
                                              body_owner="b.myshopify.com")


EMAIL_KEY = derive_email_key("test-secret-key")
CUSTOMER = Customer("191167", email_digest("John@Example.com", EMAIL_KEY), frozenset({"299938"}), EMAIL_KEY)


def test_a_body_names_the_customer_by_id_email_hash_or_order():
    assert names_customer("orders/updated", {"id": 1, "customer": {"id": 191167}}, CUSTOMER, order_id_at)
    assert names_customer("orders/updated", {"id": 1, "customer": {"admin_graphql_api_id": "gid://shopify/Customer/191167"}}, CUSTOMER, order_id_at)
    assert names_customer("orders/updated", {"id": 1, "billing_address": {"x": [" john@example.com"]}}, CUSTOMER, order_id_at)
    assert names_customer("orders/updated", {"id": 299938}, CUSTOMER, order_id_at)
    assert names_customer("refunds/create", {"id": 5, "order_id": 299938}, CUSTOMER, order_id_at)
    assert names_customer("orders/edited", {"order_edit": {"order_id": 299938}}, CUSTOMER, order_id_at)


def test_a_body_about_someone_else_is_not_named():
    assert not names_customer("orders/updated", {"id": 2, "customer": {"id": 5}, "email": "jane@example.com"}, CUSTOMER, order_id_at)
    assert not names_customer("products/update", {"id": 299938}, CUSTOMER, order_id_at)  # a product, not that order
    assert not names_customer("orders/updated", None, CUSTOMER, order_id_at)


def test_the_matching_email_is_found_from_its_hash():
    body = {"email": "JOHN@example.com", "other": "jane@example.com"}
    assert matching_email(body, CUSTOMER) == "JOHN@example.com"
    assert matching_email(body, dataclasses.replace(CUSTOMER, email_hmac=None)) is None
