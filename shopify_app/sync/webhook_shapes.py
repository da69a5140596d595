"""What each webhook topic's body must hold: topic -> required fields and their types.

Shopify signs the body only; the topic header is not signed. A body relabelled with
another topic (a captured products/update sent as shop/redact) lacks the fields its
claimed topic always carries, and is refused here before any handler sees it. The
fields are those the handlers rely on and every real delivery of the topic carries
(see ../shared/shopify/webhooks/); topics not listed are not checked.
"""
from __future__ import annotations

# A REST id: an integer (a GID string is accepted too, as some topics send them).
ID = "id"
_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "str": (str,), "list": (list,), "dict": (dict,),
                                       ID: (int, str)}

_COMPLIANCE = {"shop_id": ID, "shop_domain": "str"}
_ORDER = {"id": ID, "admin_graphql_api_id": "str"}
_LOCATION = {"id": ID}
_RETURN = {"admin_graphql_api_id": "str"}  # the Return's (or reverse fulfillment order's) gid

SHAPES: dict[str, dict[str, str]] = {
    # Shopify's own sample (what `shopify app webhook trigger` sends) has no myshopify_domain.
    "app/uninstalled": {"id": ID},
    "app/scopes_update": {"current": "list"},
    "customers/data_request": {**_COMPLIANCE, "customer": "dict", "orders_requested": "list"},
    "customers/redact": {**_COMPLIANCE, "customer": "dict", "orders_to_redact": "list"},
    "shop/redact": _COMPLIANCE,
    "products/create": {"id": ID, "variants": "list", "updated_at": "str"},
    "products/update": {"id": ID, "variants": "list", "updated_at": "str"},
    "products/delete": {"id": ID},
    "orders/create": _ORDER,
    "orders/updated": _ORDER,
    "orders/cancelled": _ORDER,
    "orders/edited": {"order_edit": "dict"},
    "refunds/create": {"id": ID, "order_id": ID},
    "returns/request": _RETURN,
    "returns/approve": _RETURN,
    "returns/decline": _RETURN,
    "returns/cancel": _RETURN,
    "returns/close": _RETURN,
    "returns/reopen": _RETURN,
    "returns/process": _RETURN,
    "returns/update": _RETURN,
    "reverse_fulfillment_orders/dispose": _RETURN,
    "locations/create": _LOCATION,
    "locations/update": _LOCATION,
    "locations/delete": _LOCATION,
    "inventory_levels/update": {"inventory_item_id": ID, "location_id": ID},
    "bulk_operations/finish": {"admin_graphql_api_id": "str", "status": "str"},
}


def shape_problem(topic: str, payload: dict) -> str | None:
    """Why the body does not fit its topic, or None when it does (or the topic is not listed)."""
    shape = SHAPES.get(topic)
    if shape is None:
        return None
    missing = [name for name in shape if payload.get(name) is None]
    if missing:
        return f"a {topic} body always has {', '.join(missing)}"
    wrong = [name for name, kind in shape.items()
             if isinstance(payload[name], bool) or not isinstance(payload[name], _TYPES[kind])]
    if wrong:
        return f"a {topic} body has {', '.join(wrong)} of another type"
    return None
