"""Pure decisions and the JSONL ingest: parsing, `__parentId` in any order, which
version wins, cursor windows, resuming at a line, a failed fetch failing the run."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import FlowState, Order, OrderLine, Product, Variant
from shopify_app.shopify.bulk_operations import parse_lines, pick_started
from shopify_app.shopify.gids import gid, typename
from shopify_app.shopify.times import parse_time
from shopify_app.sync import bulk
from shopify_app.sync.orders.filter import import_query, wanted_new
from shopify_app.sync.orders.mapper import Mapper
from shopify_app.sync.orders.normalize import order_row_from_node
from shopify_app.sync.orders.sink import OrderSink
from shopify_app.sync.products.sink import ProductSink
from shopify_app.sync.products.type_mapping import TypeResolver
from shopify_app.sync.upsert import is_newer


def jsonl(objs) -> list[bytes]:
    return [json.dumps(o).encode() for o in objs]


def test_parse_lines_skips_blanks_and_takes_bytes_or_text():
    lines = [b'{"id": "gid://shopify/Product/1"}', b"", "  ", '{"id": "gid://shopify/ProductVariant/2", "__parentId": "gid://shopify/Product/1"}']
    objs = list(parse_lines(lines))
    assert [typename(o["id"]) for o in objs] == ["Product", "ProductVariant"]
    assert objs[1]["__parentId"] == "gid://shopify/Product/1"


def test_typename_and_gid():
    assert typename("gid://shopify/LineItem/9") == "LineItem"
    assert typename("not a gid") is None
    assert gid("Order", 5) == "gid://shopify/Order/5"


def test_parse_time_normalises_offsets_to_utc():
    assert parse_time("2021-12-31T19:00:00-05:00") == datetime(2022, 1, 1, tzinfo=timezone.utc)
    assert parse_time("2022-01-01T00:00:00Z") == datetime(2022, 1, 1, tzinfo=timezone.utc)
    assert parse_time(None) is None


@pytest.mark.parametrize("incoming,stored,wins", [
    ("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", True),
    ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", False),
    ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", True),  # the same version re-applies: idempotent
    ("2026-01-01T00:00:00Z", None, True),
    (None, "2026-01-01T00:00:00Z", False),
])
def test_which_version_wins(incoming, stored, wins):
    assert is_newer(incoming, stored) is wins


def test_the_window_overlaps_the_last_one():
    start = bulk.window_start("2026-11-23T10:00:00Z", timedelta(minutes=10))
    assert start == datetime(2026, 11, 23, 9, 50, tzinfo=timezone.utc)
    assert bulk.window_start(None, timedelta(minutes=10)) is None


def test_import_filter():
    assert import_query({}) == "status:open AND fulfillment_status:unfulfilled"
    assert import_query({"order_import": "open"}) == "status:open"
    assert import_query({"order_import": "open", "orders_since": "2026-01-15"}) == \
        "status:open AND created_at:>='2026-01-15'"
    node = {"displayFulfillmentStatus": "UNFULFILLED", "createdAt": "2026-02-01T00:00:00Z"}

    def wanted(node, settings):  # the filter reads the Order row normalize makes of the node
        return wanted_new(order_row_from_node({"id": "gid://shopify/Order/1", **node}, ship_lines=None,
                                              fulfillment_orders=None), settings)

    assert wanted(node, {})
    assert not wanted({**node, "displayFulfillmentStatus": "FULFILLED"}, {})
    assert wanted({**node, "displayFulfillmentStatus": "PARTIALLY_FULFILLED"}, {"order_import": "open"})
    assert not wanted({**node, "cancelledAt": "2026-02-02T00:00:00Z"}, {"order_import": "open"})
    assert not wanted(node, {"orders_since": "2026-03-01"})


# --- the sinks, fed in any order ------------------------------------------------------------------

class Ctx:
    """Enough of RunContext for ingest()."""

    def __init__(self):
        self.counts = {}

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n


def catalog_lines(n_products=20, variants_each=3):
    out = []
    for p in range(1, n_products + 1):
        pid = f"gid://shopify/Product/{p}"
        out.append({"id": pid, "title": f"P{p}", "productType": "Shirts", "status": "ACTIVE", "tags": ["a"],
                    "updatedAt": "2026-11-01T00:00:00Z", "options": [{"name": "Size", "position": 1, "values": ["S"]}]})
        for v in range(variants_each):
            vid = f"gid://shopify/ProductVariant/{p * 100 + v}"
            out.append({"id": vid, "sku": "SHARED" if v == 0 else f"SKU-{p}-{v}", "price": "9.99",
                        "updatedAt": "2026-11-01T00:00:00Z", "selectedOptions": [{"name": "Size", "value": "S"}],
                        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{p * 100 + v}",
                                          "measurement": {"weight": {"unit": "GRAMS", "value": 100.0}}},
                        "__parentId": pid})
        out.append({"id": f"gid://shopify/MediaImage/{p}", "image": {"url": f"https://cdn.example/{p}.png", "altText": None},
                    "__parentId": pid})
    return out


@pytest.mark.parametrize("shuffle", [False, True])
def test_product_stream_in_any_order_lands_every_row_once(app, shop, shuffle):
    objs = catalog_lines()
    if shuffle:
        random.Random(7).shuffle(objs)  # children before parents, far from them
    sink = ProductSink(shop.id, TypeResolver(shop.id))
    done = bulk.ingest(Ctx(), jsonl(objs), sink, batch_lines=7)
    assert done == len(objs)
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 20
    # variants keyed by Shopify id: a SKU shared by 20 variants neither merges nor duplicates
    assert db.session.execute(select(func.count()).select_from(Variant)).scalar_one() == 60
    assert db.session.execute(select(func.count()).select_from(Variant).where(Variant.sku == "SHARED")).scalar_one() == 20
    p = db.session.execute(select(Product).where(Product.shopify_id == "gid://shopify/Product/3")).scalar_one()
    assert p.product_type_unmapped and p.oms_product_type is None
    if not shuffle:  # images follow their product in Shopify's order
        assert p.images == [{"id": "gid://shopify/MediaImage/3", "url": "https://cdn.example/3.png", "alt": None}]
    # the same file again: still one row each
    bulk.ingest(Ctx(), jsonl(objs), ProductSink(shop.id, TypeResolver(shop.id)), batch_lines=5)
    assert db.session.execute(select(func.count()).select_from(Variant)).scalar_one() == 60


def test_resuming_skips_the_committed_lines(app, shop):
    objs = catalog_lines(10, 2)
    lines = jsonl(objs)
    seen = []

    class Counting(ProductSink):
        def add(self, obj):
            seen.append(obj["id"])
            super().add(obj)

    bulk.ingest(Ctx(), lines, Counting(shop.id, TypeResolver(shop.id)), skip=12, batch_lines=4)
    assert seen == [o["id"] for o in objs[12:]]


def order_lines(n_orders=10, lines_each=4, version="2026-11-01T00:00:00Z"):
    out = []
    for o in range(1, n_orders + 1):
        oid = f"gid://shopify/Order/{o}"
        out.append({"id": oid, "name": f"#{o}", "updatedAt": version, "createdAt": "2026-11-01T00:00:00Z",
                    "displayFulfillmentStatus": "UNFULFILLED", "paymentGatewayNames": ["paypal"], "sourceName": "web",
                    "shippingAddress": {"city": "Ottawa", "countryCodeV2": "CA"}})
        for l in range(lines_each):
            out.append({"id": f"gid://shopify/LineItem/{o * 100 + l}", "quantity": 2, "currentQuantity": 2, "sku": "X",
                        "variant": {"id": f"gid://shopify/ProductVariant/{l}"}, "product": {"id": "gid://shopify/Product/1"},
                        "__parentId": oid})
        out.append({"id": f"gid://shopify/ShippingLine/{o}", "title": "Standard", "__parentId": oid})
        out.append({"id": f"gid://shopify/FulfillmentOrder/{o}", "status": "OPEN", "__parentId": oid})
    return out


def test_order_stream_with_placeholders_and_children(app, shop):
    objs = order_lines()
    bulk.ingest(Ctx(), jsonl(objs), OrderSink(shop.id, Mapper(shop.id)), batch_lines=6)
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 10
    assert db.session.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 40
    o = db.session.execute(select(Order).where(Order.shopify_id == "gid://shopify/Order/4")).scalar_one()
    assert o.broker_status == "queued" and o.has_placeholder_products
    assert [s["title"] for s in o.shipping_lines] == ["Standard"]
    assert o.unmapped == {"sales_channel": "web", "payment_method": "paypal", "shipping_method": "Standard"}
    assert [f["status"] for f in o.fulfillment_orders] == ["OPEN"]
    assert o.shipping_address["city"] == "Ottawa"
    lines = db.session.execute(select(OrderLine).where(OrderLine.order_shopify_id == o.shopify_id)).scalars().all()
    assert all(l.placeholder_product and l.order_updated_at for l in lines)
    # placeholders stand for the products the catalog lacks, flagged
    assert db.session.execute(select(Variant).where(Variant.shopify_id == "gid://shopify/ProductVariant/1")).scalar_one().is_placeholder


def test_an_older_stream_never_overwrites_a_newer_order(app, shop):
    bulk.ingest(Ctx(), jsonl(order_lines(2, 1, version="2026-11-05T00:00:00Z")), OrderSink(shop.id, Mapper(shop.id)))
    db.session.execute(OrderLine.__table__.update().values(current_quantity=1))
    db.session.execute(Order.__table__.update().values(email="newer@example.com"))
    db.session.commit()
    older = order_lines(2, 1, version="2026-11-01T00:00:00Z")
    bulk.ingest(Ctx(), jsonl(older), OrderSink(shop.id, Mapper(shop.id)))
    db.session.expire_all()
    assert {o.email for o in db.session.execute(select(Order)).scalars()} == {"newer@example.com"}
    assert {l.current_quantity for l in db.session.execute(select(OrderLine)).scalars()} == {1}


def test_a_failed_fetch_is_a_failed_run_never_completed_with_zero(app, shop, monkeypatch):
    from shopify_app.shopify.graphql_client import ShopifyUnavailable
    from shopify_app.sync import runner

    class Broken:
        def execute(self, name, variables=None):
            raise ShopifyUnavailable("Shopify kept failing")

    monkeypatch.setattr(runner, "client_for", lambda shop, min_level=None: Broken())
    shop.settings = {}
    db.session.commit()
    for flow in ("products", "orders"):
        run = runner.run_flow(shop.id, flow, "schedule")
        assert run.status == "failed"
        assert "Shopify kept failing" in run.error
        assert run.cursor_after is None


def test_the_finish_webhook_marks_the_waiting_operation(app, shop):
    """Seen through the wait itself: marked, the operation's run wakes at its next nap."""
    from shopify_app.sync.runner import flow_state
    from shopify_app.sync.registry import TOPICS

    finish = TOPICS["bulk_operations/finish"].handler
    op = "gid://shopify/BulkOperation/7"
    state = flow_state(shop.id, "products")
    state.state = {"bulk": {"id": op, "kind": "products_full", "lines_done": 0}}
    db.session.commit()

    def naps_of_one_wait():
        """What a wait sleeps on an operation running at the first look and final at the next."""
        answers = iter([{"id": op, "status": "RUNNING"}, {"id": op, "status": "COMPLETED"}])
        client = SimpleNamespace(execute=lambda name, variables: {"bulkOperation": next(answers)})
        ctx = SimpleNamespace(client=client, state=state, stepped=False, report_progress=lambda **_: None)
        naps = []
        bulk.wait(ctx, op, sleep=naps.append)
        return naps

    finish(shop.domain, {"admin_graphql_api_id": "gid://shopify/BulkOperation/8", "status": "completed"})
    assert naps_of_one_wait() == [0.5, 0.5]  # not ours: the whole poll delay
    finish(shop.domain, {"admin_graphql_api_id": op, "status": "completed"})
    assert naps_of_one_wait() == [0.5]  # ours: woken after the first nap


def test_a_finish_webhook_never_revives_an_operation_its_run_already_ingested(app, shop):
    """The run polled, ingested and cleared its bulk state while the webhook's session
    still held the state as it was before: the webhook must read afresh, not write back."""
    from shopify_app.sync.runner import flow_state

    op = "gid://shopify/BulkOperation/7"
    state = flow_state(shop.id, "orders")
    state.state = {"bulk": {"id": op, "kind": "orders_full", "lines_done": 0, "run_id": 1}}
    db.session.commit()
    assert db.session.get(FlowState, state.id).state["bulk"]["id"] == op  # loaded, as the webhook saw it
    with db.engine.begin() as other:  # the run, on its own connection, finishes
        other.execute(FlowState.__table__.update().where(FlowState.id == state.id).values(state={"bulk": None}))
    assert bulk.mark_finished(shop.id, op, "completed") is False
    db.session.expire_all()
    assert db.session.get(FlowState, state.id).state == {"bulk": None}


def test_stats_for_the_sync_cards(app, shop):
    from shopify_app.sync.registry import FLOWS

    bulk.ingest(Ctx(), jsonl(catalog_lines(4, 1)), ProductSink(shop.id, TypeResolver(shop.id)))
    bulk.ingest(Ctx(), jsonl(order_lines(3, 1)), OrderSink(shop.id, Mapper(shop.id)))
    assert FLOWS["products"].stats(shop) == {"imported_24h": 4, "total": 4}
    assert FLOWS["orders"].stats(shop) == {"imported_15m": 3, "total": 3}
    assert FLOWS["products"].default_interval_minutes == 15 and FLOWS["orders"].default_interval_minutes == 5


def test_memory_stays_flat_whatever_the_file_size(app, shop, monkeypatch):
    """Peak Python memory of an ingest does not grow with the file: one batch at a time."""
    import gc
    import tracemalloc

    monkeypatch.setattr(bulk, "BATCH_LINES", 150)

    def peak(n_orders, first_id):
        objs = (o for o in order_lines(n_orders, 4))  # generated lazily, like a stream
        lines = (json.dumps({**o, "id": o["id"].replace("/Order/", f"/Order/{first_id}"),
                             **({"__parentId": o["__parentId"].replace("/Order/", f"/Order/{first_id}")}
                                if "__parentId" in o else {})}).encode() for o in objs)
        gc.collect()
        tracemalloc.start()
        bulk.ingest(Ctx(), lines, OrderSink(shop.id, Mapper(shop.id)))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small = peak(150, 1)
    large = peak(1200, 2)
    assert large < small * 1.5, (small, large)


def test_a_lost_start_adopts_the_newest_operation_with_our_query_since_we_started():
    since = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    query = "{ products { edges { node { id } } } }"
    ops = [
        {"id": "gid://shopify/BulkOperation/1", "query": query, "createdAt": "2026-12-01T08:00:00Z"},  # an older run's
        {"id": "gid://shopify/BulkOperation/2", "query": "{ orders { edges { node { id } } } }",
         "createdAt": "2026-12-01T09:00:02Z"},  # another flow's
        {"id": "gid://shopify/BulkOperation/3", "query": "{ products {\n edges { node { id } } } }",
         "createdAt": "2026-12-01T09:00:01Z"},  # ours (whitespace aside)
    ]
    assert pick_started(ops, query, since) == "gid://shopify/BulkOperation/3"
    assert pick_started(ops[:2], query, since) is None
