"""One normaliser for a product: a webhook's REST payload and the GraphQL node of the
same product give the same rows (pure, no database)."""
from __future__ import annotations

from datetime import datetime, timezone

from shopify_app.sync.products.normalize import (
    image_from_node,
    images_from_media,
    product_from_node,
    product_from_rest,
    variant_from_node,
)

P = "gid://shopify/Product/1"


def no_mapping(product_type):
    return (None, True) if product_type else (None, False)


REST = {
    "id": 1, "title": "Tee", "handle": "tee", "body_html": "<p>Soft</p>", "vendor": "Acme",
    "product_type": "Shirts", "tags": "summer, mens , ", "status": "active",
    "updated_at": "2026-01-02T03:04:05-05:00",
    "options": [{"name": "Size", "position": 1, "values": ["S", "M"]}, {"name": "Color", "position": 2, "values": None}],
    "images": [{"id": 9, "src": "https://cdn.example/tee.png", "alt": "front"}, {"id": 10, "src": None}],
    "variants": [{
        "id": 11, "title": "S / Red", "sku": "", "barcode": "123", "price": "19.99", "position": 1,
        "updated_at": "2026-01-01T00:00:00Z", "option1": "S", "option2": "Red", "option3": None,
        "inventory_item_id": 77, "weight": 0.5, "weight_unit": "kg",
    }],
}

NODE = {
    "id": P, "title": "Tee", "handle": "tee", "description": "<p>Soft</p>", "vendor": "Acme",
    "productType": "Shirts", "tags": ["summer", "mens"], "status": "ACTIVE", "updatedAt": "2026-01-02T08:04:05Z",
    "options": [{"name": "Size", "position": 1, "values": ["S", "M"]}, {"name": "Color", "position": 2, "values": None}],
    "media": {"nodes": [{"id": "gid://shopify/ProductImage/9", "image": {"url": "https://cdn.example/tee.png", "altText": "front"}},
                        {}, None]},
}
VARIANT_NODE = {
    "id": "gid://shopify/ProductVariant/11", "title": "S / Red", "sku": "", "barcode": "123", "price": "19.99",
    "position": 1, "updatedAt": "2026-01-01T00:00:00Z",
    "selectedOptions": [{"name": "Size", "value": "S"}, {"name": "Color", "value": "Red"}],
    "inventoryItem": {"id": "gid://shopify/InventoryItem/77",
                      "measurement": {"weight": {"value": 0.5, "unit": "KILOGRAMS"}}},
}


def test_a_rest_payload_and_a_graphql_node_give_the_same_rows():
    rest_row, rest_variants = product_from_rest(5, REST, no_mapping)
    node_row = product_from_node(5, NODE, no_mapping, images=images_from_media(NODE))
    assert rest_row == node_row
    assert rest_variants == [variant_from_node(5, VARIANT_NODE, P)]


def test_the_rows_hold_cleaned_values():
    row, [variant] = product_from_rest(5, REST, lambda t: ("APPAREL", False))
    assert row["tags"] == ["summer", "mens"] and row["status"] == "ACTIVE"
    assert row["oms_product_type"] == "APPAREL" and row["product_type_unmapped"] is False
    assert row["shopify_updated_at"] == datetime(2026, 1, 2, 8, 4, 5, tzinfo=timezone.utc)
    assert row["options"][1] == {"name": "Color", "position": 2, "values": []}
    assert row["images"] == [{"id": "gid://shopify/ProductImage/9", "url": "https://cdn.example/tee.png", "alt": "front"}]
    assert row["deleted_at"] is None and row["is_placeholder"] is False
    assert variant["sku"] is None and variant["barcode"] == "123"
    assert variant["price"] == "19.99" and variant["weight"] == "0.5" and variant["weight_unit"] == "KILOGRAMS"
    assert variant["inventory_item_id"] == "gid://shopify/InventoryItem/77"
    assert variant["product_shopify_id"] == P


def test_a_payload_without_variants_leaves_them_alone():
    payload = {k: v for k, v in REST.items() if k != "variants"}
    _row, variants = product_from_rest(5, payload, no_mapping)
    assert variants is None
    _row, variants = product_from_rest(5, {**REST, "variants": []}, no_mapping)
    assert variants == []


def test_rest_variants_without_weight_or_option_names():
    payload = {"id": 2, "options": [], "variants": [{"id": 3, "option1": "Default Title", "weight": None,
                                                     "weight_unit": "lb", "price": None}]}
    row, [variant] = product_from_rest(5, payload, no_mapping)
    assert row["product_type"] is None and row["product_type_unmapped"] is False and row["tags"] == []
    assert row["status"] is None and row["images"] == []
    assert variant["selected_options"] == [{"name": "Option1", "value": "Default Title"}]
    assert variant["weight"] is None and variant["weight_unit"] is None and variant["price"] is None
    assert variant["inventory_item_id"] is None


def test_an_image_needs_a_url():
    assert image_from_node({"id": "m1", "image": {"url": None}}) is None
    assert image_from_node({"id": "m1", "image": None}) is None
    assert image_from_node({"id": "m1", "url": "https://x/y.png", "altText": None}) == {
        "id": "m1", "url": "https://x/y.png", "alt": None}
