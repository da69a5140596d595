"""POST /oms/v1/returns and GET /oms/v1/returns/<external_id>."""
from __future__ import annotations

from ...models import ReturnRequest
from ...sync.refunds.requests import find_return, submit_return
from .common import create_by_external_id, external_id_paths, openapi_part, read_by_external_id
from .returns_list import LIST_OPERATION, SCHEMAS as LIST_SCHEMAS


def return_json(req: ReturnRequest, shop_domain: str) -> dict:
    body = req.body or {}
    return {
        "shop": shop_domain,
        "external_id": req.external_id,
        "order_id": req.order_id,
        "lines": req.lines,
        "note": req.note,
        "amount": body.get("amount"),
        "restock_type": body.get("restock_type"),
        "status": req.status,
        "refund_id": req.refund_id,
        "user_errors": req.user_errors or [],
        "error": req.error,
        "attempts": req.attempts,
        "created_at": req.created_at.isoformat() if req.created_at else None,
    }


post_return = create_by_external_id("post_return", submit_return, return_json)
get_return = read_by_external_id("get_return", find_return, return_json, "return")


_PATHS = external_id_paths(
    "returns",
    record_schema="Return",
    request_schema="ReturnRequest",
    post_summary="Record a return; refunded in Shopify when the shop uploads refunds",
    post_description="Always stored. When the shop's \"upload refunds to Shopify\" setting is on it "
    "becomes a refund in Shopify (refundCreate), once: idempotent on (shop, external_id). "
    "When off, it is kept (status `kept`) and not sent.",
    get_summary="A return, its state and Shopify's errors",
    accepted="Accepted",
)
_PATHS["/returns"]["get"] = LIST_OPERATION

OPENAPI = openapi_part(
    _PATHS,
    {
        **LIST_SCHEMAS,
        "ReturnRequest": {
            "type": "object",
            "required": ["shop", "order_id", "lines", "external_id"],
            "properties": {
                "shop": {"type": "string"},
                "order_id": {"type": "string"},
                "lines": {"type": "array", "maxItems": 250, "items": {"type": "object", "required": ["quantity"], "properties": {
                    "sku": {"type": "string"}, "line_item_id": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 2147483647}}}},
                "external_id": {"type": "string"},
                "note": {"type": "string"},
                "reason": {"type": "string"},
                "notify_customer": {"type": "boolean", "default": False},
                "amount": {"type": "string", "description": "Amount to refund; default: the lines' prices"},
                "restock_type": {"type": "string", "enum": ["NO_RESTOCK", "RETURN", "CANCEL"], "default": "NO_RESTOCK"},
                "location_id": {"type": "string", "description": "Where to restock (needed for RETURN)"},
            },
        },
        "Return": {
            "type": "object",
            "properties": {
                "shop": {"type": "string"},
                "external_id": {"type": "string"},
                "order_id": {"type": "string"},
                "lines": {"type": "array", "items": {"type": "object"}},
                "note": {"type": "string", "nullable": True},
                "amount": {"type": "string", "nullable": True},
                "restock_type": {"type": "string"},
                "status": {"type": "string", "enum": ["kept", "pending", "sending", "refunded", "failed"]},
                "refund_id": {"type": "string", "nullable": True},
                "user_errors": {"type": "array", "items": {"type": "object"}},
                "error": {"type": "string", "nullable": True},
                "attempts": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
    },
)
