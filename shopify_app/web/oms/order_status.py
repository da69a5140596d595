"""POST /oms/v1/orders/{id}/status: the OMS records what it did with an order
(`queued`, `brokered` with a facility per line, `rejected`, `completed`, `cancelled`).
The checks are `sync/orders/broker_status`'s, the write `sync/orders/broker`'s."""
from __future__ import annotations

from flask import jsonify, request

from ...extensions import db
from ...shopify.times import json_time
from ...sync.orders.broker import LINES_UNKNOWN, StatusRefused, find_order, record_status
from ...sync.orders.broker_status import BROKER_STATUSES, MAX_ID_LENGTH, MAX_LINES, check_status_body
from ..errors import json_error
from .common import forbidden, openapi_part, permission_required, visible_shop
from .constraints import SHOP_DOMAIN, too_large

# The status each refusal of sync/ answers.
REFUSED_STATUS = {LINES_UNKNOWN: 422}


def refused(status: int, message: str, errors: list[dict]):
    response = jsonify({"error": message, "errors": errors})
    response.status_code = status
    return response


# Brokering decides where an order is fulfilled from: the fulfillment side of the OMS's writes.
@permission_required("write_fulfillments")
def post_order_status(order_id: str):
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "send a JSON object (Content-Type: application/json)")
    clean, errors = check_status_body(body, request.args.get("shop"))
    if errors:
        status = 400 if any(e["field"] in ([], ["shop"]) for e in errors) else 422
        return refused(status, "; ".join(f"{'.'.join(e['field']) or 'body'}: {e['message']}" for e in errors), errors)
    shop = visible_shop(clean["shop"])
    if shop is None:
        return json_error(404, f"unknown shop {clean['shop']!r}")
    order = find_order(shop.id, order_id)
    if order is None:
        return json_error(404, f"no order {order_id!r} in {shop.domain}")
    try:
        changed = record_status(shop.id, order, clean["status"], clean["lines"])
    except StatusRefused as exc:
        db.session.rollback()
        return refused(REFUSED_STATUS[exc.reason], str(exc), exc.errors)
    db.session.commit()
    return jsonify({"id": order.shopify_id, "shop": shop.domain, "broker_status": order.broker_status,
                    "changed": changed, "updated_at": json_time(order.updated_at), "lines": clean["lines"]})


_error = {"application/json": {"schema": {"$ref": "#/components/schemas/StatusErrors"}}}

SCHEMAS = {
    "OrderStatusRequest": {
        "type": "object",
        "required": ["shop", "status"],
        "description": "`lines` is required with `brokered` and refused with any other status.",
        "properties": {
            "shop": {**SHOP_DOMAIN, "description": "The shop's myshopify.com domain"},
            "status": {"type": "string", "enum": list(BROKER_STATUSES)},
            "lines": {
                "type": "array", "minItems": 1, "maxItems": MAX_LINES,
                "description": "Where each line was brokered: line items of this order (each once), "
                "facilities of this shop",
                "items": {
                    "type": "object",
                    "required": ["line_item_id", "facility_id"],
                    "properties": {
                        "line_item_id": {"type": "string", "description": "Shopify LineItem GID or numeric id"},
                        "facility_id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH,
                                        "description": "An OMS facility of this shop (GET /facilities)"},
                    },
                },
            },
        },
    },
    "OrderStatus": {
        "type": "object",
        "required": ["id", "shop", "broker_status", "changed", "updated_at", "lines"],
        "properties": {
            "id": {"type": "string", "description": "Shopify Order GID"},
            "shop": {"type": "string"},
            "broker_status": {"type": "string", "enum": list(BROKER_STATUSES)},
            "changed": {"type": "boolean", "description": "False when the order already had this status and "
                        "these facilities (nothing changed, `updated_at` kept)"},
            "updated_at": {"type": "string", "format": "date-time"},
            "lines": {"type": "array", "items": {"type": "object", "properties": {
                "line_item_id": {"type": "string"}, "facility_id": {"type": "string"}}}},
        },
    },
    "StatusErrors": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"], "properties": {
                "field": {"type": "array", "items": {"type": "string"}}, "message": {"type": "string"}}}},
        },
    },
}

OPENAPI = openapi_part(
    {
        "/orders/{id}/status": {
            "post": {
                "summary": "Record the OMS's brokering status of an order",
                "description": "Idempotent: the same status (and facilities) again changes nothing and answers "
                "200 with `changed: false`. A change moves the order's `updated_at`, so readers of "
                "GET /orders by `updated_since` see it. An order cancelled in Shopify takes `broker_status` "
                "`cancelled` by itself (unless it is `completed`).",
                "operationId": "postOrderStatus",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "The order's Shopify GID or numeric id"},
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/OrderStatusRequest"}}}},
                "responses": {
                    "200": {"description": "Recorded (or already so)", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/OrderStatus"}}}},
                    "400": {"description": "Not a JSON object, or no valid shop; nothing was changed", "content": _error},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("write_fulfillments"),
                    "404": {"description": "Unknown shop (another product store's shop is unknown to this key) "
                            "or order",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "422": {"description": "Unknown status, lines missing or not allowed, a line not of this "
                            "order, a facility not of this shop; nothing was changed", "content": _error},
                    "413": too_large(),
                },
            }
        }
    },
    SCHEMAS,
)
