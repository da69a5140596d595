"""GET /api/sync, POST /api/sync/<flow>/run, PATCH /api/sync/<flow>."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import FlowState, SyncRun
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import registry
from shopify_app.sync.flows import Flow
from shopify_app.web.sync_api import FLOW_NAMES
from tests.conftest import create_shop

FLOW_KEYS = {"enabled", "interval_minutes", "running", "last_run"}


@pytest.fixture
def unregistered(monkeypatch):
    """The table's flows without their stats: what the page shows of a flow by itself."""
    for name, flow in registry.FLOWS.items():
        monkeypatch.setitem(registry.FLOWS, name, replace(flow, stats=None))


def register(name, *, min_level, default_interval_minutes, stats):
    registry.FLOWS[name] = Flow(name, lambda ctx: None, min_level, default_interval_minutes, stats=stats)


def runs(shop_id=None):
    query = select(SyncRun).order_by(SyncRun.id)
    if shop_id is not None:
        query = query.where(SyncRun.shop_id == shop_id)
    return db.session.execute(query).scalars().all()


def test_get_sync_lists_every_flow_with_defaults(client, shop, auth_headers, unregistered):
    resp = client.get("/api/sync", headers=auth_headers())
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert set(body) == set(FLOW_NAMES)
    expected_intervals = {"products": 15, "orders": 5, "inventory": 15, "fulfillments": 5, "locations": 60}
    for name in FLOW_NAMES:
        entry = body[name]
        assert FLOW_KEYS <= set(entry), name
        assert entry["enabled"] is True
        assert entry["interval_minutes"] == expected_intervals[name]
        assert entry["running"] is False
        assert entry["last_run"] is None
    assert body["products"]["imported_24h"] == 0 and body["products"]["total"] == 0
    assert body["orders"]["imported_15m"] == 0 and body["orders"]["total"] == 0
    assert body["inventory"]["last_pushed_at"] is None


def test_get_sync_needs_a_session_token(client, shop):
    resp = client.get("/api/sync")
    assert resp.status_code == 401
    assert resp.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_get_sync_merges_the_flows_stats_and_shows_runs(client, shop, auth_headers, unregistered):
    register("products", min_level=AccessLevel.READ, default_interval_minutes=15,
             stats=lambda s: {"imported_24h": 7, "total": 42})
    now = datetime.now(timezone.utc)
    db.session.add_all([
        SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="succeeded",
                started_at=now - timedelta(minutes=20), finished_at=now - timedelta(minutes=19),
                counts={"products": 5}),
        SyncRun(shop_id=shop.id, flow="products", trigger="schedule", status="failed",
                started_at=now - timedelta(minutes=5), finished_at=now - timedelta(minutes=4),
                counts={}, error="ShopifyUnavailable: 503"),
        SyncRun(shop_id=shop.id, flow="products", trigger="manual", status="running", started_at=now,
                counts={}, progress={"objects": 1200, "bulk_status": "running"}),
        SyncRun(shop_id=shop.id, flow="orders", trigger="manual", status="queued", counts={}),
    ])
    other = create_shop("other-shop.myshopify.com")
    db.session.add(SyncRun(shop_id=other.id, flow="orders", trigger="schedule", status="succeeded",
                           started_at=now, finished_at=now, counts={"orders": 1}))
    db.session.commit()
    body = client.get("/api/sync", headers=auth_headers()).json
    products = body["products"]
    assert products["imported_24h"] == 7 and products["total"] == 42
    assert products["running"] == {"objects": 1200, "bulk_status": "running", "done": 1200, "total": None}
    assert products["last_run"]["status"] == "failed"
    assert products["last_run"]["error"] == "ShopifyUnavailable: 503"
    assert set(products["last_run"]) >= {"started_at", "finished_at", "status", "counts", "error"}
    assert body["orders"]["last_run"] is None  # the other shop's run is not ours
    assert body["orders"]["queued"]["trigger"] == "manual"
    assert body["orders"]["running"] is False


def test_stats_failure_does_not_break_the_page(client, shop, auth_headers, unregistered):
    def broken(shop):
        raise RuntimeError("boom")

    registry.FLOWS["orders"] = replace(registry.FLOWS["orders"], stats=broken)  # put back by `unregistered`
    body = client.get("/api/sync", headers=auth_headers()).json
    assert body["orders"]["total"] == 0


def test_the_cards_are_the_flows_marked_so_with_their_blank_figures_from_their_rows(client, shop, auth_headers,
                                                                                     unregistered):
    assert FLOW_NAMES == tuple(name for name, flow in registry.FLOWS.items() if flow.card)
    assert "mappings" in registry.FLOWS and "mappings" not in FLOW_NAMES  # it runs behind the Mappings page
    registry.FLOWS["locations"] = replace(registry.FLOWS["locations"], blank_stats={"known": 0})
    assert client.get("/api/sync", headers=auth_headers()).json["locations"]["known"] == 0


def test_run_now_queues_once(client, shop, auth_headers):
    resp = client.post("/api/sync/orders/run", headers=auth_headers())
    assert resp.status_code == 202, resp.json
    assert resp.json["status"] == "queued" and resp.json["trigger"] == "manual" and resp.json["flow"] == "orders"
    again = client.post("/api/sync/orders/run", headers=auth_headers())
    assert again.status_code == 202
    assert again.json["id"] == resp.json["id"] and again.json["created"] is False
    assert len(runs(shop.id)) == 1
    assert client.get("/api/sync", headers=auth_headers()).json["orders"]["queued"]["id"] == resp.json["id"]


def test_run_now_unknown_flow_is_404(client, shop, auth_headers):
    resp = client.post("/api/sync/widgets/run", headers=auth_headers())
    assert resp.status_code == 404 and "error" in resp.json


def test_run_now_refused_when_the_flow_is_off(client, shop, auth_headers):
    client.patch("/api/sync/products", json={"enabled": False}, headers=auth_headers())
    resp = client.post("/api/sync/products/run", headers=auth_headers())
    assert resp.status_code == 409 and "switched off" in resp.json["error"]
    assert runs() == []


def test_run_now_refused_at_access_none(client, app, auth_headers):
    create_shop(access="none")
    resp = client.post("/api/sync/products/run", headers=auth_headers())
    assert resp.status_code == 409 and "none" in resp.json["error"]
    assert runs() == []


def test_run_now_refused_when_the_level_is_too_low(client, app, auth_headers):
    create_shop(access="read")
    assert registry.FLOWS["inventory"].min_level == AccessLevel.READ_WRITE
    resp = client.post("/api/sync/inventory/run", headers=auth_headers())
    assert resp.status_code == 409 and "read_write" in resp.json["error"]
    assert client.post("/api/sync/products/run", headers=auth_headers()).status_code == 202


def test_run_now_refused_for_a_flow_not_available(client, shop, auth_headers, monkeypatch):
    monkeypatch.delitem(registry.FLOWS, "fulfillments")  # a page's flow this version does not run
    resp = client.post("/api/sync/fulfillments/run", headers=auth_headers())
    assert resp.status_code == 409


def test_uninstalled_shop_gets_401_and_inactive_shop_403(client, app, auth_headers):
    shop = create_shop(status="uninstalled")
    assert client.post("/api/sync/products/run", headers=auth_headers()).status_code == 401
    shop.status = "inactive"
    db.session.commit()
    resp = client.post("/api/sync/products/run", headers=auth_headers())
    assert resp.status_code == 403 and "inactive" in resp.json["error"]
    assert runs() == []


def test_patch_switches_and_sets_the_interval(client, shop, auth_headers):
    resp = client.patch("/api/sync/orders", json={"enabled": False, "interval_minutes": 30}, headers=auth_headers())
    assert resp.status_code == 200, resp.json
    assert resp.json["enabled"] is False and resp.json["interval_minutes"] == 30
    state = db.session.execute(select(FlowState).where(FlowState.flow == "orders")).scalar_one()
    assert (state.enabled, state.interval_minutes) == (False, 30)
    body = client.get("/api/sync", headers=auth_headers()).json
    assert body["orders"]["enabled"] is False and body["orders"]["interval_minutes"] == 30
    assert body["products"]["enabled"] is True
    resp = client.patch("/api/sync/orders", json={"interval_minutes": None, "enabled": True}, headers=auth_headers())
    assert resp.json["interval_minutes"] == 5 and resp.json["enabled"] is True
    for edge in (1, 1440):
        assert client.patch("/api/sync/orders", json={"interval_minutes": edge},
                            headers=auth_headers()).json["interval_minutes"] == edge


@pytest.mark.parametrize("body", [
    None, [], {}, "x",
    {"enabled": "no"}, {"enabled": 0}, {"enabled": None},
    {"interval_minutes": "10"}, {"interval_minutes": True},
    {"paused": True},
])
def test_patch_bad_input_is_400_and_changes_nothing(client, shop, auth_headers, body):
    client.patch("/api/sync/orders", json={"interval_minutes": 7}, headers=auth_headers())
    kwargs = {"json": body} if body is not None else {"data": "not json"}
    resp = client.patch("/api/sync/orders", headers=auth_headers(), **kwargs)
    assert resp.status_code == 400, (body, resp.json)
    assert "error" in resp.json
    state = db.session.execute(select(FlowState).where(FlowState.flow == "orders")).scalar_one()
    db.session.refresh(state)
    assert (state.enabled, state.interval_minutes) == (True, 7)


@pytest.mark.parametrize("body", [
    {"interval_minutes": 1.5}, {"interval_minutes": 2.5}, {"interval_minutes": 0}, {"interval_minutes": 1441},
    {"interval_minutes": -5}, {"enabled": False, "interval_minutes": 0},
])
def test_an_interval_that_is_not_whole_minutes_in_range_is_422_and_changes_nothing(client, shop, auth_headers, body):
    client.patch("/api/sync/orders", json={"interval_minutes": 7}, headers=auth_headers())
    resp = client.patch("/api/sync/orders", json=body, headers=auth_headers())
    assert resp.status_code == 422, (body, resp.json)
    assert "whole" in resp.json["error"] and "null" not in resp.json["error"]
    state = db.session.execute(select(FlowState).where(FlowState.flow == "orders")).scalar_one()
    db.session.refresh(state)
    assert (state.enabled, state.interval_minutes) == (True, 7)


def test_a_whole_number_sent_as_a_float_is_taken(client, shop, auth_headers):
    resp = client.patch("/api/sync/orders", json={"interval_minutes": 30.0}, headers=auth_headers())
    assert resp.status_code == 200 and resp.json["interval_minutes"] == 30


def test_patch_unknown_flow_is_404(client, shop, auth_headers):
    assert client.patch("/api/sync/widgets", json={"enabled": False}, headers=auth_headers()).status_code == 404
    assert db.session.execute(select(func.count()).select_from(FlowState)).scalar() == 0


def test_get_sync_with_the_registered_flows(client, shop, auth_headers):
    body = client.get("/api/sync", headers=auth_headers()).json
    assert set(body) == set(FLOW_NAMES)
    assert {"imported_24h", "total"} <= set(body["products"])
    assert {"imported_15m", "total"} <= set(body["orders"])
    assert "last_pushed_at" in body["inventory"]
    for name in FLOW_NAMES:
        assert body[name]["available"] is True and body[name]["blocked"] is None
        assert body[name]["interval_minutes"] == registry.FLOWS[name].default_interval_minutes

