"""Returns and refunds flow down against devstore over HTTP: a customer's return requested,
approved, partly restocked, refunded and closed reaches GET /oms/v1/returns at each step,
by the returns webhooks and, with every webhook muted, by the order pull alone; an
exchange; a refund seen only by a pull; OMS-posted returns listed beside Shopify's."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Order, OrderLine, ShopifyReturn, Variant, WebhookDelivery
from shopify_app.sync.runner import run_flow

from tests.integration.conftest import signed_delivery

FULFILL = """mutation F($fo: ID!) {
  fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: [{fulfillmentOrderId: $fo}]}) {
    fulfillment { id } userErrors { field message } } }"""
ALL_TOPICS_THAT_CARRY_A_RETURN = [
    "returns/request", "returns/approve", "returns/decline", "returns/cancel", "returns/close", "returns/reopen",
    "returns/process", "returns/update", "reverse_fulfillment_orders/dispose", "refunds/create", "orders/updated",
    "orders/create", "fulfillments/create", "orders/fulfilled", "orders/edited"]


class ReturnsShop:
    def __init__(self, c, linked):
        self.c = c
        self.handle, self.shop_id = linked(products=5, orders=0, settings={"order_import": "open"})
        with c.app.app_context():
            key = create_api_key("returns test")[1]
            assert run_flow(self.shop_id, "products", "schedule").status == "succeeded"
            assert run_flow(self.shop_id, "orders", "schedule").status == "succeeded"
            self.skus = list(db.session.execute(select(Variant.sku).where(
                Variant.shop_id == self.shop_id, Variant.sku.is_not(None)).limit(2)).scalars())
            self.variant = db.session.execute(select(Variant.shopify_id).where(
                Variant.shop_id == self.shop_id, Variant.sku == self.skus[1])).scalar_one()
        self.headers = {"Authorization": f"Bearer {key}"}

    @property
    def ds(self):
        return self.c.ds

    def fulfilled_order(self):
        order = self.ds.create_order(self.handle.domain, [{"sku": self.skus[0], "quantity": 3},
                                                          {"sku": self.skus[1], "quantity": 1}])
        for fo in self.ds.order(self.handle.domain, order["id"])["fulfillmentOrders"]:
            answer = self.handle.graphql(FULFILL, {"fo": fo["id"]})
            assert not answer["data"]["fulfillmentCreate"]["userErrors"], answer
        order = self.ds.order(self.handle.domain, order["id"])
        return order, order["lineItems"][0]["id"]

    def returns(self, **params):
        r = self.c.http.get(f"{self.c.url}/oms/v1/returns", params={"shop": self.handle.domain, **params},
                            headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def shopify_return(self, rid):
        return next((i for i in self.returns(source="shopify")["items"] if i["id"] == rid), None)

    def wait_return(self, rid, check):
        return self.c.wait_for(lambda: (lambda item: item if item and check(item) else None)(self.shopify_return(rid)))

    def pull(self):
        with self.c.app.app_context():
            run = run_flow(self.shop_id, "orders", "manual")
            assert run.status == "succeeded", run.error

    def oms_order(self, oid):
        r = self.c.http.get(f"{self.c.url}/oms/v1/orders", params={"shop": self.handle.domain, "status": "any",
                                                                   "limit": 1000}, headers=self.headers)
        assert r.status_code == 200, r.text
        return next(o for o in r.json()["items"] if o["id"] == oid)


@pytest.fixture
def shop(connected_app, linked):
    return ReturnsShop(connected_app, linked)


@pytest.fixture
def muted(connected_app):
    """Every webhook that could carry a return or a refund is never sent: only the pull can see them."""
    connected_app.ds.set_config(muted_topics=ALL_TOPICS_THAT_CARRY_A_RETURN)
    yield
    connected_app.ds.set_config(muted_topics=[])


def steps(shop, order, line_id, after_each):
    """Request, approve, restock one of two, refund, close: after_each(step, return id, check)."""
    domain = shop.handle.domain
    ret = shop.ds.request_return(domain, order["id"], [{"line_item_id": line_id, "quantity": 2,
                                                        "reason": "SIZE_TOO_SMALL", "customer_note": "too small"}])
    rid = ret["id"]
    after_each("request", rid, lambda i: i["status"] == "requested" and i["lines"] and i["lines"][0]["quantity"] == 2
               and i["lines"][0]["reason"] == "size_too_small" and i["lines"][0]["customer_note"] == "too small"
               and i["lines"][0]["line_item_id"] == line_id and i["order_id"] == order["id"])
    shop.ds.return_step(domain, rid, "approve")
    after_each("approve", rid, lambda i: i["status"] == "open" and i["approved_at"]
               and i["reverse_fulfillment_orders"] and i["restocked_quantity"] == 0)
    location = shop.ds.locations(domain)
    location = (location.get("locations", location) if isinstance(location, dict) else location)[0]["id"]
    shop.ds.return_step(domain, rid, "restock", lines=[{"line_item_id": line_id, "quantity": 1,
                                                        "location_id": location}])
    after_each("restock", rid, lambda i: i["restocked_quantity"] == 1 and i["status"] == "open")
    refund = shop.ds.return_step(domain, rid, "refund", lines=[{"line_item_id": line_id, "quantity": 2}],
                                 amount="1.00")
    after_each("refund", rid, lambda i: [r["id"] for r in i["refunds"]] == [refund["id"]]
               and i["refunds"][0]["lines"][0] == {"line_item_id": line_id, "quantity": 2, "amount": i["refunds"][0]
                                                   ["lines"][0]["amount"], "restocked": False})
    shop.ds.return_step(domain, rid, "close")
    after_each("close", rid, lambda i: i["status"] == "closed" and i["closed_at"])
    return rid


def test_each_step_of_a_return_reaches_the_oms_by_its_webhook(connected_app, shop):
    order, line_id = shop.fulfilled_order()
    connected_app.wait_for(lambda: shop.c.http.get(f"{shop.c.url}/oms/v1/orders", params={"shop": shop.handle.domain},
                                                   headers=shop.headers).json()["items"])
    rid = steps(shop, order, line_id, lambda step, rid, check: shop.wait_return(rid, check))
    o = shop.oms_order(order["id"])
    assert [r["id"] for r in o["returns"]] == [rid] and o["returns"][0]["status"] == "closed"
    assert next(l for l in o["lines"] if l["id"] == line_id)["refunded_quantity"] == 2


def test_with_webhooks_muted_each_step_of_a_return_reaches_the_oms_by_the_pull(connected_app, shop, muted):
    order, line_id = shop.fulfilled_order()
    shop.pull()

    def by_pull(step, rid, check):
        before = shop.shopify_return(rid)
        assert before is None or not check(before), (step, "seen before the pull: a webhook was not muted")
        shop.pull()
        item = shop.shopify_return(rid)
        assert item is not None and check(item), (step, item)

    steps(shop, order, line_id, by_pull)
    with connected_app.app.app_context():  # the app never heard of the return but by pulling
        assert not db.session.execute(select(WebhookDelivery.topic).where(
            WebhookDelivery.shop_domain == shop.handle.domain, WebhookDelivery.topic.in_(
                ALL_TOPICS_THAT_CARRY_A_RETURN))).first()


def test_an_exchange_comes_down_with_its_new_items(connected_app, shop, muted):
    order, line_id = shop.fulfilled_order()
    ret = shop.ds.request_return(shop.handle.domain, order["id"], [{"line_item_id": line_id, "quantity": 1,
                                                                   "reason": "COLOR"}],
                                 exchange=[{"variant_id": shop.variant, "quantity": 1}], status="OPEN")
    shop.pull()
    item = shop.shopify_return(ret["id"])
    assert item["status"] == "open" and item["lines"][0]["reason"] == "color"
    assert [(x["variant_id"], x["quantity"], x["sku"]) for x in item["exchange_lines"]] == [
        (shop.variant, 1, shop.skus[1])]


def test_a_refund_seen_only_by_a_pull_gives_refunded_quantities_and_amounts(connected_app, shop, muted):
    order, line_id = shop.fulfilled_order()
    shop.pull()
    refund = shop.ds.refund_order(shop.handle.domain, order["id"], [{"id": line_id, "quantity": 1}], amount="2.50")
    shop.pull()
    o = shop.oms_order(order["id"])
    assert next(l for l in o["lines"] if l["id"] == line_id)["refunded_quantity"] == 1
    (seen,) = [r for r in o["refunds"] if r["id"] == refund["id"]]
    assert seen["amount"] == "2.50"
    assert seen["lines"][0]["line_item_id"] == line_id and seen["lines"][0]["quantity"] == 1
    with connected_app.app.app_context():
        stored = db.session.execute(select(OrderLine.refunded_quantity).where(
            OrderLine.shop_id == shop.shop_id, OrderLine.shopify_id == line_id)).scalar_one()
        assert stored == 1


def test_the_oms_lists_returns_from_both_directions_with_filters_and_cursor(connected_app, shop, muted):
    order, line_id = shop.fulfilled_order()
    for _ in range(2):
        shop.ds.request_return(shop.handle.domain, order["id"], [{"line_item_id": line_id, "quantity": 1}])
    shop.pull()
    posted = shop.c.http.post(f"{shop.c.url}/oms/v1/returns", headers=shop.headers, json={
        "shop": shop.handle.domain, "order_id": order["id"], "external_id": "RMA-1",
        "lines": [{"line_item_id": line_id, "quantity": 1}], "reason": "damaged"})
    assert posted.status_code == 202, posted.text
    everything = shop.returns()["items"]
    assert sorted(i["source"] for i in everything) == ["oms", "shopify", "shopify"]
    assert [i["external_id"] for i in everything if i["source"] == "oms"] == ["RMA-1"]
    assert {i["status"] for i in shop.returns(status="requested")["items"]} == {"requested"}
    assert len(shop.returns(status="requested")["items"]) == 2
    assert [i["source"] for i in shop.returns(status="kept")["items"]] == ["oms"]
    paged, cursor = [], None
    while True:
        page = shop.returns(limit=1, **({"cursor": cursor} if cursor else {}))
        paged += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [(i["source"], i["id"], i["external_id"]) for i in paged] == [
        (i["source"], i["id"], i["external_id"]) for i in everything]
    assert shop.returns(updated_since="2999-01-01T00:00:00Z")["items"] == []
    bad = shop.c.http.get(f"{shop.c.url}/oms/v1/returns", params={"status": "lost"}, headers=shop.headers)
    assert bad.status_code == 400


def test_the_first_download_by_bulk_brings_the_returns_of_the_orders_it_imports(connected_app, linked):
    handle, shop_id = linked(products=10, orders=120, settings={"order_import": "open"})
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded" and run.bulk_operation_id, run.error
        held = set(db.session.execute(select(Order.shopify_id).where(Order.shop_id == shop_id)).scalars())
        stored = {r.shopify_id: r for r in db.session.execute(
            select(ShopifyReturn).where(ShopifyReturn.shop_id == shop_id)).scalars()}
    in_shopify = {}
    for o in connected_app.ds.orders(handle.domain, limit=1000):
        if o["id"] in held:
            for r in connected_app.ds.order(handle.domain, o["id"]).get("returns") or []:
                in_shopify[r["id"]] = (r["status"].lower(), o["id"])
    assert in_shopify, "the seed put no return on an imported order"
    assert {k: (r.status, r.order_shopify_id) for k, r in stored.items()} == in_shopify


def test_replayed_and_late_return_deliveries_never_take_a_return_back(connected_app, shop):
    """Shopify retries deliveries and sends them in any order: a `returns/request` and a
    `returns/approve` arriving after the close (as new deliveries) leave the return closed."""
    order, line_id = shop.fulfilled_order()
    domain = shop.handle.domain
    rid = shop.ds.request_return(domain, order["id"], [{"line_item_id": line_id, "quantity": 1}])["id"]
    shop.wait_return(rid, lambda i: i["status"] == "requested")
    shop.ds.return_step(domain, rid, "approve")
    shop.wait_return(rid, lambda i: i["status"] == "open")
    shop.ds.return_step(domain, rid, "close")
    closed = shop.wait_return(rid, lambda i: i["status"] == "closed")
    connected_app.ds.wait_webhooks()
    for topic in ("returns/request", "returns/approve"):
        (sent,) = [w for w in connected_app.ds.webhooks(domain, topic=topic)
                   if (w.get("payload") or json.loads(w.get("body") or "{}")).get("admin_graphql_api_id") == rid][:1]
        payload = sent.get("payload") or json.loads(sent["body"])
        assert payload["status"] in ("requested", "open")
        assert signed_delivery(connected_app, topic, domain, payload).status_code == 200
    # all four were taken (deferred: each applied right after its answer, by refetching the order)
    connected_app.wait_for(lambda: db.session.execute(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.shop_domain == domain, WebhookDelivery.topic.in_(["returns/request", "returns/approve"]),
        WebhookDelivery.status == "processed")).scalar_one() == 4)
    again = shop.shopify_return(rid)
    assert again["status"] == "closed" and again["closed_at"] == closed["closed_at"]
