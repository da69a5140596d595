"""Locations without surprises, against devstore over real HTTP: warnings when online stock
can count twice or pushed levels are left behind, and the ways out after the merchant
confirms (levels we pushed set to 0, online selling stopped)."""
from __future__ import annotations

from shopify_app.extensions import db
from shopify_app.sync.locations.store import find_location
from tests.integration.test_locations_and_inventory_push_up import DOWNTOWN, EAST, MAIN, setup  # noqa: F401

FACILITY = {MAIN: "SHOPIFY_61000000001", EAST: "SHOPIFY_61000000002"}


def api(s, method, path, **kw):
    token = s.ds.session_token(s.handle.domain)
    return s.c.http.request(method, f"{s.c.url}{path}", headers={"Authorization": f"Bearer {token}"}, **kw)


def warnings(s):
    r = api(s, "GET", "/api/locations")
    assert r.status_code == 200, r.text
    return {l["id"]: {w["code"]: w for w in l["warnings"]} for l in r.json()}


def test_moving_the_default_warns_of_what_is_left_and_the_ways_out_clear_it(setup):  # noqa: F811
    s = setup()
    skus = s.skus(3)
    s.put_atp([{"facility_id": FACILITY[MAIN], "sku": sku, "atp": 5} for sku in skus])
    status, counts, error = s.run()
    assert status == "succeeded", error
    assert all(s.level(sku, MAIN) == 5 for sku in skus)

    found = warnings(s)
    assert set(found[EAST]) == {"online_not_default"}  # East fulfils online orders, Main is the default
    assert "count twice" in found[EAST]["online_not_default"]["message"]
    assert found[EAST]["online_not_default"]["actions"] == ["stop_online_selling"]
    assert MAIN not in {k for k, v in found.items() if v}

    r = api(s, "PUT", f"/api/locations/{EAST}", json={"default": True})
    assert r.status_code == 200, r.text
    found = warnings(s)
    assert set(found[MAIN]) == {"online_not_default", "pushed_levels_left"}
    assert "3 stock levels" in found[MAIN]["pushed_levels_left"]["message"]
    assert found[MAIN]["pushed_levels_left"]["actions"] == ["zero_levels"]

    # A level changed in Shopify since we pushed it is not ours any more: left as it is.
    with s.c.app.app_context():
        item = db.session.execute(db.text(
            "SELECT inventory_item_id FROM variants WHERE shop_id = :s AND sku = :k"),
            {"s": s.shop_id, "k": skus[0]}).scalar_one()
    s.ds.set_inventory(s.handle.domain, {"inventory_item_id": item, "location_id": MAIN, "available": 9})

    assert api(s, "POST", f"/api/locations/{MAIN}/zero_levels", json={}).status_code == 400  # not confirmed
    assert api(s, "POST", f"/api/locations/{EAST}/zero_levels", json={"confirm": True}).status_code == 409  # default
    r = api(s, "POST", f"/api/locations/{MAIN}/zero_levels", json={"confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["result"]["zeroed"] == 2  # (the webhook told us of the 9: no longer counted ours)
    assert "Set 2 stock levels" in r.json()["message"]
    assert [s.level(sku, MAIN) for sku in skus] == [9, 0, 0]
    assert "pushed_levels_left" not in warnings(s)[MAIN]

    assert api(s, "POST", f"/api/locations/{MAIN}/stop_online_selling", json={}).status_code == 400
    r = api(s, "POST", f"/api/locations/{EAST}/stop_online_selling", json={"confirm": True})
    assert r.status_code == 422 and "default" in r.json()["error"]
    r = api(s, "POST", f"/api/locations/{MAIN}/stop_online_selling", json={"confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["fulfills_online_orders"] is False and r.json()["warnings"] == []
    shopify = {l["id"]: l for l in s.ds.locations(s.handle.domain)}
    assert shopify[MAIN]["fulfillsOnlineOrders"] is False
    with s.c.app.app_context():
        assert find_location(s.shop_id, MAIN).fulfills_online_orders is False


def test_a_facility_mapped_elsewhere_moves_only_when_the_merchant_confirms(setup):  # noqa: F811
    s = setup()
    r = api(s, "PUT", f"/api/locations/{DOWNTOWN}", json={"facility_id": FACILITY[EAST]})
    assert r.status_code == 409 and "East" in r.json()["error"]
    r = api(s, "PUT", f"/api/locations/{DOWNTOWN}", json={"facility_id": FACILITY[EAST], "take": True})
    assert r.status_code == 200 and r.json()["facility_id"] == FACILITY[EAST]
    assert r.json()["taken_from"]["id"] == EAST
    r = api(s, "PUT", f"/api/locations/{DOWNTOWN}", json={"default": True})  # a store: no online orders
    assert r.status_code == 422 and "fulfils online orders" in r.json()["error"]


def test_stop_online_selling_whose_answer_is_lost_reads_the_location_instead_of_resending(setup, lost_answers):  # noqa: F811
    s = setup()
    lost_answers.lose("locationEdit")
    r = api(s, "POST", f"/api/locations/{EAST}/stop_online_selling", json={"confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["fulfills_online_orders"] is False
    assert {l["id"]: l for l in s.ds.locations(s.handle.domain)}[EAST]["fulfillsOnlineOrders"] is False


def test_stop_online_selling_without_the_permission_says_how_to_grant_it(connected_app):
    from devstore.testing import new_shop
    from shopify_app.sync.runner import run_flow
    from tests.conftest import create_shop

    scopes = ["read_products", "read_orders", "write_inventory", "read_locations",
              "write_merchant_managed_fulfillment_orders"]  # granted before write_locations was asked for
    handle = new_shop(connected_app.devstore, products=2, orders=0, scopes=scopes)
    with connected_app.app.app_context():
        shop_id = create_shop(handle.domain, access="read_write", token=handle.token, expires_in=None).id
        assert run_flow(shop_id, "locations", "manual").status == "succeeded"
    token = connected_app.ds.session_token(handle.domain)
    r = connected_app.http.post(f"{connected_app.url}/api/locations/{EAST}/stop_online_selling",
                                json={"confirm": True}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409, r.text
    assert "approve the permission to edit locations" in r.json()["error"]
    assert {l["id"]: l for l in connected_app.ds.locations(handle.domain)}[EAST]["fulfillsOnlineOrders"] is True
