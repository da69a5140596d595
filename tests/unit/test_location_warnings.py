"""The locations' warnings: decided without I/O (sync/), shown in the merchant's words, each
with its ways out (web/)."""
from __future__ import annotations

from types import SimpleNamespace

from shopify_app.sync.locations.warnings import LocationWarning
from shopify_app.sync.locations.warnings import location_warnings as facts
from shopify_app.web.location_warnings import location_warnings


def loc(n, name, *, online=True, default=False, pos=False, facility=None, active=True):
    return SimpleNamespace(shopify_id=f"gid://shopify/Location/{n}", name=name, active=active, deleted=False,
                           fulfills_online_orders=online, is_default=default, pos=pos, facility_id=facility)


def codes(found, n):
    return [w.code for w in found.get(f"gid://shopify/Location/{n}", [])]


def test_an_online_location_that_is_not_the_default_warns_of_stock_counted_twice():
    found = location_warnings([loc(1, "Main", default=True), loc(2, "East"), loc(3, "Store", online=False, pos=True)],
                              {})
    assert codes(found, 1) == [] and codes(found, 3) == []
    warning = found["gid://shopify/Location/2"][0]
    assert warning.code == "online_not_default" and warning.actions == ("stop_online_selling",)
    assert "Main" in warning.message and "count twice" in warning.message and "_" not in warning.message


def test_levels_left_where_we_no_longer_push_warn_with_a_way_out():
    found = location_warnings([loc(1, "Main"), loc(2, "East", default=True), loc(3, "Store", online=False, pos=True,
                                                                            facility=7)],
                              {"gid://shopify/Location/1": 12, "gid://shopify/Location/3": 4})
    assert codes(found, 1) == ["online_not_default", "pushed_levels_left"]
    assert found["gid://shopify/Location/1"][0].actions == ("stop_online_selling", "zero_levels")
    assert "12 stock levels" in found["gid://shopify/Location/1"][1].message
    assert codes(found, 3) == []  # a store with its facility: we push its own stock there


def test_a_default_that_takes_no_online_orders_is_named():
    found = location_warnings([loc(1, "Kiosk", online=False, default=True, pos=True)], {})
    assert codes(found, 1) == ["default_not_online"]


def test_sync_decides_the_facts_and_leaves_the_words_and_ways_out_to_the_page():
    found = facts([loc(1, "Main", default=True), loc(2, "East")], {})
    assert found == {"gid://shopify/Location/2": [LocationWarning("online_not_default", "East", "Main", 0)]}
    assert not hasattr(found["gid://shopify/Location/2"][0], "actions")
    assert not hasattr(found["gid://shopify/Location/2"][0], "message")
