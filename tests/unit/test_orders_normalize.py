"""An order as our rows, from a webhook's REST payload or a GraphQL node: one set of
columns whatever the shape (pure, no database)."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

from shopify_app.sync.orders.filter import wanted_new
from shopify_app.sync.orders.normalize import order_from_node, order_from_rest, order_row_from_node

SAMPLES = "/work/shared/shopify/webhooks"


def sample(topic):
    with open(f"{SAMPLES}/{topic}.json") as fh:
        return json.load(fh)


REST = {
    "id": 7, "admin_graphql_api_id": "gid://shopify/Order/7", "name": "#1007", "email": "", "contact_email": "c@example.com",
    "phone": None, "created_at": "2026-03-01T10:00:00-05:00", "updated_at": "2026-03-02T10:00:00Z",
    "processed_at": "2026-03-01T10:00:00-05:00", "cancelled_at": None, "cancel_reason": None, "closed_at": None,
    "financial_status": "paid", "fulfillment_status": "partial", "currency": "EUR", "source_name": "web",
    "payment_gateway_names": ["manual"], "discount_codes": [{"code": "TEN"}, {"code": ""}],
    "customer": {"id": 3, "first_name": "Ada", "last_name": "L", "email": "ada@example.com", "phone": None},
    "shipping_address": {"first_name": "Ada", "city": "Berlin", "country_code": "DE", "province_code": "BE"},
    "billing_address": None,
    "tax_lines": [{"title": "VAT", "rate": 0.19, "price": "1.90"}],
    "subtotal_price": "10.00", "total_price": "11.90", "current_total_price": "11.90", "total_tax": "1.90",
    "total_discounts": "0.00", "total_shipping_price_set": {"shop_money": {"amount": "4.00", "currency_code": "EUR"}},
    "refunds": [{"id": 11, "created_at": "2026-03-02T09:00:00Z", "note": "dent",
                 "refund_line_items": [{"line_item_id": 21, "quantity": 1}, {"line_item_id": 21, "quantity": 1}]}],
    "line_items": [
        {"id": 21, "title": "Mug", "name": "Mug - Red", "variant_title": "Red", "sku": "MUG-R", "quantity": 3,
         "current_quantity": 3, "fulfillable_quantity": 1, "requires_shipping": True, "price": "3.00",
         "variant_id": 31, "product_id": 41, "discount_allocations": [{"amount": "0.50"}],
         "tax_lines": [{"title": "VAT", "rate": 0.19, "price": "0.57"}]},
        {"id": 22, "title": None, "name": "Gift card", "sku": "", "quantity": 1, "current_quantity": 0,
         "fulfillable_quantity": 0, "requires_shipping": False, "price": "5.00", "variant_id": None, "product_id": None},
    ],
    "shipping_lines": [{"id": 51, "title": "Standard", "code": "STD", "source": "shopify", "carrier_identifier": None,
                        "price": "4.00", "is_removed": False}],
}


def money(amount):
    return {"shopMoney": {"amount": amount, "currencyCode": "EUR"}}


# the same order as the GraphQL queries read it
NODE = {
    "id": "gid://shopify/Order/7", "name": "#1007", "email": "c@example.com", "phone": None,
    "createdAt": "2026-03-01T15:00:00Z", "updatedAt": "2026-03-02T10:00:00Z", "processedAt": "2026-03-01T15:00:00Z",
    "cancelledAt": None, "cancelReason": None, "closed": False,
    "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "PARTIALLY_FULFILLED", "currencyCode": "EUR",
    "sourceName": "web", "paymentGatewayNames": ["manual"], "discountCodes": ["TEN"],
    "customer": {"id": "gid://shopify/Customer/3", "firstName": "Ada", "lastName": "L",
                 "defaultEmailAddress": {"emailAddress": "ada@example.com"}, "defaultPhoneNumber": None},
    "shippingAddress": {"firstName": "Ada", "city": "Berlin", "countryCodeV2": "DE", "provinceCode": "BE"},
    "billingAddress": None,
    "taxLines": [{"title": "VAT", "rate": 0.19, "priceSet": money("1.90")}],
    "subtotalPriceSet": money("10.00"), "totalPriceSet": money("11.90"), "currentTotalPriceSet": money("11.90"),
    "totalTaxSet": money("1.90"), "totalDiscountsSet": money("0.00"), "totalShippingPriceSet": money("4.00"),
    "totalRefundedSet": None,
    "refunds": [{"id": "gid://shopify/Refund/11", "createdAt": "2026-03-02T09:00:00Z", "note": "dent",
                 "totalRefundedSet": None, "refundLineItems": {"nodes": [
                     {"quantity": 1, "restocked": False, "lineItem": {"id": "gid://shopify/LineItem/21"},
                      "subtotalSet": None},
                     {"quantity": 1, "restocked": False, "lineItem": {"id": "gid://shopify/LineItem/21"},
                      "subtotalSet": None}]}}],
    "lineItems": {"nodes": [
        {"id": "gid://shopify/LineItem/21", "title": "Mug", "name": "Mug - Red", "variantTitle": "Red", "sku": "MUG-R",
         "quantity": 3, "currentQuantity": 3, "unfulfilledQuantity": 1, "requiresShipping": True,
         "originalUnitPriceSet": money("3.00"), "discountedTotalSet": None,
         "discountAllocations": [{"allocatedAmountSet": money("0.50")}],
         "taxLines": [{"title": "VAT", "rate": 0.19, "priceSet": money("0.57")}],
         "variant": {"id": "gid://shopify/ProductVariant/31"}, "product": {"id": "gid://shopify/Product/41"}},
        {"id": "gid://shopify/LineItem/22", "title": None, "name": "Gift card", "sku": "", "quantity": 1,
         "currentQuantity": 0, "unfulfilledQuantity": 0, "requiresShipping": False,
         "originalUnitPriceSet": money("5.00"), "discountedTotalSet": None, "variant": None, "product": None},
    ]},
    "shippingLines": {"nodes": [{"id": "gid://shopify/ShippingLine/51", "title": "Standard", "code": "STD",
                                 "source": "shopify", "carrierIdentifier": None, "originalPriceSet": money("4.00"),
                                 "isRemoved": False}]},
}


def without_queue_time(row):
    return {k: v for k, v in row.items() if k != "queued_at"}


def test_a_webhook_payload_and_the_graphql_node_of_one_order_give_the_same_rows():
    rest, node = order_from_rest(copy.deepcopy(REST)), order_from_node(copy.deepcopy(NODE))
    assert without_queue_time(rest.order) == without_queue_time(node.order)
    # webhook payloads and the pulls' queries both list the refunded lines (one reading of them)
    assert [l["refunded_quantity"] for l in rest.lines] == [2, 0]
    assert [l["refunded_quantity"] for l in node.lines] == [2, 0]
    assert rest.lines == node.lines
    assert rest.whole and node.whole
    assert node.order["refunds"][0]["lines"] == [
        {"line_item_id": "gid://shopify/LineItem/21", "quantity": 1, "amount": None, "restocked": False}] * 2


def test_a_bulk_order_without_refund_lines_reads_refunded_quantities_from_what_is_no_longer_refundable():
    node = copy.deepcopy(NODE)
    for refund in node["refunds"]:
        del refund["refundLineItems"]  # a bulk query cannot hold a connection inside the refunds list
    node["lineItems"]["nodes"][0]["refundableQuantity"] = 1
    node["lineItems"]["nodes"][1]["refundableQuantity"] = 1
    rows = order_from_node(node)
    assert [l["refunded_quantity"] for l in rows.lines] == [2, 0]
    assert rows.order["refunds"][0]["lines"] is None


def test_rows_carry_our_columns_in_utc_with_gids():
    order = order_from_rest(copy.deepcopy(REST))
    row = order.order
    assert row["shopify_id"] == "gid://shopify/Order/7" and row["customer_id"] == "gid://shopify/Customer/3"
    assert row["shopify_created_at"] == datetime(2026, 3, 1, 15, tzinfo=timezone.utc)
    assert row["email"] == "c@example.com"  # the contact email when the order has none of its own
    assert row["discounts"] == [{"code": "TEN"}]
    assert row["totals"]["shipping"] == "4.00" and row["tax_lines"][0]["amount"] == "1.90"
    assert row["shipping_address"]["country_code"] == "DE" and row["shipping_address"]["province_code"] == "BE"
    assert row["shipping_lines"] == [{"id": "gid://shopify/ShippingLine/51", "title": "Standard", "code": "STD",
                                      "source": "shopify", "carrier": None, "price": "4.00", "removed": False}]
    assert "fulfillment_orders" not in row  # webhooks do not carry them: the stored ones stay
    assert row["broker_status"] == "queued" and "shop_id" not in row
    mug, card = order.lines
    assert mug["variant_shopify_id"] == "gid://shopify/ProductVariant/31" and mug["discounts"] == [{"amount": "0.50"}]
    assert mug["order_updated_at"] == row["shopify_updated_at"]
    assert card["title"] == "Gift card" and card["sku"] is None and card["removed"] and card["variant_shopify_id"] is None


def test_rest_statuses_read_as_graphql_names_them():
    def status(**changes):
        return order_from_rest({**copy.deepcopy(REST), **changes}).order

    assert status(fulfillment_status=None)["fulfillment_status"] == "UNFULFILLED"
    assert status(fulfillment_status="fulfilled")["fulfillment_status"] == "FULFILLED"
    assert status(financial_status=None)["financial_status"] is None
    cancelled = status(cancel_reason="customer", cancelled_at="2026-03-02T00:00:00Z", closed_at="2026-03-02T00:00:00Z")
    assert cancelled["cancel_reason"] == "CUSTOMER" and cancelled["closed"]
    assert cancelled["cancelled_at"] == datetime(2026, 3, 2, tzinfo=timezone.utc)


def test_a_node_that_omits_a_list_leaves_the_stored_one_alone():
    partial = {k: v for k, v in copy.deepcopy(NODE).items() if k not in ("shippingLines", "lineItems")}
    order = order_from_node(partial)
    assert "shipping_lines" not in order.order and "fulfillment_orders" not in order.order
    assert order.lines == [] and not order.whole


def test_graphql_only_fields():
    node = {**copy.deepcopy(NODE), "sourceName": None, "app": {"name": "Point of Sale"}, "returnStatus": "RETURNED",
            "totalRefundedSet": money("2.00")}
    row = order_row_from_node(node, ship_lines=[], fulfillment_orders=[])
    assert row["channel"] == "Point of Sale" and row["source_name"] is None
    assert row["totals"]["return_status"] == "RETURNED" and row["totals"]["refunded"] == "2.00"
    assert row["shipping_lines"] == [] and row["fulfillment_orders"] == []


def test_the_import_filter_reads_rows_from_either_shape():
    assert not wanted_new(order_from_rest(sample("orders/cancelled")).order, {"order_import": "open"})
    node = order_from_node(copy.deepcopy(NODE)).order
    assert wanted_new(node, {"order_import": "open"}) and not wanted_new(node, {})  # partially fulfilled
    assert not wanted_new(node, {"order_import": "open", "orders_since": "2026-03-02"})
