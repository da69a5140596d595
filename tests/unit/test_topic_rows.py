"""A webhook topic is one row in TOPICS (sync/registry.py): every check and decision
about its deliveries reads that row, no other table."""
from __future__ import annotations

import pytest

from shopify_app.models import Shop
from shopify_app.sync.privacy_match import Customer, names_customer
from shopify_app.sync.registry import TOPICS, Topic, order_id_at
from shopify_app.sync.webhooks.checks import shop_problem
from shopify_app.sync.webhooks.shapes import shape_problem
from shopify_app.sync.webhooks.apply import held_while_inactive

SHOP = "a-shop.myshopify.com"
ROW = Topic(lambda domain, payload: None, shape={"thing": dict, "shop": str}, shop_claims=(("shop",), None),
            applied_while_inactive=True, compliance=True, order_id_at=("thing", "order"))


@pytest.fixture
def new_topic(monkeypatch):
    monkeypatch.setitem(TOPICS, "test/thing", ROW)
    return "test/thing"


def test_a_new_topic_s_body_is_checked_by_its_row_s_shape(new_topic):
    assert shape_problem(new_topic, {"thing": {}, "shop": SHOP}) is None
    assert "always has shop" in shape_problem(new_topic, {"thing": {}})
    assert "of another type" in shape_problem(new_topic, {"thing": [], "shop": SHOP})


def test_a_new_topic_s_body_names_its_shop_where_its_row_says(new_topic):
    assert shop_problem(new_topic, {"shop": SHOP}, SHOP, None) is None
    assert "other.myshopify.com" in shop_problem(new_topic, {"shop": "other.myshopify.com"}, SHOP, None)


def test_a_new_topic_is_applied_while_inactive_when_its_row_says(new_topic, monkeypatch):
    inactive = Shop(domain=SHOP, status="inactive")
    assert held_while_inactive(new_topic, inactive) is False
    monkeypatch.setitem(TOPICS, new_topic, Topic(ROW.handler))
    assert held_while_inactive(new_topic, inactive) is True


def test_a_redaction_finds_a_new_topic_s_order_where_its_row_says(new_topic):
    customer = Customer("1", None, frozenset({"42"}), b"key")
    assert order_id_at(new_topic) == ("thing", "order")
    assert names_customer(new_topic, {"thing": {"order": 42}}, customer, order_id_at)
    assert not names_customer(new_topic, {"id": 42}, customer, order_id_at)
    assert not names_customer("test/unlisted", {"thing": {"order": 42}}, customer, order_id_at)


def test_only_the_compliance_topics_deal_with_redaction_themselves():
    assert {t for t, row in TOPICS.items() if row.compliance} == {"customers/data_request", "customers/redact",
                                                                  "shop/redact"}
