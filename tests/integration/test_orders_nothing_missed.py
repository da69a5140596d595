"""Nothing missed, against devstore over HTTP: the incremental pull's overlap window, the
daily reconciliation (webhooks dropped, a page that skipped orders), a poison order that
never blocks the others, re-fetching one order from the CLI, and the OMS's brokering
status round trip."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Facility, Order, OrderLine, Variant
from shopify_app.shopify.times import parse_time
from shopify_app.sync.orders import run as orders_run
from shopify_app.sync.runner import run_flow


def order(shop_id, oid):
    return db.session.execute(select(Order).where(Order.shop_id == shop_id, Order.shopify_id == oid)).scalar_one_or_none()


def held_ids(shop_id):
    return set(db.session.execute(select(Order.shopify_id).where(Order.shop_id == shop_id)).scalars())


def a_sku(shop_id):
    return db.session.execute(select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None))
                              .limit(1)).scalar_one()


@pytest.fixture
def ready(connected_app, linked):
    """A connected shop with its catalog, whose first order download is done."""
    def make(**kw):
        handle, shop_id = linked(products=5, orders=0, **kw)
        with connected_app.app.app_context():
            assert run_flow(shop_id, "products", "schedule").status == "succeeded"
            assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
            sku = a_sku(shop_id)
        return handle, shop_id, sku
    return make


@pytest.fixture
def quiet_order_webhooks(connected_app):
    """devstore sends no orders/create (so only pulls bring new orders); restored after."""
    connected_app.ds.set_config(muted_topics=["orders/create"])
    yield
    connected_app.ds.set_config(muted_topics=[])


def cli(connected_app, *args):
    return connected_app.app.test_cli_runner().invoke(args=list(args))


def test_an_order_committed_inside_the_overlap_window_is_picked_up_once(connected_app, ready, quiet_order_webhooks):
    handle, shop_id, sku = ready()
    ds = connected_app.ds
    oid = ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])["id"]
    ds.hide_order(handle.domain, oid, seconds=2)  # committed, not searchable yet
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert order(shop_id, oid) is None
        # the order is stamped before the cursor this run set: only the overlap finds it
        assert parse_time(ds.order(handle.domain, oid)["updatedAt"]) <= parse_time(run.cursor_after)
    time.sleep(2.2)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("orders_applied") == 1 and run.counts.get("orders") == 1
        seen_at = order(shop_id, oid).updated_at
        # seen again in the next overlap: counted unchanged, not new, and not touched for the OMS
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts.get("orders_unchanged") == 1
        assert run.counts.get("orders_applied") is None and run.counts.get("orders") is None
        db.session.expire_all()
        assert order(shop_id, oid).updated_at == seen_at
        assert db.session.query(Order).filter_by(shop_id=shop_id).count() == 1


def test_reconciliation_repairs_dropped_webhooks_and_a_skipped_page_and_reports_it(connected_app, ready, monkeypatch):
    handle, shop_id, sku = ready()
    ds = connected_app.ds
    ds.set_config(webhook_drop={"rate": 0.1, "topics": ["orders/create"], "seed": 3})
    try:
        created = [ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])["id"] for _ in range(20)]
        ds.wait_webhooks(timeout=20)
        dropped = ds.config()["webhook_drop"]["dropped"]
    finally:
        ds.set_config(webhook_drop=None)
    assert 1 <= len(dropped) <= 5
    connected_app.wait_for(lambda: len(held_ids(shop_id)) == 20 - len(dropped))
    with connected_app.app.app_context():
        lost = set(created) - held_ids(shop_id)
    assert len(lost) == len(dropped)
    # one held order changes in Shopify without a webhook
    changed = next(oid for oid in created if oid not in lost)
    time.sleep(1.1)  # Shopify's times are to the second: the change must carry a later updatedAt
    ds.touch_order(handle.domain, changed, webhook=False)
    # and the pull's pages skip all of them (the search index lagging), then runs move on:
    # a short overlap stands for the hours that pass before the next day's reconciliation
    visible_at = time.monotonic() + 6
    for oid in lost | {changed}:
        ds.hide_order(handle.domain, oid, seconds=6)
    monkeypatch.setattr(orders_run, "OVERLAP", timedelta(seconds=1))
    time.sleep(2.5)  # Shopify's times are to the second: past the 1 s overlap
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert not (lost & held_ids(shop_id))
        stale_version = order(shop_id, changed).shopify_updated_at
        assert stale_version < parse_time(ds.order(handle.domain, changed)["updatedAt"])
    time.sleep(max(0.0, visible_at - time.monotonic()))

    result = cli(connected_app, "order", "reconcile", handle.domain)
    assert result.exit_code == 0, result.output
    n = len(lost)
    assert result.output.strip().splitlines()[-1] == (
        f"{handle.domain}: 7 days checked: {n} missing, 1 stale, {n + 1} re-fetched, 0 still wrong")
    with connected_app.app.app_context():
        db.session.expire_all()
        assert set(created) <= held_ids(shop_id)
        for oid in lost | {changed}:
            assert order(shop_id, oid).shopify_updated_at == parse_time(ds.order(handle.domain, oid)["updatedAt"])
        key = create_api_key("reconciliation reader")[1]
    answer = connected_app.http.get(f"{connected_app.url}/oms/v1/reconciliation", params={"shop": handle.domain},
                                    headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    (report,) = answer.json()["items"]
    assert (report["shop"], report["days_checked"], report["missing"], report["stale"], report["refetched"],
            report["still_wrong"]) == (handle.domain, 7, n, 1, n + 1, 0)
    today = report["days"][0]
    assert today["compared"] and today["shopify_created"] == 20 and today["held_created"] == 20 - n
    assert (today["missing"], today["stale"]) == (n, 1)
    assert not any(day["compared"] for day in report["days"][1:])
    # a second reconciliation finds nothing left to repair
    result = cli(connected_app, "order", "reconcile", handle.domain)
    assert result.output.strip().splitlines()[-1].endswith("0 missing, 0 stale, 0 re-fetched, 0 still wrong")


def test_a_poison_order_is_recorded_and_the_rest_of_the_run_succeeds(connected_app, ready, quiet_order_webhooks,
                                                                     monkeypatch):
    handle, shop_id, sku = ready()
    ds = connected_app.ds
    good = [ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])["id"] for _ in range(5)]
    poison = ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])
    ds.touch_order(handle.domain, poison["id"], webhook=False, fields={"processedAt": "yesterday at noon"})
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.counts["orders_failed"] == 1
        (failed,) = run.counts["failed_orders"]
        assert failed["id"] == poison["id"] and failed["name"] == poison["name"]
        assert failed["error"].startswith("ValueError")
        assert held_ids(shop_id) == set(good)
    # the same through a bulk download (a large change set): the batch lands without it
    time.sleep(1.1)  # Shopify's times are to the second: the touches must carry a later updatedAt
    for oid in good:
        ds.touch_order(handle.domain, oid, webhook=False)
    monkeypatch.setattr(orders_run, "BULK_THRESHOLD", 0)
    with connected_app.app.app_context():
        run = run_flow(shop_id, "orders", "schedule")
        assert run.status == "succeeded", run.error
        assert run.bulk_operation_id
        assert [f["id"] for f in run.counts["failed_orders"]] == [poison["id"]]
        db.session.expire_all()
        assert held_ids(shop_id) == set(good)
        for oid in good:
            assert order(shop_id, oid).shopify_updated_at == parse_time(ds.order(handle.domain, oid)["updatedAt"])


def test_refetch_cli_by_id_and_by_name(connected_app, ready, quiet_order_webhooks):
    handle, shop_id, sku = ready()
    ds = connected_app.ds
    first = ds.create_order(handle.domain, [{"sku": sku, "quantity": 1}])
    second = ds.create_order(handle.domain, [{"sku": sku, "quantity": 2}])
    number = first["id"].rsplit("/", 1)[1]
    result = cli(connected_app, "order", "refetch", handle.domain, number)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"applied {first['id']} ({first['name']})"
    result = cli(connected_app, "order", "refetch", handle.domain, first["id"])
    assert result.output.strip().splitlines()[-1] == f"unchanged {first['id']} ({first['name']})"
    result = cli(connected_app, "order", "refetch", handle.domain, second["name"])  # "#1002"
    assert result.output.strip().splitlines()[-1] == f"applied {second['id']} ({second['name']})"
    later = (parse_time(second["updatedAt"]) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ds.touch_order(handle.domain, second["id"], updated_at=later, webhook=False)
    result = cli(connected_app, "order", "refetch", handle.domain, second["name"].lstrip("#"))  # "1002"
    assert result.output.strip().splitlines()[-1] == f"applied {second['id']} ({second['name']})"
    with connected_app.app.app_context():
        assert held_ids(shop_id) == {first["id"], second["id"]}
        assert order(shop_id, second["id"]).shopify_updated_at == parse_time(
            ds.order(handle.domain, second["id"])["updatedAt"])
    result = cli(connected_app, "order", "refetch", handle.domain, "#999999")
    assert result.exit_code != 0 and "no order '#999999'" in result.output
    result = cli(connected_app, "order", "refetch", "nowhere.myshopify.com", "1")
    assert result.exit_code != 0 and "no shop" in result.output


def test_brokering_status_round_trip(connected_app, ready, linked):
    handle, shop_id, sku = ready()
    other, other_id = linked(products=1, orders=0)
    ds = connected_app.ds
    created = ds.create_order(handle.domain, [{"sku": sku, "quantity": 2}])
    oid = created["id"]
    connected_app.wait_for(lambda: order(shop_id, oid) is not None)
    with connected_app.app.app_context():
        db.session.add_all([Facility(shop_id=shop_id, external_id=f"WH-{shop_id}", name="Warehouse"),
                            Facility(shop_id=other_id, external_id=f"WH-{other_id}", name="Elsewhere")])
        db.session.commit()
        (line_gid,) = db.session.execute(select(OrderLine.shopify_id).where(
            OrderLine.shop_id == shop_id, OrderLine.order_shopify_id == oid)).scalars()
        key = create_api_key("broker")[1]
    headers = {"Authorization": f"Bearer {key}"}
    base = f"{connected_app.url}/oms/v1"

    def post(ref, body, **params):
        return connected_app.http.post(f"{base}/orders/{ref}/status", json=body, params=params, headers=headers)

    def listed(**params):
        answer = connected_app.http.get(f"{base}/orders", params={"shop": handle.domain, **params}, headers=headers)
        assert answer.status_code == 200, answer.text
        return {o["id"]: o for o in answer.json()["items"]}

    assert listed()[oid]["broker_status"] == "queued"
    number = oid.rsplit("/", 1)[1]
    brokered = {"status": "brokered", "lines": [{"line_item_id": line_gid, "facility_id": f"WH-{shop_id}"}]}
    # refused: nothing changes
    assert post(number, {"status": "shipped"}, shop=handle.domain).status_code == 422
    assert post(number, {"status": "brokered"}, shop=handle.domain).status_code == 422
    assert post(number, {"status": "rejected", "lines": brokered["lines"]}, shop=handle.domain).status_code == 422
    wrong = post(number, {"status": "brokered", "lines": [{"line_item_id": line_gid, "facility_id": f"WH-{other_id}"}]},
                 shop=handle.domain)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == ["lines", "0", "facility_id"]
    assert post(number, {"status": "brokered", "lines": [{"line_item_id": "gid://shopify/LineItem/1",
                                                          "facility_id": f"WH-{shop_id}"}]},
                shop=handle.domain).status_code == 422
    assert post(number, brokered).status_code == 400  # no shop
    assert post("gid://shopify/Order/1", brokered, shop=handle.domain).status_code == 404
    assert post(number, brokered, shop=other.domain).status_code == 404  # not that shop's order
    assert listed()[oid]["broker_status"] == "queued"
    before = listed()[oid]["updated_at"]

    answer = post(number, {**brokered, "shop": handle.domain})
    assert answer.status_code == 200 and answer.json()["changed"] is True
    moved = answer.json()["updated_at"]
    assert moved > before
    seen = listed(updated_since=moved)[oid]  # OMS readers by updated_since see the change
    assert seen["broker_status"] == "brokered" and seen["lines"][0]["facility_id"] == f"WH-{shop_id}"
    again = post(oid, brokered, shop=handle.domain)  # by GID, the same status: idempotent
    assert again.status_code == 200 and again.json()["changed"] is False and again.json()["updated_at"] == moved
    # a cancellation in Shopify takes the order out of the queue
    ds.cancel_order(handle.domain, oid)
    connected_app.wait_for(lambda: order(shop_id, oid).broker_status == "cancelled")
    seen = listed(updated_since=moved)[oid]
    assert seen["status"] == "cancelled" and seen["broker_status"] == "cancelled"
    assert seen["lines"][0]["facility_id"] == f"WH-{shop_id}"  # where it had been brokered stays
    assert listed(broker_status="cancelled").keys() == {oid}
