"""Writing one order: newer wins in the upsert itself, and apply_order reports whether
its version landed."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Order, OrderLine
from shopify_app.sync.orders.mapper import Mapper
from shopify_app.sync.orders.normalize import order_from_rest
from shopify_app.sync.orders.write import apply_order

from tests.conftest import create_shop


@pytest.fixture(params=["app", "pg_app"])
def shop(request):
    """A shop on SQLite and on PostgreSQL: the version comparison is the database's."""
    request.getfixturevalue(request.param)
    return create_shop()


def payload(updated_at, name):
    with open("/work/shared/shopify/webhooks/orders/updated.json") as fh:
        p = json.load(fh)
    p["updated_at"], p["name"] = updated_at, name
    return p


def apply(shop, p):
    outcome = apply_order(shop.id, order_from_rest(copy.deepcopy(p)), Mapper(shop.id), only_held_or_wanted=False)
    db.session.commit()
    db.session.expire_all()
    return outcome


def stored(shop):
    order = db.session.execute(select(Order).where(Order.shop_id == shop.id)).scalar_one()
    lines = db.session.execute(select(OrderLine).where(OrderLine.shop_id == shop.id)).scalars().all()
    return order, lines


def test_an_older_or_unversioned_order_is_stale_and_the_same_version_reapplies(shop):
    assert apply(shop, payload("2026-01-02T00:00:00Z", "#2")) == "applied"
    older = payload("2026-01-01T00:00:00Z", "#1")
    older["line_items"] = older["line_items"][:1]
    assert apply(shop, older) == "stale"
    order, lines = stored(shop)
    assert order.name == "#2" and not any(l.removed for l in lines)  # neither the order nor its lines moved
    assert apply(shop, payload(None, "#0")) == "stale"  # an unversioned copy never replaces a versioned one
    assert apply(shop, payload("2026-01-02T01:00:00+01:00", "#2b")) == "applied"  # the same moment: idempotent
    assert stored(shop)[0].name == "#2b"
    newer = payload("2026-01-03T00:00:00Z", "#3")
    newer["line_items"] = newer["line_items"][:1]
    assert apply(shop, newer) == "applied"
    order, lines = stored(shop)
    assert order.name == "#3" and sum(l.removed for l in lines) == len(lines) - 1


def test_the_same_order_seen_again_is_unchanged_and_keeps_its_updated_at(shop):
    first = payload("2026-01-02T00:00:00Z", "#2")
    assert apply(shop, first) == "applied"
    seen_at = stored(shop)[0].updated_at
    assert apply(shop, first) == "unchanged"  # an overlapping pull: no write the OMS would see
    assert stored(shop)[0].updated_at == seen_at
    changed = payload("2026-01-02T00:00:00Z", "#2")
    changed["shipping_address"] = {**(changed.get("shipping_address") or {}), "city": "Elsewhere"}
    assert apply(shop, changed) == "applied"  # the same version with another value (JSON) is written
    assert stored(shop)[0].shipping_address["city"] == "Elsewhere"
