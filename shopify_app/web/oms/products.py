"""GET /oms/v1/products: the catalog downloaded from Shopify, with Shopify ids."""
from __future__ import annotations

from flask import request
from sqlalchemy import and_, case, func, literal, select

from ...extensions import db
from ...models import Product, Shop, Variant
from ...sync.value_lists import one_of
from ..errors import json_error
from .common import forbidden, openapi_part, permission_required
from .listing import PARAMS, common_filters, next_cursor, nullable, product_stores
from .row_json import flag, flag_column, json_answer, json_text, labelled, nothing, records, stored_time

PRODUCT_STATUSES = ("active", "archived", "draft", "deleted")


P, V = Product.__table__.c, Variant.__table__.c

# Each item's fields in the answer's order, selected in their final shape (row_json.py).
VARIANT_FIELDS = {
    "id": V.shopify_id,
    "product_id": V.product_shopify_id,
    "title": V.title,
    "sku": V.sku,
    "barcode": V.barcode,
    "price": V.price,
    "weight": V.weight,
    "weight_unit": V.weight_unit,
    "inventory_item_id": V.inventory_item_id,
    "selected_options": json_text(V.selected_options),
    "position": V.position,
    "deleted": flag(V.deleted_at.is_not(None)),
    "placeholder": flag_column(V.is_placeholder),
    "shopify_updated_at": stored_time(V.shopify_updated_at),
}
PRODUCT_FIELDS = {
    "id": P.shopify_id,
    "shop": Shop.domain,
    "product_store": nothing(),  # filled in: one lookup per page's shops
    "title": P.title,
    "handle": P.handle,
    "description": P.description,
    "vendor": P.vendor,
    "product_type": P.product_type,
    "oms_product_type": P.oms_product_type,
    "product_type_unmapped": flag_column(P.product_type_unmapped),
    "tags": json_text(P.tags),
    "status": case((P.deleted_at.is_not(None), literal("deleted")), else_=func.nullif(func.lower(P.status), "")),
    "options": json_text(P.options),
    "images": json_text(P.images),
    "deleted": flag(P.deleted_at.is_not(None)),
    "deleted_at": stored_time(P.deleted_at),
    "placeholder": flag_column(P.is_placeholder),
    "shopify_updated_at": stored_time(P.shopify_updated_at),
    "updated_at": stored_time(P.updated_at),
}


@permission_required("read")
def list_products():
    try:
        conds, limit = common_filters(Product)
        status = request.args.get("status")
        if status is not None:
            status = status.lower()
            if status not in PRODUCT_STATUSES:
                raise ValueError(f"status must be one of {', '.join(PRODUCT_STATUSES)}")
            if status == "deleted":
                conds.append(Product.deleted_at.is_not(None))
            else:
                conds.append(and_(Product.deleted_at.is_(None), Product.status == status.upper()))
    except ValueError as exc:
        return json_error(400, str(exc))
    # The position (updated_at, id) and the shop first, then the item's fields.
    rows = db.session.execute(
        select(P.updated_at, P.id, P.shop_id, *labelled(PRODUCT_FIELDS))
        .join(Shop, Shop.id == P.shop_id).where(*conds).order_by(P.updated_at, P.id).limit(limit + 1)
    ).all()
    page = rows[:limit]
    items = records(page, tuple(PRODUCT_FIELDS), skip=3)
    stores = product_stores(row.shop_id for row in page)
    variants: dict[tuple[int, str], list] = {}
    if page:
        keys = tuple(VARIANT_FIELDS)
        for row in db.session.execute(
            select(V.shop_id, *labelled(VARIANT_FIELDS)).where(
                V.shop_id.in_({row.shop_id for row in page}),
                one_of(V.product_shopify_id, [item["id"] for item in items]),
            ).order_by(V.position, V.id)
        ):
            variant = dict(zip(keys, row[1:]))
            variants.setdefault((row.shop_id, variant["product_id"]), []).append(variant)
    for row, item in zip(page, items):
        item["product_store"] = stores.get(row.shop_id)
        item["variants"] = variants.get((row.shop_id, item["id"]), [])
    return json_answer({"items": items, "next_cursor": next_cursor(rows, limit)})


SCHEMAS = {
    "Variant": {
        "type": "object",
        "required": ["id", "product_id", "sku", "deleted", "placeholder"],
        "properties": {
            "id": {"type": "string", "description": "Shopify ProductVariant GID"},
            "product_id": nullable("string", description="Shopify Product GID"),
            "title": nullable("string"),
            "sku": nullable("string"),
            "barcode": nullable("string"),
            "price": nullable("string", description="Decimal, shop currency"),
            "weight": nullable("string"),
            "weight_unit": nullable("string"),
            "inventory_item_id": nullable("string", description="Shopify InventoryItem GID"),
            "selected_options": {"type": "array", "items": {"type": "object", "properties": {
                "name": nullable("string"), "value": nullable("string")}}},
            "position": nullable("integer"),
            "deleted": {"type": "boolean"},
            "placeholder": {"type": "boolean", "description": "Stands for a variant an order refers to that the catalog lacks"},
            "shopify_updated_at": nullable("string", format="date-time"),
        },
    },
    "Product": {
        "type": "object",
        "required": ["id", "shop", "product_store", "status", "deleted", "placeholder", "variants", "updated_at"],
        "properties": {
            "id": {"type": "string", "description": "Shopify Product GID"},
            "shop": nullable("string"),
            "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
            "title": nullable("string"),
            "handle": nullable("string"),
            "description": nullable("string"),
            "vendor": nullable("string"),
            "product_type": nullable("string", description="As in Shopify"),
            "oms_product_type": nullable("string", description="Through the product-type mapping; null when unmapped"),
            "product_type_unmapped": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": nullable("string", enum=["active", "archived", "draft", "deleted", None]),
            "options": {"type": "array", "items": {"type": "object", "properties": {
                "name": nullable("string"), "position": nullable("integer"),
                "values": {"type": "array", "items": {"type": "string"}}}}},
            "images": {"type": "array", "items": {"type": "object", "properties": {
                "id": nullable("string"), "url": {"type": "string"}, "alt": nullable("string")}}},
            "deleted": {"type": "boolean"},
            "deleted_at": nullable("string", format="date-time"),
            "placeholder": {"type": "boolean"},
            "shopify_updated_at": nullable("string", format="date-time"),
            "updated_at": {"type": "string", "format": "date-time"},
            "variants": {"type": "array", "items": {"$ref": "#/components/schemas/Variant"}},
        },
    },
    "ProductPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
            "next_cursor": nullable("string"),
        },
    },
}

OPENAPI = openapi_part(
    {
        "/products": {
            "get": {
                "summary": "Products and variants downloaded from Shopify",
                "description": "Ordered by when they last changed here; deleted products are listed, marked.",
                "operationId": "listProducts",
                "parameters": PARAMS + [{
                    "name": "status", "in": "query",
                    "schema": {"type": "string", "enum": list(PRODUCT_STATUSES)},
                }],
                "responses": {
                    "200": {"description": "A page of products",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProductPage"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("read"),
                },
            }
        }
    },
    SCHEMAS,
)
