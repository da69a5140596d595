"""Locations and the inventory push against devstore over real HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Location, PushedLevel, Shop, Variant
from shopify_app.sync.locations.mapping import create_facility
from shopify_app.sync.locations.store import find_location
from shopify_app.sync.runner import run_flow

from tests.conftest import create_shop

MAIN, EAST, DOWNTOWN, KIOSK = (f"gid://shopify/Location/6100000000{n}" for n in (1, 2, 3, 4))


class Setup:
    def __init__(self, connected_app, handle, shop_id, api_key):
        self.c = connected_app
        self.handle = handle
        self.shop_id = shop_id
        self.headers = {"Authorization": f"Bearer {api_key}"}

    @property
    def ds(self):
        return self.c.ds

    def put_atp(self, rows):
        r = self.c.http.put(f"{self.c.url}/oms/v1/inventory", json=rows, headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def run(self, flow="inventory", trigger="manual"):
        with self.c.app.app_context():
            run = run_flow(self.shop_id, flow, trigger)
            return run.status, dict(run.counts or {}), run.error

    def level(self, sku, location):
        rows = self.ds.inventory(self.handle.domain, sku=sku, location_id=location)
        rows = [r for r in rows if r["locationId"] == location]
        return rows[0]["quantities"]["available"] if rows else None

    def sets(self):
        return self.ds.inventory_sets(self.handle.domain)

    def skus(self, n):
        with self.c.app.app_context():
            return [s for (s,) in db.session.execute(
                select(Variant.sku).where(Variant.shop_id == self.shop_id, Variant.sku.is_not(None)).order_by(Variant.sku)
            )][:n]


@pytest.fixture
def setup(connected_app):
    """A devstore shop connected with read_write; locations imported; Main Warehouse (default),
    East Coast (online) and Downtown Store (POS) mapped; the catalog downloaded."""
    def make(products=6, access="read_write"):
        handle = new_shop(connected_app.devstore, products=products, orders=0)
        with connected_app.app.app_context():
            shop = create_shop(handle.domain, access="read_write", token=handle.token, expires_in=None)
            shop_id = shop.id
            _record, key = create_api_key("oms")
            db.session.commit()
            run = run_flow(shop_id, "locations", "manual")
            assert run.status == "succeeded", run.error
            run = run_flow(shop_id, "products", "manual")
            assert run.status == "succeeded", run.error
            shop = db.session.get(Shop, shop_id)
            for gid in (MAIN, EAST, DOWNTOWN):
                create_facility(shop, find_location(shop_id, gid))
            shop.access_level = access
            db.session.commit()
        return Setup(connected_app, handle, shop_id, key)
    return make


def test_locations_import_and_default(setup):
    s = setup()
    with s.c.app.app_context():
        locs = {l.shopify_id: l for l in db.session.execute(select(Location).where(Location.shop_id == s.shop_id)).scalars()}
    assert set(locs) == {MAIN, EAST, DOWNTOWN, KIOSK}
    assert locs[MAIN].is_default and locs[MAIN].fulfills_online_orders
    assert locs[DOWNTOWN].pos and not locs[EAST].pos
    assert locs[MAIN].address["city"] == "Chicago"


def test_location_webhooks(setup):
    s = setup()
    created = s.ds.create_location(s.handle.domain, name="Pop-up Shop", fulfillsOnlineOrders=False)
    gid = created.get("id") or created.get("location", {}).get("id")

    def find():
        loc = find_location(s.shop_id, gid)
        return loc is not None and loc.name == "Pop-up Shop"
    s.c.wait_for(find)
    s.ds.update_location(s.handle.domain, gid, name="Pop-up Store")
    s.c.wait_for(lambda: find_location(s.shop_id, gid).name == "Pop-up Store")
    s.ds.delete_location(s.handle.domain, gid)
    s.c.wait_for(lambda: find_location(s.shop_id, gid).deleted)


def test_push_sets_default_sum_and_pos_levels_only(setup):
    s = setup()
    a, b = s.skus(2)
    untouched = {(sku, loc): s.level(sku, loc) for sku in (a, b) for loc in (EAST, KIOSK)}
    s.put_atp([
        {"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 5},
        {"facility_id": "SHOPIFY_61000000002", "sku": a, "atp": 7},
        {"facility_id": "SHOPIFY_61000000003", "sku": a, "atp": 3},
        {"facility_id": "SHOPIFY_61000000001", "sku": b, "atp": -4},
        {"facility_id": "SHOPIFY_61000000003", "sku": b, "atp": -1},
    ])
    status, counts, error = s.run()
    assert status == "succeeded", error
    assert s.level(a, MAIN) == 12  # 5 + 7 (Downtown does not sell online)
    assert s.level(a, DOWNTOWN) == 3
    assert s.level(b, MAIN) == 0  # negative sent as 0
    assert s.level(b, DOWNTOWN) == 0
    assert {(sku, loc): s.level(sku, loc) for sku, loc in untouched} == untouched
    sent = s.sets()
    assert all(len(x["quantities"]) <= 250 and x["idempotency_key"] for x in sent)
    assert all(q["changeFromQuantity"] != "<omitted>" for x in sent for q in x["quantities"])

    # nothing changed: no mutation at all
    before = len(s.sets())
    status, counts, _ = s.run()
    assert status == "succeeded" and counts.get("calls", 0) == 0 and len(s.sets()) == before

    # one ATP changes: one level sent
    s.put_atp([{"facility_id": "SHOPIFY_61000000002", "sku": a, "atp": 1}])
    status, counts, _ = s.run()
    assert status == "succeeded"
    last = s.sets()[-1]
    assert [(q["locationId"], q["quantity"], q["changeFromQuantity"]) for q in last["quantities"]] == [(MAIN, 6, 12)]
    assert s.level(a, MAIN) == 6


def test_stale_level_is_reread_not_overwritten_blind(setup):
    s = setup()
    (a,) = s.skus(1)
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 10}])
    assert s.run()[0] == "succeeded"
    # Someone changes Shopify behind our back (no webhook reaches the ledger in time)...
    s.ds.set_inventory(s.handle.domain, [{"sku": a, "location_id": MAIN, "available": 4}])
    s.ds.wait_webhooks(timeout=5)
    s.c.wait_webhooks_applied()
    with s.c.app.app_context():
        from shopify_app.models import PushedLevel
        entry = db.session.execute(select(PushedLevel).where(PushedLevel.shop_id == s.shop_id,
                                                             PushedLevel.location_id == MAIN)).scalars().first()
        entry.quantity = 10  # as if the drift webhook had not arrived yet
        db.session.commit()
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 8}])
    status, counts, error = s.run()
    assert status == "succeeded", error
    assert counts.get("stale_retried") == 1
    sets = s.sets()
    assert any(e.get("code") == "CHANGE_FROM_QUANTITY_STALE" for x in sets for e in x.get("userErrors") or [])
    assert sets[-1]["quantities"][0]["changeFromQuantity"] == 4  # re-read, then compare-and-set
    assert s.level(a, MAIN) == 8


def test_a_lost_answer_to_an_inventory_push_is_read_back_not_set_twice(setup, lost_answers):
    s = setup()
    a, b = s.skus(2)
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 5},
               {"facility_id": "SHOPIFY_61000000003", "sku": b, "atp": 3}])
    before = len(s.sets())
    lost_answers.lose("inventorySetQuantities")
    status, counts, error = s.run()
    assert status == "succeeded", error
    assert len(lost_answers.lost) == 1  # devstore set the levels; the app never heard
    sets = s.sets()[before:]
    assert len(sets) == 1 and not sets[0]["replayed"]  # set once, never sent again
    assert s.level(a, MAIN) == 5 and s.level(b, DOWNTOWN) == 3
    assert counts.get("pushed") == len(sets[0]["quantities"])
    with s.c.app.app_context():
        ledger = list(db.session.execute(select(PushedLevel).where(PushedLevel.shop_id == s.shop_id)).scalars())
        assert ledger
        for row in ledger:  # the ledger holds what Shopify has
            theirs = [x for x in s.ds.inventory(s.handle.domain, inventory_item_id=row.inventory_item_id,
                                                location_id=row.location_id)
                      if x["locationId"] == row.location_id]
            assert row.quantity == (theirs[0]["quantities"]["available"] if theirs else 0), row.location_id
        pushed = {(r.location_id, r.pushed_quantity) for r in ledger if r.pushed_quantity is not None}
        assert (MAIN, 5) in pushed and (DOWNTOWN, 3) in pushed


def test_reconcile_corrects_drift(setup):
    s = setup()
    a, b = s.skus(2)
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 9},
               {"facility_id": "SHOPIFY_61000000001", "sku": b, "atp": 2}])
    assert s.run()[0] == "succeeded"
    s.ds.set_inventory(s.handle.domain, [{"sku": a, "location_id": MAIN, "available": 1}])
    s.ds.wait_webhooks(timeout=5)
    s.c.wait_webhooks_applied()
    with s.c.app.app_context():
        from shopify_app.models import PushedLevel
        for entry in db.session.execute(select(PushedLevel).where(PushedLevel.shop_id == s.shop_id)).scalars():
            entry.quantity = entry.pushed_quantity  # the drift went unnoticed
        db.session.commit()
    status, counts, error = s.run(trigger="schedule")
    assert status == "succeeded" and counts.get("calls", 0) == 0  # the delta push sees nothing
    status, counts, error = s.run(trigger="reconcile")
    assert status == "succeeded", error
    assert counts["drift_found"] == 1 and counts["corrected"] == 1
    assert s.level(a, MAIN) == 9 and s.level(b, MAIN) == 2


def test_throttled_push_completes(setup):
    s = setup(products=12)
    skus = s.skus(12)
    s.put_atp([{"facility_id": "SHOPIFY_61000000003", "sku": sku, "atp": i + 1} for i, sku in enumerate(skus)])
    s.ds.clear_logs(s.handle.domain)
    s.ds.set_plan(s.handle.domain, size=60, rate=20, available=0)
    try:
        status, counts, error = s.run()
        assert status == "succeeded", error
        assert s.level(skus[-1], DOWNTOWN) == len(skus)
    finally:
        s.ds.set_plan(s.handle.domain, plan="standard")
    throttled = [e for e in s.ds.graphql_log(s.handle.domain) if "THROTTLED" in str(e)]
    assert throttled, "the bucket was empty: at least one call must have been throttled"


def test_read_access_pushes_nothing(setup):
    s = setup(access="read")
    (a,) = s.skus(1)
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 3}])
    status, _counts, error = s.run()
    assert status == "skipped" and "read" in error
    assert s.run(trigger="reconcile")[0] == "skipped"
    assert s.sets() == []


def test_echo_webhooks_are_ignored(setup):
    s = setup()
    (a,) = s.skus(1)
    s.put_atp([{"facility_id": "SHOPIFY_61000000001", "sku": a, "atp": 6}])
    assert s.run()[0] == "succeeded"
    s.ds.wait_webhooks(timeout=5)
    s.c.wait_webhooks_applied()
    with s.c.app.app_context():
        from shopify_app.models import PushedLevel, WebhookDelivery
        deliveries = db.session.execute(select(WebhookDelivery).where(WebhookDelivery.topic == "inventory_levels/update",
                                                                      WebhookDelivery.shop_domain == s.handle.domain)).scalars().all()
        entry = db.session.execute(select(PushedLevel).where(PushedLevel.shop_id == s.shop_id,
                                                             PushedLevel.location_id == MAIN)).scalars().first()
        assert entry.quantity == 6 and entry.pushed_quantity == 6
    # a change made in Shopify is recorded (drift), so the next push knows the real value
    s.ds.set_inventory(s.handle.domain, [{"sku": a, "location_id": MAIN, "available": 2}])
    s.c.wait_for(lambda: db.session.execute(select(PushedLevel.quantity).where(
        PushedLevel.shop_id == s.shop_id, PushedLevel.location_id == MAIN)).scalar() == 2)
    status, counts, _ = s.run()
    assert counts.get("stale_retried", 0) == 0 and s.level(a, MAIN) == 6


def test_new_user_maps_locations_over_http_and_atp_reaches_shopify_in_one_push(connected_app):
    """As a merchant would: import locations, create facilities, choose the default (session-token API);
    then the OMS posts ATP and one push puts it in Shopify."""
    handle = new_shop(connected_app.devstore, products=4, orders=0)
    with connected_app.app.app_context():
        shop = create_shop(handle.domain, access="read_write", token=handle.token, expires_in=None)
        shop_id = shop.id
        _record, key = create_api_key("oms")
        db.session.commit()
        assert run_flow(shop_id, "products", "manual").status == "succeeded"
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.is_not(None))
                                 .order_by(Variant.sku)).scalars().first()
    http, url, ds = connected_app.http, connected_app.url, connected_app.ds

    def api(method, path, **kw):
        token = ds.session_token(handle.domain)
        return http.request(method, f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, **kw)

    r = api("POST", "/api/locations/import")
    assert r.status_code == 200, r.text
    locs = {l["id"]: l for l in r.json()}
    assert set(locs) == {MAIN, EAST, DOWNTOWN, KIOSK}
    assert locs[MAIN]["default"] is True
    assert locs[EAST]["shopify_admin_url"] == (
        f"{connected_app.devstore.url}/{handle.domain}/admin/settings/locations/61000000002")
    for gid in (EAST, DOWNTOWN):
        r = api("POST", f"/api/locations/{gid}/facility")
        assert r.status_code == 201, r.text
    r = api("PUT", f"/api/locations/{EAST}", json={"default": True})
    assert r.status_code == 200 and r.json()["default"] is True
    facilities = http.get(f"{url}/oms/v1/facilities", params={"shop": handle.domain},
                          headers={"Authorization": f"Bearer {key}"}).json()["items"]
    assert {f["facility_id"]: f["brokering_queue"] for f in facilities} == {"SHOPIFY_61000000002": True,
                                                                            "SHOPIFY_61000000003": False}
    r = http.put(f"{url}/oms/v1/inventory", headers={"Authorization": f"Bearer {key}"},
                 json=[{"facility_id": "SHOPIFY_61000000002", "sku": sku, "atp": 17},
                       {"facility_id": "SHOPIFY_61000000003", "sku": sku, "atp": 4}])
    assert r.status_code == 200, r.text
    r = api("POST", "/api/sync/inventory/run")
    assert r.status_code == 202, r.text
    with connected_app.app.app_context():
        run = run_flow(shop_id, "inventory", "manual")
        assert run.status == "succeeded", run.error
    levels = {row["locationId"]: row["quantities"]["available"] for row in ds.inventory(handle.domain, sku=sku)}
    assert levels[EAST] == 17 and levels[DOWNTOWN] == 4
    r = api("GET", "/api/sync")
    assert r.status_code == 200 and r.json()["inventory"]["last_pushed_at"]


def test_a_locations_import_shopify_refuses_answers_502_and_keeps_what_was_stored(connected_app):
    """The merchant's "import" while Shopify refuses the query: the API says Shopify did not
    answer (502), not a server error of ours, and the locations stored before stay."""
    handle = new_shop(connected_app.devstore, products=1, orders=0)
    with connected_app.app.app_context():
        shop = create_shop(handle.domain, access="read", token=handle.token, expires_in=None)
        shop_id = shop.id
        db.session.commit()
        assert run_flow(shop_id, "locations", "manual").status == "succeeded"
    http, url, ds = connected_app.http, connected_app.url, connected_app.ds
    headers = {"Authorization": f"Bearer {ds.session_token(handle.domain)}"}
    ds.faults(fail_next=1, error_status=400, paths="graphql")
    try:
        r = http.post(f"{url}/api/locations/import", headers=headers)
    finally:
        ds.clear_faults()
    assert r.status_code == 502, r.text
    assert r.json()["error"].startswith("Shopify did not answer the locations query: ")
    r = http.get(f"{url}/api/locations", headers=headers)
    assert r.status_code == 200 and {l["id"] for l in r.json()} == {MAIN, EAST, DOWNTOWN, KIOSK}
