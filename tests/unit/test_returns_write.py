"""Returns from Shopify are written with their order's version: a replayed or late copy
of an order (a webhook's refetch, a pull's page, a bulk download) never takes a return
back to an older state, and a bulk summary never erases the lines a page brought."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import ShopifyReturn
from shopify_app.sync.orders.mapper import Mapper
from shopify_app.sync.orders.normalize import order_from_node
from shopify_app.sync.orders.write import apply_order
from shopify_app.sync.returns.normalize import return_from_node
from shopify_app.sync.registry import order_id_at
from shopify_app.sync.returns.write import apply_returns, order_of_return

from tests.conftest import create_shop
from tests.unit.test_orders_normalize import NODE

RETURN = {
    "id": "gid://shopify/Return/5", "name": "#1007-R1", "status": "REQUESTED", "totalQuantity": 2,
    "createdAt": "2026-03-02T09:30:00Z", "requestApprovedAt": None, "closedAt": None, "decline": None,
    "returnLineItems": {"nodes": [{
        "id": "gid://shopify/ReturnLineItem/9", "quantity": 2, "customerNote": "too small", "returnReasonNote": "",
        "returnReasonDefinition": {"handle": "size_too_small"}, "processedQuantity": 0, "refundedQuantity": 0,
        "fulfillmentLineItem": {"lineItem": {"id": "gid://shopify/LineItem/21"}}}]},
    "exchangeLineItems": {"nodes": []},
    "reverseFulfillmentOrders": {"nodes": []},
    "refunds": {"nodes": [{"id": "gid://shopify/Refund/11"}]},
}


@pytest.fixture(params=["app", "pg_app"])
def shop(request):
    request.getfixturevalue(request.param)
    return create_shop()


def order_at(updated_at, status, **changes):
    node = copy.deepcopy(NODE)
    node["updatedAt"] = updated_at
    ret = {**copy.deepcopy(RETURN), "status": status, **changes}
    node["returns"] = {"nodes": [ret]}
    return node


def apply(shop, node):
    outcome = apply_order(shop.id, order_from_node(node), Mapper(shop.id), only_held_or_wanted=False)
    db.session.commit()
    db.session.expire_all()
    return outcome


def stored(shop):
    return db.session.execute(select(ShopifyReturn).where(ShopifyReturn.shop_id == shop.id)).scalar_one()


def test_a_return_comes_with_its_lines_reasons_and_the_refunds_tied_to_it(shop):
    assert apply(shop, order_at("2026-03-02T10:00:00Z", "REQUESTED")) == "applied"
    r = stored(shop)
    assert (r.status, r.order_shopify_id, r.name, r.total_quantity) == ("requested", NODE["id"], "#1007-R1", 2)
    assert r.lines == [{"id": "gid://shopify/ReturnLineItem/9", "line_item_id": "gid://shopify/LineItem/21",
                        "quantity": 2, "reason": "size_too_small", "reason_note": None, "customer_note": "too small",
                        "processed_quantity": 0, "refunded_quantity": 0}]
    assert [f["id"] for f in r.refunds] == ["gid://shopify/Refund/11"] and r.refunds[0]["lines"][0]["quantity"] == 1


def test_a_late_or_replayed_older_order_never_takes_a_return_back(shop):
    assert apply(shop, order_at("2026-03-02T12:00:00Z", "CLOSED", closedAt="2026-03-02T11:59:00Z")) == "applied"
    # the approval's refetch, delivered late, and a replay of the request
    assert apply(shop, order_at("2026-03-02T11:00:00Z", "OPEN")) == "stale"
    assert apply(shop, order_at("2026-03-02T10:00:00Z", "REQUESTED")) == "stale"
    assert stored(shop).status == "closed" and stored(shop).closed_at is not None
    # a reopen is newer: it lands
    assert apply(shop, order_at("2026-03-02T13:00:00Z", "OPEN", closedAt=None)) == "applied"
    assert stored(shop).status == "open" and stored(shop).closed_at is None


def test_an_older_return_row_loses_even_when_written_on_its_own(shop):
    """The returns upsert carries the version itself (bulk batches write returns apart from their order)."""
    apply(shop, order_at("2026-03-02T12:00:00Z", "DECLINED", decline={"reason": "FINAL_SALE", "note": None}))
    old = return_from_node({**RETURN, "status": "REQUESTED"}, NODE["id"], stored(shop).order_updated_at.replace(
        hour=1), None)
    apply_returns(shop.id, [old])
    db.session.commit()
    db.session.expire_all()
    assert stored(shop).status == "declined" and stored(shop).decline == {"reason": "FINAL_SALE", "note": None}


def test_a_bulk_summary_updates_the_status_and_keeps_the_lines(shop):
    apply(shop, order_at("2026-03-02T10:00:00Z", "REQUESTED"))
    summary = {k: v for k, v in RETURN.items()
               if k not in ("returnLineItems", "exchangeLineItems", "reverseFulfillmentOrders", "refunds")}
    later = stored(shop).order_updated_at.replace(hour=15)
    apply_returns(shop.id, [return_from_node({**summary, "status": "OPEN"}, NODE["id"], later, None)])
    db.session.commit()
    db.session.expire_all()
    r = stored(shop)
    assert r.status == "open" and r.lines[0]["quantity"] == 2 and r.refunds


def test_a_delivery_naming_only_the_return_finds_its_order(shop):
    apply(shop, order_at("2026-03-02T10:00:00Z", "OPEN", reverseFulfillmentOrders={"nodes": [
        {"id": "gid://shopify/ReverseFulfillmentOrder/3", "status": "OPEN", "lineItems": {"nodes": []}}]}))
    assert order_of_return(shop.id, ["gid://shopify/Return/5"]) == NODE["id"]
    assert order_of_return(shop.id, ["gid://shopify/ReverseFulfillmentOrder/3"]) == NODE["id"]
    assert order_of_return(shop.id, ["gid://shopify/Return/404"]) is None


def test_a_customer_redaction_erases_the_notes_of_their_returns_and_an_export_lists_them(shop):
    from shopify_app.sync import privacy

    apply(shop, order_at("2026-03-02T10:00:00Z", "OPEN"))
    ref = privacy.CustomerRef(shop=shop, customer_id="3", email="ada@example.com", order_ids=())
    assert privacy.customer_data(ref)["order_returns"] == [
        {"return_id": RETURN["id"], "order_id": NODE["id"], "customer_notes": ["too small"]}]
    counts = privacy.redact_customer(ref, order_id_at)
    db.session.commit()
    db.session.expire_all()
    assert counts["order_returns"] == 1 and counts["orders"] == 1
    assert stored(shop).lines[0]["customer_note"] is None and stored(shop).lines[0]["quantity"] == 2
