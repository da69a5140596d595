"""GET /oms/v1/products: the catalog downloaded from Shopify, with Shopify ids."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import and_, select

from ...extensions import db
from ...models import Product, Variant
from ...shopify.times import json_time
from ..errors import json_error
from .common import forbidden, openapi_part, permission_required
from .listing import PARAMS, common_filters, next_cursor, nullable, product_stores, shop_domains

PRODUCT_STATUSES = ("active", "archived", "draft", "deleted")


def variant_json(v) -> dict:
    """A variant (its model or a row of its table) as the API shows it."""
    return {
        "id": v.shopify_id,
        "product_id": v.product_shopify_id,
        "title": v.title,
        "sku": v.sku,
        "barcode": v.barcode,
        "price": v.price,
        "weight": v.weight,
        "weight_unit": v.weight_unit,
        "inventory_item_id": v.inventory_item_id,
        "selected_options": v.selected_options or [],
        "position": v.position,
        "deleted": v.deleted_at is not None,
        "placeholder": bool(v.is_placeholder),
        "shopify_updated_at": json_time(v.shopify_updated_at),
    }


def product_json(p, domain: str, variants: list, store: dict | None = None) -> dict:
    """A product (its model or a row of its table) as the API shows it."""
    return {
        "id": p.shopify_id,
        "shop": domain,
        "product_store": store,
        "title": p.title,
        "handle": p.handle,
        "description": p.description,
        "vendor": p.vendor,
        "product_type": p.product_type,
        "oms_product_type": p.oms_product_type,
        "product_type_unmapped": bool(p.product_type_unmapped),
        "tags": p.tags or [],
        "status": "deleted" if p.deleted_at else (p.status or "").lower() or None,
        "options": p.options or [],
        "images": p.images or [],
        "deleted": p.deleted_at is not None,
        "deleted_at": json_time(p.deleted_at),
        "placeholder": bool(p.is_placeholder),
        "shopify_updated_at": json_time(p.shopify_updated_at),
        "updated_at": json_time(p.updated_at),
        "variants": [variant_json(v) for v in variants],
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
    # Rows, not ORM objects: a page is read to be written out, never changed, and an OMS
    # polling through a burst reads pages back to back (building the objects cost half).
    rows = db.session.execute(
        select(Product.__table__).where(*conds).order_by(Product.updated_at, Product.id).limit(limit + 1)
    ).all()
    page = rows[:limit]
    variants: dict[tuple[int, str], list] = {}
    if page:
        for v in db.session.execute(
            select(Variant.__table__).where(
                Variant.shop_id.in_({p.shop_id for p in page}),
                Variant.product_shopify_id.in_([p.shopify_id for p in page]),
            ).order_by(Variant.position, Variant.id)
        ):
            variants.setdefault((v.shop_id, v.product_shopify_id), []).append(v)
    domains = shop_domains(p.shop_id for p in page)
    stores = product_stores(p.shop_id for p in page)
    return jsonify({
        "items": [product_json(p, domains.get(p.shop_id), variants.get((p.shop_id, p.shopify_id), []),
                               stores.get(p.shop_id)) for p in page],
        "next_cursor": next_cursor(rows, limit),
    })


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
