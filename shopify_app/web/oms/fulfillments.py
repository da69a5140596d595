"""POST /oms/v1/fulfillments and GET /oms/v1/fulfillments/<external_id>."""
from __future__ import annotations

from ...models import FulfillmentRequest, Shop
from ...shopify.times import json_time
from ...sync.fulfillments.requests import find_request, submit_fulfillment
from ...sync.oms_requests.checks import MAX_LINES
from .common import create_by_external_id, external_id_paths, openapi_part, read_by_external_id
from .constraints import REQUEST_LINE, SHOP_DOMAIN, non_blank, optional_text, shopify_id
from .records import external_id_record, record_json


def request_json(req: FulfillmentRequest, shop: Shop) -> dict:
    return record_json(
        req, shop,
        tracking=req.tracking,
        notify_customer=req.notify_customer,
        status=req.status,
        fulfillment_ids=req.fulfillment_ids or [],
        parts=[
            {"location_id": p.get("location_id"), "status": p.get("status"), "fulfillment_id": p.get("fulfillment_id"),
             "lines": [{"line_item_id": i["line_item_id"], "quantity": i["quantity"]} for i in p.get("items", [])]}
            for p in (req.parts or [])
        ],
        user_errors=req.user_errors or [],
        error=req.error,
        attempts=req.attempts,
        created_at=json_time(req.created_at),
        sent_at=json_time(req.sent_at),
    )


post_fulfillment = create_by_external_id("post_fulfillment", submit_fulfillment, request_json, "write_fulfillments")
get_fulfillment = read_by_external_id("get_fulfillment", find_request, request_json, "fulfillment")


OPENAPI = openapi_part(
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
        permission="write_fulfillments",
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
        "Fulfillment": external_id_record(
            tracking={"type": "object", "nullable": True},
            notify_customer={"type": "boolean"},
            status={"type": "string", "enum": ["pending", "sending", "fulfilled", "failed"]},
            fulfillment_ids={"type": "array", "items": {"type": "string"}},
            parts={"type": "array", "items": {"type": "object", "properties": {
                "location_id": {"type": "string"}, "status": {"type": "string"},
                "fulfillment_id": {"type": "string", "nullable": True},
                "lines": {"type": "array", "items": {"type": "object"}}}}},
            user_errors={"type": "array", "items": {"type": "object", "properties": {
                "field": {"nullable": True}, "message": {"type": "string"}}}},
            error={"type": "string", "nullable": True},
            attempts={"type": "integer"},
            created_at={"type": "string", "format": "date-time"},
            sent_at={"type": "string", "format": "date-time", "nullable": True},
        ),
    },
)
