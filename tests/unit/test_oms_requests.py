"""The checks fulfillment and return requests share (pure, no database)."""
from __future__ import annotations

from shopify_app.sync.oms_requests.checks import text_field, validate_lines, validate_shop_and_order


def test_order_ids_come_as_numbers_or_gids_and_nothing_else():
    for given in (42, "42", " 42 ", "gid://shopify/Order/42"):
        errors: list = []
        assert validate_shop_and_order({"shop": "a.myshopify.com", "order_id": given}, errors) == (
            "a.myshopify.com", "gid://shopify/Order/42"), given
        assert errors == []
    for wrong in (True, 0, -1, 2**63, "gid://shopify/LineItem/42", "4x", 4.0, None):
        errors = []
        _shop, order = validate_shop_and_order({"shop": "a.myshopify.com", "order_id": wrong}, errors)
        assert order is None and errors == ["order_id must be a Shopify order id (gid://shopify/Order/N or N)"], wrong


def test_a_shop_is_a_myshopify_domain():
    errors: list = []
    shop, _order = validate_shop_and_order({"shop": "Demo.MyShopify.com", "order_id": 1}, errors)
    assert shop == "demo.myshopify.com" and errors == []
    for wrong in ("demo.example.com", 7, None):
        errors = []
        assert validate_shop_and_order({"shop": wrong, "order_id": 1}, errors)[0] is None
        assert errors == ["shop must be a shop's myshopify.com domain"]


def test_line_item_ids_become_gids_and_skus_are_trimmed():
    errors: list = []
    lines = validate_lines([{"line_item_id": 5, "quantity": 1}, {"line_item_id": "gid://shopify/LineItem/6", "quantity": 2},
                            {"sku": " A-1 ", "quantity": 3}], errors)
    assert errors == []
    assert lines == [{"line_item_id": "gid://shopify/LineItem/5", "quantity": 1},
                     {"line_item_id": "gid://shopify/LineItem/6", "quantity": 2}, {"sku": "A-1", "quantity": 3}]
    errors = []
    assert validate_lines([{"line_item_id": "gid://shopify/Order/5", "quantity": 1}, {"sku": " ", "quantity": 1}], errors) == []
    assert errors == ["lines[0].line_item_id must be a Shopify line item id", "lines[1].sku must be a non-empty string"]


def test_lines_may_be_empty_only_when_allowed():
    errors: list = []
    assert validate_lines([], errors) == [] and errors
    errors = []
    assert validate_lines([], errors, allow_empty=True) == [] and errors == []
    errors = []
    validate_lines([{"sku": "A", "quantity": 1}] * 251, errors)
    assert errors == ["at most 250 lines"]


def test_text_fields_are_trimmed_and_bounded():
    errors: list = []
    assert text_field("  hi ", "note", errors) == "hi"
    assert text_field("   ", "note", errors) is None
    assert text_field(None, "note", errors) is None and errors == []
    assert text_field(None, "external_id", errors, required=True) is None
    assert text_field(" ", "external_id", errors, required=True) is None
    assert text_field("x" * 11, "reason", errors, max_len=10) is None
    assert text_field(5, "reason", errors) is None
    assert errors == [
        "external_id is required",
        "external_id must be a non-empty string of at most 255 characters",
        "reason must be a string of at most 10 characters",
        "reason must be a string of at most 255 characters",
    ]
