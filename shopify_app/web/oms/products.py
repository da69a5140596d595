"""GET /oms/v1/products: the catalog downloaded from Shopify, with Shopify ids."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import Product, Shop, Variant
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain
from ..errors import json_error
from . import add_paths, api_key_required, bp, decode_cursor, encode_cursor, page_size

PRODUCT_STATUSES = ("active", "archived", "draft", "deleted")


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def parse_time_filter(raw: str | None):
    """`updated_since`: an ISO 8601 timestamp; raises ValueError when malformed."""
    from datetime import datetime, timezone

    if raw is None:
        return None
    text = raw.strip().replace(" ", "+")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
        # In UTC, as stored; a moment near year 1 or 9999 may not have one.
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        raise ValueError("updated_since must be an ISO 8601 timestamp, e.g. 2026-11-01T00:00:00Z") from None


def common_filters(model):
    """(conditions, limit, shop map) from shop, updated_since, cursor and limit; ValueError when malformed."""
    conds = []
    shops = {}
    domain = request.args.get("shop")
    if domain is not None:
        try:
            domain = validate_shop_domain(domain.strip())  # normalised: the filter ignores case
        except InvalidShopDomain:
            raise ValueError("shop must be a shop domain like example.myshopify.com") from None
        shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()
        conds.append(model.shop_id == (shop.id if shop else -1))
    since = parse_time_filter(request.args.get("updated_since"))
    if since is not None:
        conds.append(model.updated_at >= since)
    cursor = decode_cursor(request.args.get("cursor"))
    if cursor is not None:
        try:
            after_at = parse_time_filter(cursor["u"])
            after_id = int(cursor["i"])
            if after_at is None or not 0 <= after_id < 2**63:
                raise ValueError("out of range")
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            raise ValueError("cursor is not valid") from None
        conds.append(or_(model.updated_at > after_at, and_(model.updated_at == after_at, model.id > after_id)))
    return conds, page_size()


def next_cursor(rows, limit):
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor({"u": _iso(last.updated_at), "i": last.id})


def shop_domains(shop_ids) -> dict[int, str]:
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Shop.id, Shop.domain).where(Shop.id.in_(ids))).all())


def variant_json(v: Variant) -> dict:
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
        "shopify_updated_at": _iso(v.shopify_updated_at),
    }


def product_json(p: Product, domain: str, variants: list[Variant]) -> dict:
    return {
        "id": p.shopify_id,
        "shop": domain,
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
        "deleted_at": _iso(p.deleted_at),
        "placeholder": bool(p.is_placeholder),
        "shopify_updated_at": _iso(p.shopify_updated_at),
        "updated_at": _iso(p.updated_at),
        "variants": [variant_json(v) for v in variants],
    }


@bp.get("/products")
@api_key_required
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
    rows = db.session.execute(
        select(Product).where(*conds).order_by(Product.updated_at, Product.id).limit(limit + 1)
    ).scalars().all()
    page = rows[:limit]
    variants: dict[tuple[int, str], list[Variant]] = {}
    if page:
        for v in db.session.execute(
            select(Variant).where(
                Variant.shop_id.in_({p.shop_id for p in page}),
                Variant.product_shopify_id.in_([p.shopify_id for p in page]),
            ).order_by(Variant.position, Variant.id)
        ).scalars():
            variants.setdefault((v.shop_id, v.product_shopify_id), []).append(v)
    domains = shop_domains(p.shop_id for p in page)
    return jsonify({
        "items": [product_json(p, domains.get(p.shop_id), variants.get((p.shop_id, p.shopify_id), [])) for p in page],
        "next_cursor": next_cursor(rows, limit),
    })


def _nullable(schema_type: str, **extra) -> dict:
    return {"type": schema_type, "nullable": True, **extra}


PARAMS = [
    {"name": "shop", "in": "query", "schema": {"type": "string"}, "description": "A shop domain (example.myshopify.com)"},
    {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Only records changed here at or after this time (ISO 8601)"},
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "The previous page's next_cursor"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
]

SCHEMAS = {
    "Variant": {
        "type": "object",
        "required": ["id", "product_id", "sku", "deleted", "placeholder"],
        "properties": {
            "id": {"type": "string", "description": "Shopify ProductVariant GID"},
            "product_id": _nullable("string", description="Shopify Product GID"),
            "title": _nullable("string"),
            "sku": _nullable("string"),
            "barcode": _nullable("string"),
            "price": _nullable("string", description="Decimal, shop currency"),
            "weight": _nullable("string"),
            "weight_unit": _nullable("string"),
            "inventory_item_id": _nullable("string", description="Shopify InventoryItem GID"),
            "selected_options": {"type": "array", "items": {"type": "object", "properties": {
                "name": _nullable("string"), "value": _nullable("string")}}},
            "position": _nullable("integer"),
            "deleted": {"type": "boolean"},
            "placeholder": {"type": "boolean", "description": "Stands for a variant an order refers to that the catalog lacks"},
            "shopify_updated_at": _nullable("string", format="date-time"),
        },
    },
    "Product": {
        "type": "object",
        "required": ["id", "shop", "status", "deleted", "placeholder", "variants", "updated_at"],
        "properties": {
            "id": {"type": "string", "description": "Shopify Product GID"},
            "shop": _nullable("string"),
            "title": _nullable("string"),
            "handle": _nullable("string"),
            "description": _nullable("string"),
            "vendor": _nullable("string"),
            "product_type": _nullable("string", description="As in Shopify"),
            "oms_product_type": _nullable("string", description="Through the product-type mapping; null when unmapped"),
            "product_type_unmapped": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": _nullable("string", enum=["active", "archived", "draft", "deleted", None]),
            "options": {"type": "array", "items": {"type": "object", "properties": {
                "name": _nullable("string"), "position": _nullable("integer"),
                "values": {"type": "array", "items": {"type": "string"}}}}},
            "images": {"type": "array", "items": {"type": "object", "properties": {
                "id": _nullable("string"), "url": {"type": "string"}, "alt": _nullable("string")}}},
            "deleted": {"type": "boolean"},
            "deleted_at": _nullable("string", format="date-time"),
            "placeholder": {"type": "boolean"},
            "shopify_updated_at": _nullable("string", format="date-time"),
            "updated_at": {"type": "string", "format": "date-time"},
            "variants": {"type": "array", "items": {"$ref": "#/components/schemas/Variant"}},
        },
    },
    "ProductPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
            "next_cursor": _nullable("string"),
        },
    },
}

add_paths(
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
                },
            }
        }
    },
    SCHEMAS,
)
