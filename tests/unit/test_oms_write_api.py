"""The OMS write API and the locations API: validation, idempotency, all-or-nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import AtpLevel, FulfillmentRequest, Location, ReturnRequest, SyncRun

from tests.conftest import SHOP, create_shop


def add_location(shop, num, name, *, online=True, pos=False, default=False, active=True):
    loc = Location(shop_id=shop.id, shopify_id=f"gid://shopify/Location/{num}", legacy_id=str(num), name=name,
                   address={"city": "Springfield"}, active=active, fulfills_online_orders=online, pos=pos,
                   deleted=False, is_default=default)
    db.session.add(loc)
    db.session.commit()
    return loc


@pytest.fixture
def mapped(shop):
    from shopify_app.sync.locations.mapping import create_facility

    warehouse = add_location(shop, 11, "Warehouse", online=True, default=True)
    store = add_location(shop, 12, "Store", online=False, pos=True)
    add_location(shop, 13, "Unmapped", online=False, pos=True)
    create_facility(shop, warehouse)
    create_facility(shop, store)
    return shop


def atp_count():
    return db.session.execute(select(func.count()).select_from(AtpLevel)).scalar_one()


# --- PUT /oms/v1/inventory ------------------------------------------------------------------

def test_inventory_needs_an_api_key(client):
    assert client.put("/oms/v1/inventory", json=[]).status_code == 401


def test_inventory_put_stores_and_is_idempotent(client, oms, mapped):
    rows = [{"facility_id": "SHOPIFY_11", "sku": f"SKU-{i}", "atp": i} for i in range(3000)]
    rows.append({"facility_id": "SHOPIFY_12", "sku": "SKU-1", "atp": -4})
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["accepted"] == 3001
    assert atp_count() == 3001
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 200 and atp_count() == 3001
    r = client.put("/oms/v1/inventory", json=[{"facility_id": "SHOPIFY_11", "sku": "SKU-5", "atp": 50}], headers=oms)
    assert r.status_code == 200
    level = db.session.execute(select(AtpLevel).where(AtpLevel.sku == "SKU-5")).scalar_one()
    assert level.atp == 50
    neg = db.session.execute(select(AtpLevel).where(AtpLevel.sku == "SKU-1", AtpLevel.atp < 0)).scalar_one()
    assert neg.atp == -4


def test_inventory_rejects_malformed_rows_changing_nothing(client, oms, mapped):
    rows = [
        {"facility_id": "SHOPIFY_11", "sku": "OK", "atp": 1},
        {"facility_id": "SHOPIFY_11", "sku": "", "atp": 1},
        {"facility_id": "SHOPIFY_11", "sku": "X", "atp": "many"},
        {"sku": "Y", "atp": 2},
    ]
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 400
    body = r.get_json()
    assert [row["index"] for row in body["rows"]] == [1, 2, 3] and body["error_count"] == 3
    assert "nothing was changed" in body["error"]
    assert atp_count() == 0
    for bad in ({"not": "a list"}, "text", None):
        r = client.put("/oms/v1/inventory", json=bad, headers=oms)
        assert r.status_code == 400, bad
    r = client.put("/oms/v1/inventory", data="{oops", headers={**oms, "Content-Type": "application/json"})
    assert r.status_code == 400


def test_inventory_rejects_unknown_facilities_changing_nothing(client, oms, mapped):
    rows = [{"facility_id": "SHOPIFY_11", "sku": "OK", "atp": 1}, {"facility_id": "NOPE", "sku": "OK", "atp": 1}]
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 422
    body = r.get_json()
    assert body["rows"] == [{"index": 1, "error": "unknown facility 'NOPE'"}]
    assert "NOPE" in body["error"]
    assert atp_count() == 0


def test_inventory_rows_that_contradict_each_other_are_422_changing_nothing(client, oms, mapped):
    rows = [{"facility_id": "SHOPIFY_11", "sku": "A", "atp": 1}, {"facility_id": "SHOPIFY_11", "sku": "A", "atp": 2}]
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 422  # each row well-formed: the call contradicts itself
    assert r.get_json()["rows"][0]["index"] == 1 and r.get_json()["rows"][0]["repeats"] == 0
    assert atp_count() == 0
    rows.append({"facility_id": "SHOPIFY_11", "sku": "", "atp": 1})
    assert client.put("/oms/v1/inventory", json=rows, headers=oms).status_code == 400  # malformed wins


def test_inventory_stores_skus_no_shop_knows_and_says_which(client, oms, mapped):
    from datetime import datetime, timezone

    from shopify_app.models import Variant

    for n, sku in enumerate(["KNOWN-1", "KNOWN-2", "GONE"], start=1):
        db.session.add(Variant(shop_id=mapped.id, shopify_id=f"gid://shopify/ProductVariant/{n}", sku=sku,
                               deleted_at=datetime.now(timezone.utc) if sku == "GONE" else None))
    db.session.commit()
    rows = [{"facility_id": "SHOPIFY_11", "sku": sku, "atp": 1} for sku in ("KNOWN-1", "NEW-B", "GONE", "NEW-A")]
    rows.append({"facility_id": "SHOPIFY_12", "sku": "KNOWN-2", "atp": 2})
    r = client.put("/oms/v1/inventory", json=rows, headers=oms)
    assert r.status_code == 200
    body = r.get_json()
    assert body["accepted"] == 5 and atp_count() == 5  # stored all the same: the OMS may know more
    assert body["unknown_sku_count"] == 3
    assert body["unknown_skus"] == ["GONE", "NEW-A", "NEW-B"]

    many = [{"facility_id": "SHOPIFY_11", "sku": f"NEW-{i:04d}", "atp": 1} for i in range(250)]
    body = client.put("/oms/v1/inventory", json=many, headers=oms).get_json()
    assert body["unknown_sku_count"] == 250
    assert body["unknown_skus"] == [f"NEW-{i:04d}" for i in range(100)]  # a bounded list


# --- GET /oms/v1/facilities -----------------------------------------------------------------

def test_facilities_list(client, oms, mapped):
    r = client.get("/oms/v1/facilities", headers=oms)
    assert r.status_code == 200
    items = {f["facility_id"]: f for f in r.get_json()["items"]}
    assert set(items) == {"SHOPIFY_11", "SHOPIFY_12"}
    assert items["SHOPIFY_11"]["sells_online"] is True and items["SHOPIFY_11"]["brokering_queue"] is True
    assert items["SHOPIFY_12"]["sells_online"] is False and items["SHOPIFY_12"]["location"]["pos"] is True
    assert items["SHOPIFY_11"]["location"]["id"] == "gid://shopify/Location/11"
    unknown = client.get("/oms/v1/facilities?shop=nope.myshopify.com", headers=oms)
    assert unknown.status_code == 200 and unknown.get_json()["items"] == []  # a filter, as on products and orders
    assert client.get("/oms/v1/facilities?shop=not a shop", headers=oms).status_code == 400
    assert len(client.get(f"/oms/v1/facilities?shop={SHOP}", headers=oms).get_json()["items"]) == 2
    page = client.get("/oms/v1/facilities?limit=1", headers=oms).get_json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    page2 = client.get(f"/oms/v1/facilities?limit=1&cursor={page['next_cursor']}", headers=oms).get_json()
    assert page2["items"][0]["facility_id"] != page["items"][0]["facility_id"] and page2["next_cursor"] is None
    assert client.get("/oms/v1/facilities?cursor=zzz", headers=oms).status_code == 400
    assert client.get("/oms/v1/facilities?limit=0", headers=oms).status_code == 400


# --- /api/locations ---------------------------------------------------------------------------

def test_locations_api_map_unmap_remap_default(client, auth_headers, shop, app):
    add_location(shop, 21, "Main", online=True, default=True)
    add_location(shop, 22, "Shop on Main St", online=False, pos=True)
    h = auth_headers()
    r = client.get("/api/locations", headers=h)
    assert r.status_code == 200
    items = {l["id"]: l for l in r.get_json()}
    main = items["gid://shopify/Location/21"]
    assert set(main) >= {"id", "name", "active", "fulfills_online_orders", "facility_id", "default", "shopify_admin_url"}
    assert main["default"] is True and main["facility_id"] is None
    assert main["shopify_admin_url"] == f"https://{SHOP}/admin/settings/locations/21"

    r = client.post("/api/locations/gid://shopify/Location/22/facility", headers=h)
    assert r.status_code == 201 and r.get_json()["facility_id"] == "SHOPIFY_22"
    assert client.post("/api/locations/gid://shopify/Location/22/facility", headers=h).status_code == 409
    # re-map the facility to the other location: one to one, only when confirmed
    r = client.put("/api/locations/gid://shopify/Location/21", json={"facility_id": "SHOPIFY_22"}, headers=h)
    assert r.status_code == 409 and "Shop on Main St" in r.get_json()["error"]
    items = {l["id"]: l for l in client.get("/api/locations", headers=h).get_json()}
    assert items["gid://shopify/Location/22"]["facility_id"] == "SHOPIFY_22"  # nothing moved
    r = client.put("/api/locations/gid://shopify/Location/21", json={"facility_id": "SHOPIFY_22", "take": True},
                   headers=h)
    assert r.status_code == 200 and r.get_json()["facility_id"] == "SHOPIFY_22"
    assert r.get_json()["taken_from"] == {"id": "gid://shopify/Location/22", "name": "Shop on Main St"}
    assert "moved from Shop on Main St" in r.get_json()["message"]
    items = {l["id"]: l for l in client.get("/api/locations", headers=h).get_json()}
    assert items["gid://shopify/Location/22"]["facility_id"] is None
    # unmap
    r = client.put("/api/locations/21", json={"facility_id": None}, headers=h)
    assert r.status_code == 200 and r.get_json()["facility_id"] is None
    # the default: only a location that fulfils online orders
    r = client.put("/api/locations/gid://shopify/Location/22", json={"default": True}, headers=h)
    assert r.status_code == 422 and "fulfils online orders" in r.get_json()["error"]
    add_location(shop, 23, "Warehouse", online=True)
    r = client.put("/api/locations/gid://shopify/Location/23", json={"default": True}, headers=h)
    assert r.status_code == 200 and r.get_json()["default"] is True
    items = {l["id"]: l for l in client.get("/api/locations", headers=h).get_json()}
    assert items["gid://shopify/Location/21"]["default"] is False

    # bad input: clear 4xx
    assert client.put("/api/locations/21", json={"facility_id": "NOPE"}, headers=h).status_code == 404
    assert client.put("/api/locations/21", json={"facility_id": 5}, headers=h).status_code == 400
    assert client.put("/api/locations/21", json={"default": "yes"}, headers=h).status_code == 400
    assert client.put("/api/locations/21", json={"colour": "red"}, headers=h).status_code == 400
    assert client.put("/api/locations/21", json={"facility_id": None, "take": "yes"}, headers=h).status_code == 400
    assert client.put("/api/locations/21", data="x", headers=h).status_code == 400
    assert client.put("/api/locations/99", json={"default": True}, headers=h).status_code == 404
    assert client.put("/api/locations/not-an-id", json={"default": True}, headers=h).status_code == 400
    assert client.get("/api/locations").status_code == 401


def test_facility_of_another_shop_cannot_be_mapped(client, auth_headers, shop):
    from shopify_app.sync.locations.mapping import create_facility

    other = create_shop("other-shop.myshopify.com")
    loc = add_location(other, 31, "Theirs")
    create_facility(other, loc)
    add_location(shop, 32, "Ours")
    r = client.put("/api/locations/32", json={"facility_id": "SHOPIFY_31"}, headers=auth_headers())
    assert r.status_code in (404, 422)  # refused
    # ... and answered exactly as a facility that does not exist: another shop's is not ours to reveal.
    unknown = client.put("/api/locations/32", json={"facility_id": "SHOPIFY_NOPE"}, headers=auth_headers())
    assert (r.status_code, r.get_json()["error"].replace("SHOPIFY_31", "X")) == (
        unknown.status_code, unknown.get_json()["error"].replace("SHOPIFY_NOPE", "X"))


def test_a_location_id_repeated_in_another_shop_gets_its_own_facility(client, auth_headers, shop):
    from shopify_app.sync.locations.mapping import create_facility

    other = create_shop("other-shop.myshopify.com")
    create_facility(other, add_location(other, 33, "Theirs"))
    ours = create_facility(shop, add_location(shop, 33, "Ours"))
    assert ours.external_id == "SHOPIFY_TEST-SHOP_33"
    assert ours.shop_id == shop.id


# --- POST /oms/v1/fulfillments ----------------------------------------------------------------

def fulfillment_body(**overrides):
    body = {"shop": SHOP, "order_id": "gid://shopify/Order/1001", "external_id": "SHIP-1",
            "lines": [{"sku": "SKU-1", "quantity": 1}],
            "tracking": {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"},
            "notify_customer": True}
    body.update(overrides)
    return body


def test_fulfillment_post_is_idempotent_on_external_id(client, oms, shop):
    r = client.post("/oms/v1/fulfillments", json=fulfillment_body(), headers=oms)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "pending"
    r2 = client.post("/oms/v1/fulfillments", json=fulfillment_body(), headers=oms)
    assert r2.status_code == 200 and r2.get_json()["external_id"] == "SHIP-1"
    assert db.session.execute(select(func.count()).select_from(FulfillmentRequest)).scalar_one() == 1
    r3 = client.post("/oms/v1/fulfillments", json=fulfillment_body(lines=[{"sku": "SKU-1", "quantity": 2}]), headers=oms)
    assert r3.status_code == 409
    # a run is queued right away
    queued = db.session.execute(select(SyncRun).where(SyncRun.flow == "fulfillments", SyncRun.status == "queued")).scalars().all()
    assert len(queued) == 1
    r = client.get(f"/oms/v1/fulfillments/SHIP-1?shop={SHOP}", headers=oms)
    assert r.status_code == 200 and r.get_json()["tracking"]["number"] == "1Z999"
    assert client.get(f"/oms/v1/fulfillments/NOPE?shop={SHOP}", headers=oms).status_code == 404
    assert client.get("/oms/v1/fulfillments/SHIP-1", headers=oms).status_code == 400


@pytest.mark.parametrize("overrides", [
    {"lines": []},
    {"lines": [{"sku": "A", "quantity": 0}]},
    {"lines": [{"quantity": 1}]},
    {"order_id": "nope"},
    {"external_id": ""},
    {"shop": "not a shop"},
    {"tracking": "1Z"},
    {"tracking": {"url": "javascript:alert(1)"}},
    {"tracking": {"url": "http://[unclosed"}},  # urlsplit raises on it: still a 400, not a 500
    {"notify_customer": "yes"},
    {"surprise": 1},
])
def test_fulfillment_bad_input_is_400(client, oms, shop, overrides):
    r = client.post("/oms/v1/fulfillments", json=fulfillment_body(**overrides), headers=oms)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"]


def test_fulfillment_unknown_shop_and_non_object(client, oms, shop):
    assert client.post("/oms/v1/fulfillments", json=fulfillment_body(shop="nobody.myshopify.com"), headers=oms).status_code == 404
    assert client.post("/oms/v1/fulfillments", json=[1], headers=oms).status_code == 400
    assert client.post("/oms/v1/fulfillments", data="x", headers=oms).status_code == 400


# --- POST /oms/v1/returns -------------------------------------------------------------------

def return_body(**overrides):
    body = {"shop": SHOP, "order_id": 1001, "external_id": "RET-1", "lines": [{"sku": "SKU-1", "quantity": 1}],
            "note": "arrived damaged"}
    body.update(overrides)
    return body


def test_return_kept_when_upload_is_off(client, oms, shop):
    r = client.post("/oms/v1/returns", json=return_body(), headers=oms)
    assert r.status_code == 202 and r.get_json()["status"] == "kept"
    assert client.post("/oms/v1/returns", json=return_body(), headers=oms).status_code == 200
    assert client.post("/oms/v1/returns", json=return_body(note="other"), headers=oms).status_code == 409
    assert client.post("/oms/v1/returns", json=return_body(lines="x"), headers=oms).status_code == 400
    assert client.get(f"/oms/v1/returns/RET-1?shop={SHOP}", headers=oms).get_json()["status"] == "kept"


def test_a_return_amount_with_cents_is_a_string_not_a_json_number(client, oms, shop):
    r = client.post("/oms/v1/returns", json=return_body(amount=10.5), headers=oms)
    assert r.status_code == 400 and "string" in r.get_json()["error"]
    assert client.post("/oms/v1/returns", json=return_body(amount="10.50"), headers=oms).status_code == 202
    assert client.post("/oms/v1/returns", json=return_body(external_id="RET-2", amount=10), headers=oms).status_code == 202


def test_return_pending_when_upload_is_on(client, oms, shop):
    shop.settings = {"upload_refunds": True}
    db.session.commit()
    r = client.post("/oms/v1/returns", json=return_body(external_id="RET-2"), headers=oms)
    assert r.status_code == 202 and r.get_json()["status"] == "pending"
    assert db.session.execute(select(ReturnRequest.status)).scalar_one() == "pending"


def test_openapi_lists_the_write_api(client):
    doc = client.get("/oms/v1/openapi.json").get_json()
    for path in ("/inventory", "/facilities", "/fulfillments", "/fulfillments/{external_id}", "/returns"):
        assert path in doc["paths"], path
    for schema in ("AtpRow", "AtpRejected", "Facility", "FulfillmentRequest", "Fulfillment", "ReturnRequest", "Return"):
        assert schema in doc["components"]["schemas"]
