"""GET /oms/v1/products writes its page from rows (web/oms/row_json.py): every field as the
models say it, whatever the row holds (SQL NULL or JSON null in a JSON column, a NULL flag,
a deleted product, a placeholder variant, times with and without microseconds)."""
from __future__ import annotations

from datetime import datetime, timezone

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Product, ProductStore, Shop, Variant
from shopify_app.shopify.times import json_time

from tests.conftest import create_shop


def expected_product(p: Product, shop: Shop, variants: list[Variant]) -> dict:
    """The documented shape, from the models (what the page read through the ORM wrote)."""
    store = db.session.get(ProductStore, shop.product_store_id) if shop.product_store_id else None
    return {
        "id": p.shopify_id, "shop": shop.domain,
        "product_store": None if store is None else {"id": store.id, "name": store.name},
        "title": p.title, "handle": p.handle, "description": p.description, "vendor": p.vendor,
        "product_type": p.product_type, "oms_product_type": p.oms_product_type,
        "product_type_unmapped": bool(p.product_type_unmapped), "tags": p.tags or [],
        "status": "deleted" if p.deleted_at else (p.status or "").lower() or None,
        "options": p.options or [], "images": p.images or [], "deleted": p.deleted_at is not None,
        "deleted_at": json_time(p.deleted_at), "placeholder": bool(p.is_placeholder),
        "shopify_updated_at": json_time(p.shopify_updated_at), "updated_at": json_time(p.updated_at),
        "variants": [{
            "id": v.shopify_id, "product_id": v.product_shopify_id, "title": v.title, "sku": v.sku,
            "barcode": v.barcode, "price": v.price, "weight": v.weight, "weight_unit": v.weight_unit,
            "inventory_item_id": v.inventory_item_id, "selected_options": v.selected_options or [],
            "position": v.position, "deleted": v.deleted_at is not None, "placeholder": bool(v.is_placeholder),
            "shopify_updated_at": json_time(v.shopify_updated_at),
        } for v in variants],
    }


def build_odd_catalog() -> Shop:
    store = ProductStore(name="North")
    db.session.add(store)
    db.session.flush()
    shop = create_shop("odd-rows.myshopify.com")
    shop.product_store_id = store.id
    at = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    with_micros = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=timezone.utc)
    db.session.add_all([
        Product(shop_id=shop.id, shopify_id="gid://shopify/Product/1", title="Full", handle="full",
                description="<p>é \"quoted\"</p>", vendor="Acme", product_type="Shirts", oms_product_type="APPAREL",
                product_type_unmapped=False, tags=["a", "ü"], status="ACTIVE",
                options=[{"name": "Size", "position": 1, "values": ["S", "M"]}],
                images=[{"id": "gid://shopify/ProductImage/9", "url": "https://cdn.example/x.png", "alt": None}],
                shopify_updated_at=with_micros),
        Product(shop_id=shop.id, shopify_id="gid://shopify/Product/2", title=None, tags=None, options=None,
                images=None, status=None, product_type_unmapped=None, is_placeholder=True),
        Product(shop_id=shop.id, shopify_id="gid://shopify/Product/3", title="Gone", status="ARCHIVED",
                tags=[], deleted_at=at, shopify_updated_at=at),
        Product(shop_id=shop.id, shopify_id="gid://shopify/Product/4", title="Empty status", status=""),
        Variant(shop_id=shop.id, shopify_id="gid://shopify/ProductVariant/11", product_shopify_id="gid://shopify/Product/1",
                title="S", sku="S-1", barcode="123", price="19.99", weight="0.5", weight_unit="KILOGRAMS",
                inventory_item_id="gid://shopify/InventoryItem/5", selected_options=[{"name": "Size", "value": "S"}],
                position=1, shopify_updated_at=with_micros),
        Variant(shop_id=shop.id, shopify_id="gid://shopify/ProductVariant/12", product_shopify_id="gid://shopify/Product/1",
                title="M", sku=None, selected_options=None, position=2, deleted_at=at, is_placeholder=None),
        Variant(shop_id=shop.id, shopify_id="gid://shopify/ProductVariant/21", product_shopify_id="gid://shopify/Product/2",
                is_placeholder=True),
    ])
    db.session.commit()
    return shop


def assert_page_matches_the_models(client):
    shop = build_odd_catalog()
    _, secret = create_api_key("oms")
    db.session.commit()
    resp = client.get("/oms/v1/products", query_string={"shop": shop.domain, "limit": 3},
                      headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    rest = client.get("/oms/v1/products", query_string={"shop": shop.domain, "cursor": body["next_cursor"]},
                      headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert rest["next_cursor"] is None
    products = db.session.query(Product).filter_by(shop_id=shop.id).order_by(Product.updated_at, Product.id).all()
    expected = [expected_product(p, shop, db.session.query(Variant).filter_by(
        shop_id=shop.id, product_shopify_id=p.shopify_id).order_by(Variant.position, Variant.id).all()) for p in products]
    assert body["items"] + rest["items"] == expected
    assert all(item["updated_at"].endswith("Z") for item in expected)


def test_a_page_written_from_rows_says_what_the_models_say(client, app):
    assert_page_matches_the_models(client)
