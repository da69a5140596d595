"""OpenAPI fragments for what every OMS call enforces, stated once: shop domains, Shopify
ids, non-blank text, cursors, and the answers any call may give (413 over a body limit).

They mirror the checks in sync/oms_requests/checks.py, sync/inventory/atp_rows.py and
web/oms/listing.py: a request these schemas accept is accepted (or refused only for what a
schema cannot know, such as an unknown facility), one they refuse is refused with a 4xx.
"""
from __future__ import annotations

from ...shopify.gids import MAX_ID
from ..body_limits import DEFAULT_BODY_LIMIT, MiB

# validate_shop_domain lowers ASCII first, so any case is accepted.
SHOP_DOMAIN = {
    "type": "string",
    "maxLength": 255,
    "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*\\.[Mm][Yy][Ss][Hh][Oo][Pp][Ii][Ff][Yy]\\.[Cc][Oo][Mm]$",
    "example": "example.myshopify.com",
    "description": "A shop's myshopify.com domain (compared without regard to case)",
}

# Free text that must say something: not empty, not only white space. A character class,
# not \S: Python's strip() (what the server applies) also removes \x1c-\x1f and \x85,
# which ECMA-262's \s (what a client's validator applies) leaves.
NON_BLANK = "[^\\s\\x1c-\\x1f\\x85]"
# An opaque list cursor: pass back the previous page's `next_cursor` unchanged.
CURSOR = {"type": "string", "format": "oms-cursor", "description": "The previous page's next_cursor"}


def non_blank(max_length: int, **extra) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": NON_BLANK, **extra}


def optional_text(max_length: int, **extra) -> dict:
    """Free text that may be null or blank (stored as null)."""
    return {"type": "string", "nullable": True, "maxLength": max_length, **extra}


def shopify_id(kind: str, **extra) -> dict:
    """A Shopify id as its GID (`gid://shopify/<kind>/N`) or its number, as a string or an integer."""
    return {
        "oneOf": [
            {"type": "string", "pattern": f"^(gid://shopify/{kind}/)?[1-9][0-9]{{0,17}}$",
             "example": f"gid://shopify/{kind}/1001"},
            {"type": "integer", "minimum": 1, "maximum": MAX_ID - 1},
        ],
        **extra,
    }


def too_large(limit: int = DEFAULT_BODY_LIMIT) -> dict:
    return {
        "description": f"The body is larger than this call takes ({limit // MiB} MiB); nothing was read or changed",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


# A line of a fulfillment or a return: exactly one of sku and line_item_id (null counts as absent).
REQUEST_LINE = {
    "type": "object",
    "description": "Exactly one of sku and line_item_id, and a quantity",
    "required": ["quantity"],
    "properties": {
        "sku": non_blank(255, nullable=True),
        "line_item_id": shopify_id("LineItem", nullable=True, description="Shopify line item GID or numeric id"),
        "quantity": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    },
    "oneOf": [
        {"required": ["sku"], "properties": {"sku": non_blank(255), "line_item_id": {"enum": [None]}}},
        {"required": ["line_item_id"], "properties": {"line_item_id": shopify_id("LineItem"), "sku": {"enum": [None]}}},
    ],
}
