"""GET /oms/v1/facilities: facilities with their mapped Shopify location and online-selling flag."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ...extensions import db
from ...models import Shop
from ...sync.locations import facilities_json
from ..errors import json_error
from . import add_paths, api_key_required, bp


@bp.get("/facilities")
@api_key_required
def list_facilities():
    shop_ids = None
    domain = request.args.get("shop")
    if domain is not None:
        shop = db.session.execute(select(Shop).where(Shop.domain == domain.strip().lower())).scalar_one_or_none()
        if shop is None:
            return json_error(404, f"unknown shop {domain!r}")
        shop_ids = [shop.id]
    return jsonify({"items": facilities_json(shop_ids)})


add_paths(
    {
        "/facilities": {
            "get": {
                "summary": "Facilities, with their mapped Shopify location and online-selling flag",
                "parameters": [{"name": "shop", "in": "query", "schema": {"type": "string"},
                                "description": "Only this shop's facilities (myshopify domain)"}],
                "responses": {
                    "200": {"description": "The facilities", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["items"],
                        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Facility"}}},
                    }}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"description": "Unknown shop", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
        }
    },
    {
        "Facility": {
            "type": "object",
            "required": ["facility_id", "shop", "name", "sells_online", "location", "brokering_queue"],
            "properties": {
                "facility_id": {"type": "string", "description": "The id to use in PUT /inventory"},
                "shop": {"type": "string"},
                "name": {"type": "string"},
                "address": {"type": "object", "additionalProperties": True},
                "sells_online": {"type": "boolean", "description": "Its ATP counts towards the sellable total at the shop's default location"},
                "brokering_queue": {"type": "boolean", "description": "Mapped to the default location: online orders are brokered from here"},
                "location": {
                    "type": "object", "nullable": True,
                    "properties": {
                        "id": {"type": "string", "description": "Shopify location GID"},
                        "name": {"type": "string"},
                        "active": {"type": "boolean"},
                        "fulfills_online_orders": {"type": "boolean"},
                        "pos": {"type": "boolean"},
                        "default": {"type": "boolean"},
                        "shopify_admin_url": {"type": "string"},
                    },
                },
            },
        }
    },
)
