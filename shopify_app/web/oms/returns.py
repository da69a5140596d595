"""POST /oms/v1/returns and GET /oms/v1/returns/<external_id>."""
from __future__ import annotations

from ...models import ReturnRequest, Shop
from ...shopify.times import json_time
from ...sync.refunds.requests import find_return, submit_return
from ...sync.oms_requests.checks import MAX_LINES
from ...sync.refunds.validate import RESTOCK_TYPES
from .common import create_by_external_id, external_id_paths, openapi_part, read_by_external_id
from .constraints import REQUEST_LINE, SHOP_DOMAIN, non_blank, optional_text, shopify_id
from .records import external_id_record, record_json
from .returns_list import LIST_OPERATION, SCHEMAS as LIST_SCHEMAS


def return_json(req: ReturnRequest, shop: Shop) -> dict:
    body = req.body or {}
    return record_json(
        req, shop,
        note=req.note,
        amount=body.get("amount"),
        restock_type=body.get("restock_type"),
        status=req.status,
        refund_id=req.refund_id,
        user_errors=req.user_errors or [],
        error=req.error,
        attempts=req.attempts,
        created_at=json_time(req.created_at),
    )


post_return = create_by_external_id("post_return", submit_return, return_json, "write_returns")
get_return = read_by_external_id("get_return", find_return, return_json, "return")


# Whole amounts as numbers, amounts with cents as strings (a JSON number loses cents).
_AMOUNT_GIVEN = {"oneOf": [
    {"type": "string", "pattern": "^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$", "example": "10.50"},
    {"type": "integer", "minimum": 0, "maximum": 10**12},
]}
_AMOUNT = {**_AMOUNT_GIVEN, "nullable": True, "description": "Amount to refund; default: the lines' prices"}

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
    permission="write_returns",
)
_PATHS["/returns"]["get"] = LIST_OPERATION

OPENAPI = openapi_part(
    _PATHS,
    {
        **LIST_SCHEMAS,
        "ReturnRequest": {
            "type": "object",
            "required": ["shop", "order_id", "external_id"],
            "additionalProperties": False,
            "properties": {
                "shop": SHOP_DOMAIN,
                "order_id": shopify_id("Order", description="Shopify order GID or numeric id"),
                "lines": {"type": "array", "maxItems": MAX_LINES, "items": REQUEST_LINE,
                          "description": "The lines returned; may be left out (or empty) when an amount is given"},
                "external_id": non_blank(255, description="Your id of this return: posting it again is idempotent"),
                "note": optional_text(2000),
                "reason": optional_text(255),
                "notify_customer": {"type": "boolean", "default": False},
                "amount": _AMOUNT,
                "restock_type": {"type": "string", "enum": list(RESTOCK_TYPES), "default": "NO_RESTOCK"},
                "location_id": shopify_id("Location", nullable=True, description="Where to restock (needed for RETURN)"),
            },
            "allOf": [
                {"description": "Lines, or an amount", "anyOf": [
                    {"required": ["lines"], "properties": {"lines": {"minItems": 1}}},
                    {"required": ["amount"], "properties": {"amount": _AMOUNT_GIVEN}},
                ]},
                {"description": "restock_type RETURN needs a location_id", "anyOf": [
                    {"properties": {"restock_type": {"enum": ["NO_RESTOCK", "CANCEL"]}}},
                    {"required": ["location_id"], "properties": {"location_id": shopify_id("Location")}},
                ]},
            ],
        },
        "Return": external_id_record(
            note={"type": "string", "nullable": True},
            amount={"type": "string", "nullable": True},
            restock_type={"type": "string"},
            status={"type": "string", "enum": ["kept", "pending", "sending", "refunded", "failed"]},
            refund_id={"type": "string", "nullable": True},
            user_errors={"type": "array", "items": {"type": "object"}},
            error={"type": "string", "nullable": True},
            attempts={"type": "integer"},
            created_at={"type": "string", "format": "date-time"},
        ),
    },
)
