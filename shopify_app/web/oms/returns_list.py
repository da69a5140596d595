"""GET /oms/v1/returns: returns from both directions in one list: those read from
Shopify (`ShopifyReturn`: a customer's request and the merchant's steps, with lines,
reasons, exchange lines, restocking and refunds) and those the OMS posted
(`ReturnRequest`, `POST /oms/v1/returns`). Ordered by (updated_at, source, id), the
cursor carries all three, so a page boundary between the two tables loses nothing.

Also the JSON of a Shopify return, which `GET /oms/v1/orders` items carry."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import ReturnRequest, ShopifyReturn
from ...shopify.times import json_time
from ...sync.returns.normalize import STATUSES as SHOPIFY_STATUSES
from ..errors import json_error
from .common import forbidden, permission_required
from .listing import (PARAMS, cursor_position, encode_cursor, nullable, page_size, product_stores,
                      shop_and_since_filters, shop_domains)

OMS_STATUSES = ("kept", "pending", "sending", "refunded", "failed")
SOURCES = {"oms": ReturnRequest, "shopify": ShopifyReturn}  # in their sort order


def shopify_return_json(r: ShopifyReturn, domain: str | None, store: dict | None = None) -> dict:
    rfos = r.reverse_fulfillment_orders or []
    return {
        "source": "shopify", "id": r.shopify_id, "external_id": None, "shop": domain, "product_store": store,
        "order_id": r.order_shopify_id, "name": r.name, "status": r.status, "total_quantity": r.total_quantity,
        "lines": r.lines or [], "exchange_lines": r.exchange_lines or [], "reverse_fulfillment_orders": rfos,
        "restocked_quantity": sum(l.get("restocked") or 0 for rfo in rfos for l in rfo.get("lines") or []),
        "refunds": r.refunds or [], "decline": r.decline, "note": None, "reason": None,
        "requested_at": json_time(r.requested_at), "approved_at": json_time(r.approved_at),
        "closed_at": json_time(r.closed_at), "created_at": json_time(r.created_at),
        "updated_at": json_time(r.updated_at),
    }


def oms_return_json(r: ReturnRequest, domain: str | None, store: dict | None = None) -> dict:
    body = r.body or {}
    return {
        "source": "oms", "id": None, "external_id": r.external_id, "shop": domain, "product_store": store,
        "order_id": r.order_id,
        "name": None, "status": r.status, "total_quantity": sum(int(l.get("quantity") or 0) for l in r.lines or []),
        "lines": r.lines or [], "exchange_lines": [], "reverse_fulfillment_orders": [], "restocked_quantity": None,
        "refunds": [{"id": r.refund_id, "amount": body.get("amount")}] if r.refund_id else [], "decline": None,
        "note": r.note, "reason": body.get("reason"), "requested_at": json_time(r.created_at), "approved_at": None,
        "closed_at": None, "created_at": json_time(r.created_at), "updated_at": json_time(r.updated_at),
    }


def _after(model, source: str, position: dict | None):
    """The condition of rows after the cursor's (updated_at, source, id) in this table."""
    if position is None:
        return None
    at, src, pk = position["u"], position["s"], position["i"]
    if source > src:
        return model.updated_at >= at
    if source < src:
        return model.updated_at > at
    return or_(model.updated_at > at, and_(model.updated_at == at, model.id > pk))


def _filters():
    """(sources, status, position, limit) from the query string; ValueError when malformed."""
    status = request.args.get("status")
    if status is not None:
        status = status.lower()
        if status not in SHOPIFY_STATUSES + OMS_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SHOPIFY_STATUSES + OMS_STATUSES)}")
    source = request.args.get("source")
    if source is not None and source not in SOURCES:
        raise ValueError("source must be shopify or oms")
    sources = [s for s in SOURCES if source in (None, s)]
    if status is not None:
        sources = [s for s in sources if status in (SHOPIFY_STATUSES if s == "shopify" else OMS_STATUSES)]
    position = cursor_position(("s",))
    if position is not None and position["s"] not in SOURCES:
        raise ValueError("cursor is not valid")
    return sources, status, position, page_size()


@permission_required("read")
def list_returns():
    try:
        sources, status, position, limit = _filters()
        rows = []
        for source in sources:
            model = SOURCES[source]
            conds = shop_and_since_filters(model)
            after = _after(model, source, position)
            if after is not None:
                conds.append(after)
            if status is not None:
                conds.append(model.status == status)
            rows += [(r.updated_at, source, r.id, r) for r in db.session.execute(
                select(model).where(*conds).order_by(model.updated_at, model.id).limit(limit + 1)).scalars()]
    except ValueError as exc:
        return json_error(400, str(exc))
    rows.sort(key=lambda row: row[:3])
    page = rows[:limit]
    domains = shop_domains(row[3].shop_id for row in page)
    stores = product_stores(row[3].shop_id for row in page)
    items = [(shopify_return_json if source == "shopify" else oms_return_json)(
        r, domains.get(r.shop_id), stores.get(r.shop_id)) for _at, source, _pk, r in page]
    cursor = None
    if len(rows) > limit:
        at, source, pk, _r = page[-1]
        cursor = encode_cursor({"u": json_time(at), "s": source, "i": pk})
    return jsonify({"items": items, "next_cursor": cursor})


_obj_list = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
_time = nullable("string", format="date-time")

SCHEMAS = {
    "ReturnLine": {
        "type": "object",
        "properties": {
            "id": nullable("string", description="Shopify ReturnLineItem GID (Shopify's returns)"),
            "line_item_id": nullable("string", description="The order's LineItem GID"),
            "sku": nullable("string", description="OMS-posted returns name lines by SKU or line item"),
            "quantity": {"type": "integer"},
            "reason": nullable("string", description="Shopify's return reason handle (e.g. `size_too_small`)"),
            "reason_note": nullable("string"),
            "customer_note": nullable("string"),
            "processed_quantity": nullable("integer"),
            "refunded_quantity": nullable("integer"),
        },
    },
    "ReturnListItem": {
        "type": "object",
        "required": ["source", "shop", "product_store", "order_id", "status", "lines", "refunds", "updated_at"],
        "properties": {
            "source": {"type": "string", "enum": list(SOURCES),
                       "description": "`shopify`: read from Shopify; `oms`: posted by the OMS (POST /returns)"},
            "id": nullable("string", description="Shopify Return GID (source shopify)"),
            "external_id": nullable("string", description="The OMS's id (source oms)"),
            "shop": nullable("string"),
            "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
            "order_id": {"type": "string", "description": "Shopify Order GID"},
            "name": nullable("string", description="Shopify's return name, e.g. #1001-R1"),
            "status": {"type": "string", "enum": list(SHOPIFY_STATUSES + OMS_STATUSES),
                       "description": "Shopify's returns: requested, open, closed, declined, canceled. OMS-posted "
                       "returns: kept, pending, sending, refunded, failed"},
            "total_quantity": nullable("integer"),
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/ReturnLine"}},
            "exchange_lines": _obj_list,
            "reverse_fulfillment_orders": {**_obj_list, "description": "Receiving and restocking: each line's "
                                           "dispositions (RESTOCKED, NOT_RESTOCKED, ...)"},
            "restocked_quantity": nullable("integer"),
            "refunds": {**_obj_list, "description": "Refunds tied to the return, with their lines"},
            "decline": {"type": "object", "nullable": True, "properties": {
                "reason": {"type": "string"}, "note": nullable("string")}},
            "note": nullable("string"),
            "reason": nullable("string"),
            "requested_at": _time, "approved_at": _time, "closed_at": _time,
            "created_at": _time,
            "updated_at": {"type": "string", "format": "date-time", "description": "When it last changed here"},
        },
    },
    "ReturnPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ReturnListItem"}},
            "next_cursor": nullable("string"),
        },
    },
}

LIST_OPERATION = {
    "summary": "Returns from Shopify and returns the OMS posted",
    "description": "Ordered by when they last changed here. Each carries its status, lines with reasons, "
    "exchange lines, restocking and refunds.",
    "operationId": "listReturns",
    "parameters": PARAMS + [
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(SHOPIFY_STATUSES + OMS_STATUSES)}},
        {"name": "source", "in": "query", "schema": {"type": "string", "enum": list(SOURCES)}},
    ],
    "responses": {
        "200": {"description": "A page of returns",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReturnPage"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "403": forbidden("read"),
    },
}
