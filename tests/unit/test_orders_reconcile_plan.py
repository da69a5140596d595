"""The reconciliation's decisions, without I/O: which day is compared one by one, and
which of Shopify's orders are missing or stale here."""
from datetime import date, datetime, timezone

from shopify_app.sync.orders.reconcile_plan import DayCheck, compare, day_search, days_back


def node(n, updated="2026-03-02T10:00:00Z", **kw):
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{n}", "updatedAt": updated,
            "createdAt": "2026-03-02T09:00:00Z", "cancelledAt": None, "closed": False,
            "displayFulfillmentStatus": "UNFULFILLED", **kw}


def test_a_day_is_compared_when_shopify_has_more_created_or_another_number_updated():
    assert not DayCheck(date(2026, 3, 2), 5, 5, 7, 7).differs
    assert not DayCheck(date(2026, 3, 2), 5, 6, 7, 7).differs  # more held created: not a gap by itself
    assert DayCheck(date(2026, 3, 2), 6, 5, 7, 7).differs
    assert DayCheck(date(2026, 3, 2), 5, 5, 7, 6).differs
    assert DayCheck(date(2026, 3, 2), 5, 5, 6, 7).differs  # an order we hold at that day's version moved on


def test_days_back_start_today_and_day_search_is_one_utc_day():
    assert days_back(date(2026, 3, 2), 3) == [date(2026, 3, 2), date(2026, 3, 1), date(2026, 2, 28)]
    assert day_search("created_at", date(2026, 3, 2)) == (
        "created_at:>='2026-03-02T00:00:00Z' AND created_at:<'2026-03-03T00:00:00Z'")


def test_missing_are_the_wanted_ones_we_lack_and_stale_the_older_ones_we_hold():
    held = {"gid://shopify/Order/1": datetime(2026, 3, 2, 10, tzinfo=timezone.utc),
            "gid://shopify/Order/2": datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
            "gid://shopify/Order/3": datetime(2026, 3, 2, 11, tzinfo=timezone.utc)}
    nodes = [node(1), node(2), node(3), node(4), node(5, displayFulfillmentStatus="FULFILLED"),
             node(6, cancelledAt="2026-03-02T09:30:00Z")]
    repair = compare(nodes, held, {})
    assert [n["id"] for n in repair.missing] == ["gid://shopify/Order/4"]  # 5 and 6 fail the import filter
    assert [n["id"] for n in repair.stale] == ["gid://shopify/Order/2"]  # 1 is current, 3 newer here
    # a shop importing every order wants the fulfilled one too
    assert [n["id"] for n in compare(nodes, held, {"order_import": "open"}).missing] == [
        "gid://shopify/Order/4", "gid://shopify/Order/5"]
