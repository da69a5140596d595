"""POST /oms/v1/fulfillments and GET /oms/v1/fulfillments/<external_id>."""
from __future__ import annotations

from flask import jsonify, request

from ...models import FulfillmentRequest
from ...sync.fulfillments.requests import find_request, submit_fulfillment
from ...sync.oms_requests.checks import RequestInvalid
from ...sync.shop import find_shop
from ..errors import json_error
from ...sync.oms_requests.checks import MAX_LINES
from . import add_paths, api_key_required, bp, external_id_paths
from .constraints import REQUEST_LINE, SHOP_DOMAIN, non_blank, optional_text, shopify_id


def request_json(req: FulfillmentRequest, shop_domain: str) -> dict:
    return {
        "shop": shop_domain,
        "external_id": req.external_id,
        "order_id": req.order_id,
        "lines": req.lines,
        "tracking": req.tracking,
        "notify_customer": req.notify_customer,
        "status": req.status,
        "fulfillment_ids": req.fulfillment_ids or [],
        "parts": [
            {"location_id": p.get("location_id"), "status": p.get("status"), "fulfillment_id": p.get("fulfillment_id"),
             "lines": [{"line_item_id": i["line_item_id"], "quantity": i["quantity"]} for i in p.get("items", [])]}
            for p in (req.parts or [])
        ],
        "user_errors": req.user_errors or [],
        "error": req.error,
        "attempts": req.attempts,
        "created_at": req.created_at.isoformat() if req.created_at else None,
        "sent_at": req.sent_at.isoformat() if req.sent_at else None,
    }


@bp.post("/fulfillments")
@api_key_required
def post_fulfillment():
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "send a JSON object (Content-Type: application/json)")
    try:
        req, created = submit_fulfillment(body)
    except RequestInvalid as exc:
        return json_error(exc.status, str(exc))
    return jsonify(request_json(req, body["shop"].strip().lower())), 202 if created else 200


@bp.get("/fulfillments/<path:external_id>")
@api_key_required
def get_fulfillment(external_id: str):
    domain = (request.args.get("shop") or "").strip().lower()
    if not domain:
        return json_error(400, "pass ?shop=<myshopify domain>")
    shop = find_shop(domain)
    if shop is None:
        return json_error(404, f"unknown shop {domain!r}")
    req = find_request(shop.id, external_id)
    if req is None:
        return json_error(404, f"no fulfillment with external_id {external_id!r}")
    return jsonify(request_json(req, shop.domain))


add_paths(
    external_id_paths(
        "fulfillments",
        record_schema="Fulfillment",
        request_schema="FulfillmentRequest",
        post_summary="Fulfil order lines in Shopify, with tracking",
        post_description="Stored at once and pushed to Shopify by the fulfillments job (split across "
        "locations when needed; partial quantities allowed). Idempotent on (shop, external_id): "
        "posting the same body again returns the existing record (200); a different body with the same "
        "external_id is refused (409). Shopify's errors show on the record (GET).",
        get_summary="A fulfillment request, its state and Shopify's errors",
        accepted="Accepted; it will be pushed shortly",
    ),
    {
        "FulfillmentRequest": {
            "type": "object",
            "required": ["shop", "order_id", "lines", "external_id"],
            "additionalProperties": False,
            "properties": {
                "shop": SHOP_DOMAIN,
                "order_id": shopify_id("Order", description="Shopify order GID or numeric id"),
                "lines": {"type": "array", "minItems": 1, "maxItems": MAX_LINES,
                          "items": REQUEST_LINE},
                "tracking": {"type": "object", "nullable": True, "additionalProperties": False, "properties": {
                    "company": optional_text(255), "number": optional_text(255),
                    "url": optional_text(2000, pattern="^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]",
                                         description="An http(s) URL")}},
                "notify_customer": {"type": "boolean", "default": False},
                "external_id": non_blank(255, description="Your id of this fulfillment: posting it again is idempotent"),
            },
        },
        "Fulfillment": {
            "type": "object",
            "properties": {
                "shop": {"type": "string"},
                "external_id": {"type": "string"},
                "order_id": {"type": "string"},
                "lines": {"type": "array", "items": {"type": "object"}},
                "tracking": {"type": "object", "nullable": True},
                "notify_customer": {"type": "boolean"},
                "status": {"type": "string", "enum": ["pending", "sending", "fulfilled", "failed"]},
                "fulfillment_ids": {"type": "array", "items": {"type": "string"}},
                "parts": {"type": "array", "items": {"type": "object", "properties": {
                    "location_id": {"type": "string"}, "status": {"type": "string"},
                    "fulfillment_id": {"type": "string", "nullable": True},
                    "lines": {"type": "array", "items": {"type": "object"}}}}},
                "user_errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"nullable": True}, "message": {"type": "string"}}}},
                "error": {"type": "string", "nullable": True},
                "attempts": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "sent_at": {"type": "string", "format": "date-time", "nullable": True},
            },
        },
    },
)
