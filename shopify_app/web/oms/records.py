"""A record the OMS creates by `external_id` and reads back (a fulfillment, a return):
what every one carries (its shop and product store, its id, the order and the lines), as
the API answers it and as the OpenAPI document describes it. The paths are
common.external_id_paths."""
from __future__ import annotations

from ...models import Shop
from .listing import store_json


def record_json(req, shop: Shop, **own) -> dict:
    """A record as the API answers it: what every such record carries, then `own`, its own fields."""
    return {
        "shop": shop.domain,
        "product_store": store_json(shop.product_store),
        "external_id": req.external_id,
        "order_id": req.order_id,
        "lines": req.lines,
        **own,
    }


def external_id_record(**properties) -> dict:
    """A record's OpenAPI schema: what every such record carries, then `properties`, its own."""
    return {
        "type": "object",
        "required": ["shop", "product_store", "external_id"],
        "properties": {
            "shop": {"type": "string"},
            "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
            "external_id": {"type": "string"},
            "order_id": {"type": "string"},
            "lines": {"type": "array", "items": {"type": "object"}},
            **properties,
        },
    }
