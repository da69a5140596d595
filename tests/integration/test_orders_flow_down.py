"""Orders flow against devstore over real HTTP: first download (import filter), mappings,
placeholders, webhooks (create, edit, cancel, refund) racing the pull, reconciliation."""
from __future__ import annotations

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import FlowState, Order, OrderLine, Product, Variant
from shopify_app.sync.runner import run_flow


OPEN_UNFULFILLED = "{ ordersCount(query: \"status:open AND fulfillment_status:unfulfilled\", limit: null) { count } }"


def count(model, shop_id, *conds):
    return db.session.execute(select(func.count()).select_from(model).where(model.shop_id == shop_id, *conds)).scalar_one()


def order(shop_id, oid):
    return db.session.execute(select(Order).where(Order.shop_id == shop_id, Order.shopify_id == oid)).scalar_one_or_none()


def lines(shop_id, oid):
    return db.session.execute(select(OrderLine).where(OrderLine.shop_id == shop_id, OrderLine.order_shopify_id == oid)
                              .order_by(OrderLine.id)).scalars().all()


def set_mapping(shop_id, kind, shopify_value, oms_value):
    from shopify_app.models import MappingValue
    from shopify_app.sync import mappings

    db.session.add(MappingValue(shop_id=shop_id, kind=kind, shopify_value=shopify_value, oms_value=oms_value))
    db.session.commit()
    mappings.invalidate()


def test_first_download_brings_open_unfulfilled_orders_with_lines_mapped_and_queued(connected_app, linked):
    handle, shop_id = linked(products=10, orders=40)
    expected = handle.graphql(OPEN_UNFULFILLED)["data"]["ordersCount"]["count"]
    assert expected > 0
    with connected_app.app.app_context():
        set_mapping(shop_id, "payment_method", "shopify_payments", "CREDIT_CARD")
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id
        assert count(Order, shop_id) == expected
        assert count(Order, shop_id, Order.broker_status == "queued") == expected
        some = db.session.execute(select(Order).where(Order.shop_id == shop_id)).scalars().all()
        assert all(lines(shop_id, o.shopify_id) for o in some)
        paid_by_card = [o for o in some if "shopify_payments" in (o.payment_gateways or [])]
        assert paid_by_card and all(o.payment_method == "CREDIT_CARD" for o in paid_by_card)
        others = [o for o in some if o.payment_gateways and "shopify_payments" not in o.payment_gateways]
        assert all(o.payment_method is None and "payment_method" in o.unmapped for o in others)
        assert any(o.shipping_address for o in some)
        # the catalog was not downloaded yet: every line stands on a flagged placeholder
        assert all(l.placeholder_product for o in some for l in lines(shop_id, o.shopify_id))
        assert count(Variant, shop_id, Variant.is_placeholder.is_(True)) > 0
        # the catalog arrives: placeholders become real, nothing duplicated
        placeholders = count(Variant, shop_id)
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        assert count(Variant, shop_id, Variant.is_placeholder.is_(True)) == 0
        assert count(Variant, shop_id) >= placeholders


def test_webhooks_and_pull_apply_every_change_without_duplicates(connected_app, linked):
    handle, shop_id = linked(products=10, orders=10)
    ds = connected_app.ds
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None)).limit(1)).scalar_one()
    created = ds.create_order(handle.domain, [{"sku": sku, "quantity": 3}], email="buyer@example.com",
                              source_name="web", gateway="paypal",
                              shipping={"title": "Express", "code": "EXP", "price": "9.00"})
    oid = created["id"]
    connected_app.wait_for(lambda: order(shop_id, oid) is not None)
    with connected_app.app.app_context():
        o = order(shop_id, oid)
        assert o.broker_status == "queued" and o.email == "buyer@example.com"
        assert o.shipping_method is None and o.unmapped.get("shipping_method") == "Express"
        (line,) = lines(shop_id, oid)
        assert line.quantity == 3 and not line.placeholder_product
        line_gid = line.shopify_id
    # quantity change (orders/edited + orders/updated)
    ds.edit_order(handle.domain, oid, line_items=[{"id": line_gid, "quantity": 1}])
    connected_app.wait_for(lambda: lines(shop_id, oid)[0].current_quantity == 1)
    # cancellation
    ds.cancel_order(handle.domain, oid)
    connected_app.wait_for(lambda: order(shop_id, oid).cancelled_at is not None)
    # the next pull sees the same order again: still one, still cancelled, still 1
    with connected_app.app.app_context():
        before = count(Order, shop_id), count(OrderLine, shop_id)
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        db.session.expire_all()
        assert (count(Order, shop_id), count(OrderLine, shop_id)) == before
        o = order(shop_id, oid)
        assert o.cancelled_at is not None and o.cancel_reason == "CUSTOMER"
        assert lines(shop_id, oid)[0].current_quantity == 1


def test_refund_webhook_fetches_the_whole_order(connected_app, linked):
    handle, shop_id = linked(products=5, orders=0)
    ds = connected_app.ds
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None)).limit(1)).scalar_one()
    created = ds.create_order(handle.domain, [{"sku": sku, "quantity": 2}])
    oid = created["id"]
    connected_app.wait_for(lambda: order(shop_id, oid) is not None)
    with connected_app.app.app_context():
        line_gid = lines(shop_id, oid)[0].shopify_id
    ds.refund_order(handle.domain, oid, line_items=[{"id": line_gid, "quantity": 1}], note="damaged")
    connected_app.wait_for(lambda: order(shop_id, oid).refunds)
    with connected_app.app.app_context():
        o = order(shop_id, oid)
        assert o.refunds[0]["id"].startswith("gid://shopify/Refund/")


def test_a_stale_pull_never_overwrites_a_newer_webhook(connected_app, linked):
    """The pull's page is older than what a webhook already brought: the newer version stays."""
    handle, shop_id = linked(products=5, orders=30)
    with connected_app.app.app_context():
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        o = db.session.execute(select(Order).where(Order.shop_id == shop_id).limit(1)).scalar_one()
        from datetime import timedelta
        o.shopify_updated_at = o.shopify_updated_at + timedelta(days=1)  # as if a newer webhook landed
        o.email = "newer@example.com"
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "orders")).scalar_one()
        state.cursor = "2000-01-01T00:00:00Z"
        db.session.commit()
        oid = o.shopify_id
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("orders_stale", 0) >= 1
        db.session.expire_all()
        assert order(shop_id, oid).email == "newer@example.com"


def test_reconciliation_fetches_what_is_missing(connected_app, linked):
    handle, shop_id = linked(products=5, orders=10)
    ds = connected_app.ds
    with connected_app.app.app_context():
        assert run_flow(shop_id, "products", "schedule").status == "succeeded"
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None)).limit(1)).scalar_one()
    oid = ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])["id"]
    connected_app.wait_for(lambda: order(shop_id, oid) is not None)
    with connected_app.app.app_context():
        total = count(Order, shop_id)
        # lose today's order (as a peer would: a webhook lost, a window skipped)
        db.session.delete(order(shop_id, oid))
        db.session.commit()
        assert count(Order, shop_id) == total - 1
        # and the incremental window has moved past it
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "orders")).scalar_one()
        from datetime import datetime, timedelta, timezone
        state.cursor = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        db.session.commit()
        run = run_flow(shop_id, "orders", "reconcile")
        assert run.status == "succeeded", run.error
        assert run.counts.get("days_short") == 1
        assert order(shop_id, oid) is not None
        assert count(Order, shop_id) == total


def test_a_failed_fetch_is_a_failed_run(connected_app, linked, devstore, monkeypatch):
    from shopify_app.shopify.graphql_client import GraphQLClient

    monkeypatch.setattr(GraphQLClient, "_backoff", lambda self, delay: delay)  # no waiting between retries
    handle, shop_id = linked(products=5, orders=5)
    devstore.client.faults(error_rate=1.0, error_status=500, paths="graphql")
    with connected_app.app.app_context():
        from shopify_app.sync import connection
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "failed" and run.error
        assert run.counts.get("orders", 0) == 0
        assert run.cursor_after is None


def test_a_large_change_set_goes_through_an_incremental_bulk_operation(connected_app, linked, monkeypatch):
    from shopify_app.sync.orders import run as orders_run

    handle, shop_id = linked(products=5, orders=40)
    with connected_app.app.app_context():
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        held = count(Order, shop_id)
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "orders")).scalar_one()
        state.cursor = "2000-01-01T00:00:00Z"  # every order counts as changed
        db.session.commit()
        monkeypatch.setattr(orders_run, "BULK_THRESHOLD", 5)
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id
        # every changed order came; the ones we did not hold and that fail the import
        # filter (fulfilled, closed) stayed out
        db.session.expire_all()
        assert count(Order, shop_id) == held
        assert run.cursor_after > "2000-01-01T00:00:00Z"


def test_throttled_pages_still_complete(connected_app, linked, devstore):
    handle, shop_id = linked(products=5, orders=40)
    with connected_app.app.app_context():
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        held = count(Order, shop_id)
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == "orders")).scalar_one()
        state.cursor = "2000-01-01T00:00:00Z"  # every order counts as changed: many pages
        db.session.commit()
        held_ids = list(db.session.execute(select(Order.shopify_id).where(Order.shop_id == shop_id)).scalars())
    for oid in held_ids:  # and has changed (an order seen again unchanged counts `orders_unchanged`)
        devstore.client.touch_order(handle.domain, oid, webhook=False)
    devstore.client.set_plan(handle.domain, size=1000, rate=400, available=0)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("orders_applied") == held
        assert count(Order, shop_id) == held
