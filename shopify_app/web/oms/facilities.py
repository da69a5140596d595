"""GET /oms/v1/facilities: facilities with their mapped Shopify location and online-selling flag."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ...extensions import db
from ...models import Facility, Location, Shop
from ...shopify.shop_domain import InvalidShopDomain, validate_shop_domain
from ...sync.locations.decide import feeds_brokering_queue
from ...sync.locations.mapping import facilities_with_locations
from ..errors import json_error
from ..locations_api import location_summary
from .common import forbidden, openapi_part, permission_required, tenancy
from .constraints import CURSOR, SHOP_DOMAIN
from .listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size, store_json


def facility_json(facility: Facility, loc: Location | None, shop: Shop | None) -> dict:
    """A facility with its mapped location, online-selling flag and brokering queue tie."""
    return {
        "facility_id": facility.external_id,
        "shop": shop.domain if shop else None,
        "product_store": store_json(shop.product_store if shop else None),
        "name": facility.name,
        "address": facility.address or {},
        "sells_online": facility.sells_online,
        "location": None if loc is None else location_summary(shop.domain if shop else None, loc),
        "brokering_queue": feeds_brokering_queue(loc),
    }


@permission_required("read")
def list_facilities():
    shop_ids = None
    domain = request.args.get("shop")
    if domain is not None:
        # A filter, as on products and orders: a shop we do not know has no facilities
        # (nor has another store's: the tenancy below filters it out).
        try:
            domain = validate_shop_domain(domain.strip())  # normalised: the filter ignores case
        except InvalidShopDomain:
            return json_error(400, "shop must be a shop domain like example.myshopify.com")
        shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()
        shop_ids = [shop.id] if shop is not None else []
    try:
        limit = page_size()
        cursor = decode_cursor(request.args.get("cursor"))
        after = int((cursor or {}).get("id", 0))
        if not 0 <= after < 2**63:
            raise ValueError("cursor is not valid")
    except (ValueError, TypeError, OverflowError) as exc:
        return json_error(400, str(exc) if "limit" in str(exc) else "cursor is not valid")
    rows = facilities_with_locations(shop_ids, after_id=after, limit=limit + 1, tenancy=tenancy())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"id": rows[-1][0].id}) if more and rows else None
    return jsonify({"items": [facility_json(*row) for row in rows], "next_cursor": next_cursor})


OPENAPI = openapi_part(
    {
        "/facilities": {
            "get": {
                "summary": "Facilities, with their mapped Shopify location and online-selling flag",
                "parameters": [{"name": "shop", "in": "query", "schema": SHOP_DOMAIN,
                                "description": "Only this shop's facilities"},
                               {"name": "limit", "in": "query", "schema": {
                                   "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}},
                               {"name": "cursor", "in": "query", "schema": CURSOR,
                                "description": "The previous page's next_cursor"}],
                "responses": {
                    "200": {"description": "The facilities", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["items", "next_cursor"],
                        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Facility"}},
                                       "next_cursor": {"type": "string", "nullable": True}},
                    }}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": forbidden("read"),
                },
            }
        }
    },
    {
        "Facility": {
            "type": "object",
            "required": ["facility_id", "shop", "product_store", "name", "sells_online", "location", "brokering_queue"],
            "properties": {
                "facility_id": {"type": "string", "description": "The id to use in PUT /inventory"},
                "shop": {"type": "string"},
                "product_store": {"$ref": "#/components/schemas/ProductStoreRef"},
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
