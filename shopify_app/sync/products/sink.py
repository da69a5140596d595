"""A bulk download's JSONL objects -> batched product and variant upserts."""
from __future__ import annotations

from ...extensions import db
from ...models import Product, Variant
from ...shopify.gids import typename
from .. import bulk
from ..flows import RunContext
from ..upsert import upsert
from .normalize import image_from_node, product_from_node, variant_from_node
from .type_mapping import TypeResolver
from .write import VERSION, merge_images


class ProductSink(bulk.Sink):
    """Bulk JSONL objects -> batched upserts. Product rows reset `images`; image lines
    (children, in any order after their product) are appended to their product."""

    def __init__(self, shop_id: int, types: TypeResolver, ctx: RunContext | None = None):
        self.shop_id = shop_id
        self.types = types
        self.ctx = ctx
        self.products: list[dict] = []
        self.variants: list[dict] = []
        self.images: dict[str, list[dict]] = {}
        self.total = {"products": 0, "variants": 0}

    def add(self, obj: dict) -> None:
        kind = typename(obj.get("id"))
        parent = obj.get("__parentId")
        if parent is None and kind == "Product":
            self.products.append(product_from_node(self.shop_id, obj, self.types, images=[]))
        elif kind == "ProductVariant":
            self.variants.append(variant_from_node(self.shop_id, obj, parent))
        elif parent is not None:
            image = image_from_node(obj)
            if image:
                self.images.setdefault(parent, []).append(image)

    def flush(self) -> None:
        if self.products:
            upsert(db.session, Product, self.products, newer=VERSION)
            self.total["products"] += len(self.products)
            self.types.record()
        if self.variants:
            upsert(db.session, Variant, self.variants, newer=VERSION)
            self.total["variants"] += len(self.variants)
        if self.images:
            merge_images(self.shop_id, self.images)
        if self.ctx is not None:
            self.ctx.count("products", len(self.products))
            self.ctx.count("variants", len(self.variants))
        self.products, self.variants, self.images = [], [], {}
