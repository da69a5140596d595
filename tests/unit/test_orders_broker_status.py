"""The brokering status body the OMS posts, checked without I/O."""
from shopify_app.sync.orders.broker_status import check_lines_known, check_status_body

SHOP = "demo.myshopify.com"
LINE = "gid://shopify/LineItem/7"


def fields(errors):
    return [e["field"] for e in errors]


def test_a_brokered_status_needs_its_lines_with_facilities():
    clean, errors = check_status_body({"status": "brokered", "lines": [{"line_item_id": "7", "facility_id": " WH1 "}]},
                                      SHOP)
    assert errors == [] and clean == {"shop": SHOP, "status": "brokered",
                                      "lines": [{"line_item_id": LINE, "facility_id": "WH1"}]}
    assert fields(check_status_body({"status": "brokered"}, SHOP)[1]) == [["lines"]]
    assert fields(check_status_body({"status": "brokered", "lines": [
        {"line_item_id": "x", "facility_id": "WH1"}, {"line_item_id": "7", "facility_id": ""},
        {"line_item_id": "7", "facility_id": "WH1"}, {"line_item_id": "7", "facility_id": "WH2"}]}, SHOP)[1]) == [
        ["lines", "0", "line_item_id"], ["lines", "1", "facility_id"], ["lines", "3", "line_item_id"]]


def test_other_statuses_take_no_lines_and_unknown_ones_are_refused():
    for status in ("queued", "rejected", "completed", "cancelled"):
        assert check_status_body({"status": status, "shop": SHOP}, None)[1] == []
    assert fields(check_status_body({"status": "rejected", "lines": [{"line_item_id": "7"}]}, SHOP)[1]) == [["lines"]]
    assert fields(check_status_body({"status": "shipped"}, SHOP)[1]) == [["status"]]
    assert fields(check_status_body({"status": "queued"}, None)[1]) == [["shop"]]
    assert fields(check_status_body({"status": "queued", "shop": "evil.example.com"}, SHOP)[1]) == [["shop"]]
    assert fields(check_status_body(["queued"], SHOP)[1]) == [[]]


def test_lines_must_be_the_orders_and_facilities_the_shops():
    lines = [{"line_item_id": LINE, "facility_id": "WH1"}, {"line_item_id": "gid://shopify/LineItem/8",
                                                            "facility_id": "ELSEWHERE"}]
    assert fields(check_lines_known(lines, {LINE}, {"WH1"})) == [["lines", "1", "line_item_id"],
                                                                 ["lines", "1", "facility_id"]]
    assert check_lines_known(lines[:1], {LINE}, {"WH1"}) == []
