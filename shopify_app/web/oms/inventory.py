"""PUT /oms/v1/inventory: available-to-promise per facility and SKU, all or nothing."""
from __future__ import annotations

from flask import jsonify, request

from ...sync.inventory.atp import AtpRejected, apply_atp
from ...sync.inventory.atp_rows import MAX_ROWS_PER_CALL
from .common import api_key_required, openapi_part


@api_key_required
def put_inventory():
    body = request.get_json(silent=True)
    if body is None:
        return jsonify({"error": "send a JSON array of {facility_id, sku, atp} (Content-Type: application/json)",
                        "rows": [], "error_count": 1}), 400
    try:
        result = apply_atp(body)
    except AtpRejected as exc:
        return jsonify({"error": str(exc), "rows": exc.rows, "error_count": exc.error_count}), exc.status
    return jsonify(result)


_REJECTED = {
    "type": "object",
    "required": ["error", "rows", "error_count"],
    "properties": {
        "error": {"type": "string"},
        "error_count": {"type": "integer"},
        "rows": {"type": "array", "description": "The first 100 bad rows", "items": {
            "type": "object", "properties": {"index": {"type": "integer", "nullable": True}, "error": {"type": "string"}}}},
    },
}

OPENAPI = openapi_part(
    {
        "/inventory": {
            "put": {
                "summary": "Set available-to-promise (ATP) per facility and SKU",
                "description": f"Up to {MAX_ROWS_PER_CALL} rows a call. Idempotent: sending the same rows again "
                "changes nothing. All or nothing: a call with a malformed row or an unknown facility is rejected "
                "whole, listing the bad rows. Levels reach Shopify on the next inventory push.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "array", "maxItems": MAX_ROWS_PER_CALL,
                    "items": {"$ref": "#/components/schemas/AtpRow"}}}}},
                "responses": {
                    "200": {"description": "Stored", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "accepted": {"type": "integer"}, "facilities": {"type": "integer"}, "shops": {"type": "integer"}}}}}},
                    "400": {"description": "Malformed rows; nothing was changed",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AtpRejected"}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "422": {"description": "Unknown facilities; nothing was changed",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AtpRejected"}}}},
                },
            }
        }
    },
    {
        "AtpRow": {
            "type": "object",
            "required": ["facility_id", "sku", "atp"],
            "properties": {
                "facility_id": {"type": "string"},
                "sku": {"type": "string"},
                "atp": {"type": "integer", "description": "Negative values are stored, and sent to Shopify as 0"},
            },
        },
        "AtpRejected": _REJECTED,
    },
)
