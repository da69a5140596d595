"""PUT /oms/v1/inventory: available-to-promise per facility and SKU, all or nothing."""
from __future__ import annotations

from flask import jsonify, request

from ...sync.inventory.atp import (CONTRADICTORY, MALFORMED, MAX_LISTED_UNKNOWN_SKUS, UNKNOWN_FACILITY, AtpRejected,
                                   apply_atp)
from ...sync.inventory.atp_rows import MAX_ATP, MAX_ROWS_PER_CALL
from ..body_limits import body_limit
from .common import forbidden, openapi_part, permission_required, tenancy
from .constraints import non_blank, too_large

# The status each rejection of sync/ answers: a call contradicting itself is unprocessable,
# like one naming an unknown facility.
REJECTED_STATUS = {MALFORMED: 400, CONTRADICTORY: 422, UNKNOWN_FACILITY: 422}


@permission_required("write_inventory")
def put_inventory():
    body = request.get_json(silent=True)
    if body is None:
        return jsonify({"error": "send a JSON array of {facility_id, sku, atp} (Content-Type: application/json)",
                        "rows": [], "error_count": 1}), 400
    try:
        result = apply_atp(body, tenancy())
    except AtpRejected as exc:
        return jsonify({"error": str(exc), "rows": exc.rows, "error_count": exc.error_count}), REJECTED_STATUS[exc.reason]
    return jsonify(result)


_REJECTED = {
    "type": "object",
    "required": ["error", "rows", "error_count"],
    "properties": {
        "error": {"type": "string"},
        "error_count": {"type": "integer"},
        "rows": {"type": "array", "description": "The first 100 bad rows", "items": {
            "type": "object", "required": ["index", "error"], "properties": {
                "index": {"type": "integer", "nullable": True, "description": "The row's index in the call"},
                "error": {"type": "string"},
                "repeats": {"type": "integer", "description": "The earlier row this one contradicts"}}}},
    },
}

OPENAPI = openapi_part(
    {
        "/inventory": {
            "put": {
                "summary": "Set available-to-promise (ATP) per facility and SKU",
                "description": f"Up to {MAX_ROWS_PER_CALL} rows a call. Idempotent: sending the same rows again "
                "changes nothing. All or nothing: a call with a malformed row or an unknown facility is rejected "
                "whole, listing the bad rows; a facility and SKU given twice must have the same ATP. SKUs that no "
                "shop's catalog has (yet) are stored all the same, and the answer says how many and which. "
                "Levels reach Shopify on the next inventory push.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "array", "maxItems": MAX_ROWS_PER_CALL,
                    "items": {"$ref": "#/components/schemas/AtpRow"}}}}},
                "responses": {
                    "200": {"description": "Stored", "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["accepted", "facilities", "shops", "unknown_sku_count", "unknown_skus"],
                        "properties": {
                            "accepted": {"type": "integer", "description": "Rows stored (repeats counted once)"},
                            "facilities": {"type": "integer"},
                            "shops": {"type": "integer"},
                            "unknown_sku_count": {"type": "integer", "description": "SKUs stored that the "
                                                  "facility's shop has no live variant with"},
                            "unknown_skus": {"type": "array", "items": {"type": "string"},
                                             "maxItems": MAX_LISTED_UNKNOWN_SKUS,
                                             "description": f"The first {MAX_LISTED_UNKNOWN_SKUS} of them, sorted"},
                        }}}}},
                    "400": {"description": "Malformed rows; nothing was changed",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AtpRejected"}}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("write_inventory"),
                    "413": too_large(body_limit("oms.put_inventory")),
                    "422": {"description": "Unknown facilities (another product store's facility is unknown to "
                            "this key), or a facility and SKU repeated with a different "
                            "ATP; nothing was changed",
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
                "facility_id": non_blank(64, description="A facility's id (GET /facilities)"),
                "sku": non_blank(255),
                "atp": {"type": "integer", "minimum": -MAX_ATP, "maximum": MAX_ATP,
                        "description": "Negative values are stored, and sent to Shopify as 0"},
            },
        },
        "AtpRejected": _REJECTED,
    },
)
