"""The read-only JSON the merchant's pages use: recent orders and products, orders per
day in the shop's time zone, facilities, runs; and the figures behind them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shopify_app.extensions import db
from shopify_app.models import Facility, Location, Order, Product, PushedLevel, SyncRun
from shopify_app.web.page_figures import daily_counts, done_of_total, window_start
from tests.conftest import create_shop

NOW = datetime(2026, 3, 10, 3, 30, tzinfo=timezone.utc)  # 9 March, 22:30 in New York


def test_orders_per_day_fall_on_the_shops_day_not_utcs():
    moments = [NOW - timedelta(minutes=10), NOW - timedelta(hours=5)]  # 22:20 and 17:30 on the 9th in New York
    days = daily_counts(moments, "America/New_York", 3, NOW)
    assert days == [{"day": "2026-03-07", "count": 0}, {"day": "2026-03-08", "count": 0},
                    {"day": "2026-03-09", "count": 2}]
    utc_days = daily_counts(moments, None, 3, NOW)
    assert utc_days[-1] == {"day": "2026-03-10", "count": 1}


def test_the_window_starts_at_the_shops_midnight():
    assert window_start("America/New_York", 1, NOW) == datetime(2026, 3, 9, 4, 0, tzinfo=timezone.utc)  # EDT since 8 March
    assert window_start("Not/AZone", 1, NOW) == datetime(2026, 3, 10, tzinfo=timezone.utc)


def test_progress_is_done_of_total_and_unknown_while_shopify_prepares():
    assert done_of_total({"bulk_status": "running", "bulk_objects": 3160}) == {"done": 0, "total": None}
    assert done_of_total({"objects": 1200, "bulk_objects": 3160}) == {"done": 1200, "total": 3160}
    assert done_of_total({"total_batches": 8, "done_batches": 3}) == {"done": 3, "total": 8}
    assert done_of_total(True) == {"done": 0, "total": None}


def _order(shop_id, n, **fields):
    values = dict(shop_id=shop_id, shopify_id=f"gid://shopify/Order/{n}", name=f"#{1000 + n}",
                  created_at=datetime.now(timezone.utc) - timedelta(minutes=n))
    values.update(fields)
    db.session.add(Order(**values))


def test_recent_orders_show_the_mapped_values_and_what_is_unmapped(client, shop, auth_headers):
    _order(shop.id, 1, channel="web", sales_channel="WEB", payment_gateways=["manual"], payment_method=None,
           unmapped={"payment_method": "manual"}, shipping_lines=[{"title": "Standard"}], shipping_method="STD")
    _order(shop.id, 2, channel="pos", sales_channel="POS", unmapped={})
    other = create_shop("other.myshopify.com")
    _order(other.id, 3)
    db.session.commit()
    resp = client.get("/api/orders/recent", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    orders = resp.json["orders"]
    assert [o["name"] for o in orders] == ["#1001", "#1002"]
    assert orders[0]["sales_channel"] == "WEB" and orders[0]["unmapped"] == ["payment_method"]
    assert orders[0]["shipping_title"] == "Standard" and orders[0]["shipping_method"] == "STD"
    assert orders[1]["unmapped"] == []


def test_bad_limits_and_days_are_a_400_not_a_500(client, shop, auth_headers):
    for path in ("/api/orders/recent?limit=0", "/api/orders/recent?limit=abc", "/api/products/recent?limit=1000",
                 "/api/orders/daily?days=0", "/api/orders/daily?days=-1", "/api/runs?flow=nope"):
        resp = client.get(path, headers=auth_headers())
        assert resp.status_code == 400, path
        assert "error" in resp.json


def test_daily_orders_count_todays_imports(client, shop, auth_headers):
    _order(shop.id, 1)
    db.session.commit()
    body = client.get("/api/orders/daily?days=7", headers=auth_headers()).json
    assert len(body["days"]) == 7 and body["timezone"] == "UTC"
    assert sum(d["count"] for d in body["days"]) == 1


def test_recent_products_flag_an_unmapped_type(client, shop, auth_headers):
    db.session.add(Product(shop_id=shop.id, shopify_id="gid://shopify/Product/1", title="Tee",
                           product_type="T-Shirt", product_type_unmapped=True))
    db.session.commit()
    products = client.get("/api/products/recent", headers=auth_headers()).json["products"]
    assert products[0]["title"] == "Tee" and products[0]["unmapped"] is True


def test_facilities_say_which_location_holds_them(client, shop, auth_headers):
    f = Facility(shop_id=shop.id, external_id="WH1", name="Warehouse")
    db.session.add(f)
    db.session.flush()
    db.session.add(Location(shop_id=shop.id, shopify_id="gid://shopify/Location/1", legacy_id="1", name="Main",
                            facility_id=f.id))
    db.session.commit()
    body = client.get("/api/facilities", headers=auth_headers()).json
    assert body["facilities"] == [{"id": "WH1", "name": "Warehouse", "sells_online": False, "mapped_to": "Main"}]


def test_runs_of_a_flow_newest_first(client, shop, auth_headers):
    for status in ("succeeded", "failed"):
        db.session.add(SyncRun(shop_id=shop.id, flow="products", trigger="manual", status=status,
                               counts={}, progress={}))
    db.session.commit()
    runs = client.get("/api/runs?flow=products", headers=auth_headers()).json["runs"]
    assert [r["status"] for r in runs] == ["failed", "succeeded"]


def test_refetch_needs_an_order_reference(client, shop, auth_headers):
    for body in ({}, {"order": ""}, {"order": 5}, []):
        resp = client.post("/api/orders/refetch", json=body, headers=auth_headers())
        assert resp.status_code == 400


def test_the_pages_api_needs_a_session_token(client, shop):
    for path in ("/api/orders/recent", "/api/orders/daily", "/api/products/recent", "/api/facilities",
                 "/api/orders/reconciliation", "/api/runs?flow=orders"):
        assert client.get(path).status_code == 401


def test_download_everything_again_queues_a_full_run(client, shop, auth_headers):
    resp = client.post("/api/sync/products/download", headers=auth_headers())
    assert resp.status_code == 202, resp.json
    assert resp.json["trigger"] == "full" and resp.json["status"] == "queued"
    assert client.post("/api/sync/inventory/download", headers=auth_headers()).status_code == 404


def test_inventory_per_location_counts_levels_units_and_the_last_push(client, shop, auth_headers):
    when = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    for item, qty in (("1", 5), ("2", 7)):
        db.session.add(PushedLevel(shop_id=shop.id, inventory_item_id=item, location_id="gid://shopify/Location/1",
                                   quantity=qty, pushed_quantity=qty, pushed_at=when))
    db.session.commit()
    body = client.get("/api/inventory/locations", headers=auth_headers()).json
    assert body["locations"] == [{"id": "gid://shopify/Location/1", "levels": 2, "units": 12,
                                  "last_pushed_at": "2026-03-01T12:00:00Z"}]
