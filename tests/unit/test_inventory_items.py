"""SKU -> inventory item, read from the catalog the products flow downloads."""
from datetime import datetime, timezone

from shopify_app.extensions import db
from shopify_app.models import Variant
from shopify_app.sync.inventory.desired import inventory_items_by_sku


def variant(shop, n, sku, item, deleted=False):
    db.session.add(Variant(shop_id=shop.id, shopify_id=f"gid://shopify/ProductVariant/{n}", sku=sku,
                           inventory_item_id=item, deleted_at=datetime.now(timezone.utc) if deleted else None))


def test_items_by_sku_leaves_out_shared_and_deleted(app, shop):
    variant(shop, 1, "A", "gid://shopify/InventoryItem/1")
    variant(shop, 2, "B", "gid://shopify/InventoryItem/2")
    variant(shop, 3, "B", "gid://shopify/InventoryItem/3")  # the same SKU on two variants
    variant(shop, 4, "C", "gid://shopify/InventoryItem/4", deleted=True)
    variant(shop, 5, None, "gid://shopify/InventoryItem/5")
    db.session.commit()
    items, ambiguous = inventory_items_by_sku(shop.id)
    assert items == {"A": "gid://shopify/InventoryItem/1"}
    assert ambiguous == {"B"}
    assert inventory_items_by_sku(shop.id, ["A", "Z"])[0] == {"A": "gid://shopify/InventoryItem/1"}
