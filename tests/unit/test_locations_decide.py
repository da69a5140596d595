"""The locations' decisions and field readers (pure: transient models, no database)."""
from __future__ import annotations

from shopify_app.models import Location
from shopify_app.sync.locations.decide import (
    choose_default,
    facility_external_id,
    feeds_brokering_queue,
    sells_online,
    shop_facility_external_id,
)
from shopify_app.sync.locations.normalize import address_from_node, address_from_rest, is_pos


def loc(legacy, *, active=True, online=False, default=False):
    return Location(legacy_id=str(legacy), active=active, fulfills_online_orders=online, is_default=default)


def test_the_default_is_the_lowest_active_online_location_else_the_lowest_active_one():
    a, b, c = loc(30, online=True), loc(4, online=True), loc(2)
    assert choose_default([a, b, c]) is b
    assert choose_default([loc(9, online=True, active=False), c, loc(7)]) is c
    assert choose_default([loc(1, active=False)]) is None
    assert choose_default([]) is None


def test_online_selling_and_the_brokering_queue():
    assert sells_online(loc(1, online=True)) and not sells_online(loc(1, online=True, active=False))
    assert not sells_online(loc(1))
    assert feeds_brokering_queue(loc(1, default=True)) and not feeds_brokering_queue(loc(1))
    assert not feeds_brokering_queue(None)


def test_facility_ids_name_the_location_and_if_need_be_the_shop():
    assert facility_external_id(loc(61000000002)) == "SHOPIFY_61000000002"
    assert shop_facility_external_id("demo-store.myshopify.com", loc(21)) == "SHOPIFY_DEMO-STORE_21"
    assert len(shop_facility_external_id("x" * 80 + ".myshopify.com", loc(21))) == 64


def test_a_store_is_neither_a_fulfilment_service_nor_online():
    assert is_pos({"isFulfillmentService": False, "fulfillsOnlineOrders": False})
    assert not is_pos({"fulfillsOnlineOrders": True})
    assert not is_pos({"isFulfillmentService": True})


def test_addresses_from_both_shapes_have_the_same_keys():
    node = address_from_node({"address1": "1 Main St", "city": "Chicago", "countryCode": "US", "extra": 1})
    rest = address_from_rest({"address1": "1 Main St", "city": "Chicago", "country_code": "US",
                              "country_name": "United States", "country": "US", "province_code": "IL"})
    assert set(node) == set(rest)
    assert node["city"] == rest["city"] == "Chicago" and node["countryCode"] == rest["countryCode"] == "US"
    assert rest["country"] == "United States" and rest["provinceCode"] == "IL" and node["province"] is None
    assert address_from_node(None) == dict.fromkeys(node)
