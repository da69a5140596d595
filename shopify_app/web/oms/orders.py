"""GET /oms/v1/orders: orders downloaded from Shopify, with lines, addresses and the
mapped channel, payment and shipping method; `broker_status` is the brokering queue."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import and_, select

from ...extensions import db
from ...models import Order, OrderLine, ShopifyReturn, Variant
from ...shopify.times import json_time
from ...sync.value_lists import one_of
from ..errors import json_error
from .common import forbidden, openapi_part, permission_required
from .listing import PARAMS, common_filters, next_cursor, nullable, product_stores, shop_domains
from .returns_list import shopify_return_json

ORDER_STATUSES = ("open", "closed", "cancelled", "any")


def order_status(o: Order) -> str:
    if o.cancelled_at is not None:
        return "cancelled"
    return "closed" if o.closed else "open"


def line_json(l: OrderLine, catalog: dict[str, bool]) -> dict:
    """`catalog`: variant id -> deleted? for the real (non-placeholder) variants we hold."""
    real = l.variant_shopify_id in catalog
    return {
        "id": l.shopify_id,
        "product_id": l.product_shopify_id,
        "variant_id": l.variant_shopify_id,
        "sku": l.sku,
        "title": l.title,
        "variant_title": l.variant_title,
        "quantity": l.quantity,
        "current_quantity": l.current_quantity,
        "unfulfilled_quantity": l.unfulfilled_quantity,
        "refunded_quantity": l.refunded_quantity,
        "price": l.price,
        "discounted_total": l.discounted_total,
        "discounts": l.discounts or [],
        "tax_lines": l.tax_lines or [],
        "requires_shipping": l.requires_shipping,
        # decided now, not at import: a placeholder stops being one once the catalog has it
        "placeholder_product": not real,
        "product_deleted": bool(real and catalog[l.variant_shopify_id]),
        "removed": bool(l.removed),
        "facility_id": l.facility_id,
    }


def order_json(o: Order, domain: str | None, lines: list[OrderLine], catalog: dict[str, bool],
               returns: list[ShopifyReturn] = (), store: dict | None = None) -> dict:
    line_items = [line_json(l, catalog) for l in lines]
    return {
        "id": o.shopify_id,
        "shop": domain,
        "product_store": store,
        "name": o.name,
        "status": order_status(o),
        "broker_status": o.broker_status,
        "email": o.email,
        "phone": o.phone,
        "customer": o.customer,
        "shipping_address": o.shipping_address,
        "billing_address": o.billing_address,
        "channel": o.channel,
        "source_name": o.source_name,
        "sales_channel": o.sales_channel,
        "payment_gateways": o.payment_gateways or [],
        "payment_method": o.payment_method,
        "shipping_lines": o.shipping_lines or [],
        "shipping_method": o.shipping_method,
        "shipping_carrier": o.shipping_carrier,
        "unmapped": o.unmapped or {},
        "discounts": o.discounts or [],
        "tax_lines": o.tax_lines or [],
        "totals": o.totals or {},
        "currency": o.currency,
        "financial_status": o.financial_status,
        "fulfillment_status": o.fulfillment_status,
        "fulfillment_orders": o.fulfillment_orders or [],
        "refunds": o.refunds or [],
        "returns": [shopify_return_json(r, domain, store) for r in returns],
        "cancelled_at": json_time(o.cancelled_at),
        "cancel_reason": o.cancel_reason,
        "has_placeholder_products": any(l["placeholder_product"] for l in line_items),
        "processed_at": json_time(o.processed_at),
        "created_at": json_time(o.shopify_created_at),
        "shopify_updated_at": json_time(o.shopify_updated_at),
        "updated_at": json_time(o.updated_at),
        "lines": line_items,
    }


@permission_required("read")
def list_orders():
    try:
        conds, limit = common_filters(Order)
        status = request.args.get("status")
        if status is not None:
            status = status.lower()
            if status not in ORDER_STATUSES:
                raise ValueError(f"status must be one of {', '.join(ORDER_STATUSES)}")
            if status == "any":
                pass  # as Shopify's own filter: every status
            elif status == "cancelled":
                conds.append(Order.cancelled_at.is_not(None))
            elif status == "closed":
                conds.append(and_(Order.cancelled_at.is_(None), Order.closed.is_(True)))
            else:
                conds.append(and_(Order.cancelled_at.is_(None), Order.closed.is_not(True)))
        broker = request.args.get("broker_status")
        if broker is not None:
            if not broker or len(broker) > 32:
                raise ValueError("broker_status is not valid")
            conds.append(Order.broker_status == broker)
    except ValueError as exc:
        return json_error(400, str(exc))
    rows = db.session.execute(
        select(Order).where(*conds).order_by(Order.updated_at, Order.id).limit(limit + 1)
    ).scalars().all()
    page = rows[:limit]
    lines: dict[tuple[int, str], list[OrderLine]] = {}
    if page:
        for l in db.session.execute(
            select(OrderLine).where(
                OrderLine.shop_id.in_({o.shop_id for o in page}),
                one_of(OrderLine.order_shopify_id, [o.shopify_id for o in page]),
            ).order_by(OrderLine.id)
        ).scalars():
            lines.setdefault((l.shop_id, l.order_shopify_id), []).append(l)
    returns: dict[tuple[int, str], list[ShopifyReturn]] = {}
    if page:
        for r in db.session.execute(select(ShopifyReturn).where(
                ShopifyReturn.shop_id.in_({o.shop_id for o in page}),
                one_of(ShopifyReturn.order_shopify_id, [o.shopify_id for o in page])).order_by(ShopifyReturn.id)).scalars():
            returns.setdefault((r.shop_id, r.order_shopify_id), []).append(r)
    catalog: dict[int, dict[str, bool]] = {}
    wanted: dict[int, set[str]] = {}
    for (shop_id, _), items in lines.items():
        wanted.setdefault(shop_id, set()).update(l.variant_shopify_id for l in items if l.variant_shopify_id)
    for shop_id, ids in wanted.items():
        catalog[shop_id] = {
            vid: deleted is not None
            for vid, deleted in db.session.execute(
                select(Variant.shopify_id, Variant.deleted_at).where(
                    Variant.shop_id == shop_id, one_of(Variant.shopify_id, sorted(ids)), Variant.is_placeholder.is_(False))
            ).all()
        }
    domains = shop_domains(o.shop_id for o in page)
    stores = product_stores(o.shop_id for o in page)
    return jsonify({
        "items": [order_json(o, domains.get(o.shop_id), lines.get((o.shop_id, o.shopify_id), []),
                             catalog.get(o.shop_id, {}), returns.get((o.shop_id, o.shopify_id), []),
                             stores.get(o.shop_id)) for o in page],
        "next_cursor": next_cursor(rows, limit),
    })


_money_fields = {k: nullable("string") for k in
                 ("subtotal", "total", "current_total", "tax", "discounts", "shipping", "refunded", "return_status")}
_obj_list = {"type": "array", "items": {"type": "object", "additionalProperties": True}}

SCHEMAS = {
    "Address": {
        "type": "object",
        "nullable": True,
        "properties": {k: nullable("string") for k in (
            "name", "first_name", "last_name", "company", "address1", "address2", "city", "province",
            "province_code", "zip", "country", "country_code", "phone")},
    },
    "OrderLine": {
        "type": "object",
        "required": ["id", "sku", "quantity", "placeholder_product", "product_deleted", "removed"],
        "properties": {
            "id": {"type": "string", "description": "Shopify LineItem GID"},
            "product_id": nullable("string", description="Shopify Product GID"),
            "variant_id": nullable("string", description="Shopify ProductVariant GID"),
            "sku": nullable("string"),
            "title": nullable("string"),
            "variant_title": nullable("string"),
            "quantity": nullable("integer", description="As ordered"),
            "current_quantity": nullable("integer", description="After edits, removals and refunds"),
            "unfulfilled_quantity": nullable("integer"),
            "refunded_quantity": nullable("integer"),
            "price": nullable("string"),
            "discounted_total": nullable("string"),
            "discounts": _obj_list,
            "tax_lines": _obj_list,
            "requires_shipping": nullable("boolean"),
            "placeholder_product": {"type": "boolean",
                                    "description": "The catalog lacks this line's variant (not downloaded yet, or "
                                    "deleted in Shopify before we saw it): a flagged placeholder stands in"},
            "product_deleted": {"type": "boolean", "description": "The variant was deleted in Shopify since"},
            "removed": {"type": "boolean"},
            "facility_id": nullable("string", description="The OMS facility this line was brokered to "
                                    "(POST /orders/{id}/status); null until brokered"),
        },
    },
    "Order": {
        "type": "object",
        "required": ["id", "shop", "product_store", "status", "broker_status", "lines", "updated_at"],
        "properties": {
            "id": {"type": "string", "description": "Shopify Order GID"},
            "shop": nullable("string"),
            "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
            "name": nullable("string"),
            "status": {"type": "string", "enum": ["open", "closed", "cancelled"]},
            "broker_status": {"type": "string", "enum": ["queued", "brokered", "rejected", "completed", "cancelled"],
                              "description": "The brokering queue: new orders are `queued`; the OMS sets the "
                              "others (POST /orders/{id}/status); an order cancelled in Shopify becomes "
                              "`cancelled` (unless `completed`)"},
            "email": nullable("string"),
            "phone": nullable("string"),
            "customer": {"type": "object", "nullable": True, "additionalProperties": True},
            "shipping_address": {"$ref": "#/components/schemas/Address"},
            "billing_address": {"$ref": "#/components/schemas/Address"},
            "channel": nullable("string", description="Shopify's source or app name"),
            "source_name": nullable("string"),
            "sales_channel": nullable("string", description="Mapped OMS sales channel; null when unmapped"),
            "payment_gateways": {"type": "array", "items": {"type": "string"}},
            "payment_method": nullable("string", description="Mapped OMS payment method; null when unmapped"),
            "shipping_lines": _obj_list,
            "shipping_method": nullable("string", description="Mapped OMS shipment method; null when unmapped"),
            "shipping_carrier": nullable("string", description="The carrier mapped with the shipment method"),
            "unmapped": {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "Shopify values not mapped yet, by mapping kind"},
            "discounts": _obj_list,
            "tax_lines": _obj_list,
            "totals": {"type": "object", "properties": _money_fields},
            "currency": nullable("string"),
            "financial_status": nullable("string"),
            "fulfillment_status": nullable("string"),
            "fulfillment_orders": _obj_list,
            "refunds": {**_obj_list, "description": "Each refund with its lines (line_item_id, quantity, amount, "
                        "restocked), from pulls and webhooks alike"},
            "returns": {"type": "array", "items": {"$ref": "#/components/schemas/ReturnListItem"},
                        "description": "The order's returns in Shopify"},
            "cancelled_at": nullable("string", format="date-time"),
            "cancel_reason": nullable("string"),
            "has_placeholder_products": {"type": "boolean"},
            "processed_at": nullable("string", format="date-time"),
            "created_at": nullable("string", format="date-time"),
            "shopify_updated_at": nullable("string", format="date-time"),
            "updated_at": {"type": "string", "format": "date-time"},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/OrderLine"}},
        },
    },
    "OrderPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}},
            "next_cursor": nullable("string"),
        },
    },
}

OPENAPI = openapi_part(
    {
        "/orders": {
            "get": {
                "summary": "Orders downloaded from Shopify",
                "description": "Ordered by when they last changed here. Each carries its lines, addresses and "
                "the mapped sales channel, payment and shipping method.",
                "operationId": "listOrders",
                "parameters": PARAMS + [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(ORDER_STATUSES)}},
                    {"name": "broker_status", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 32},
                     "description": "e.g. `queued`: new orders waiting to be brokered"},
                ],
                "responses": {
                    "200": {"description": "A page of orders",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderPage"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("read"),
                },
            }
        }
    },
    SCHEMAS,
)
