"""The OMS REST API (/oms/v1): API keys, cursor pagination, and its OpenAPI document.

Each resource module adds its routes to `bp` and its paths and schemas to
`openapi`, so the document is assembled from the code that serves it.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from ...api_keys import find_active_key, touch
from ...extensions import db
from ...shopify.session_token import bearer_token
from ..errors import json_error
from .constraints import SHOP_DOMAIN, too_large
# Resource modules have long taken these from the package; they live in listing.py.
from .listing import decode_cursor, encode_cursor, page_size  # noqa: F401

bp = Blueprint("oms", __name__, url_prefix="/oms/v1")

openapi: dict = {
    "openapi": "3.0.3",
    "info": {
        "title": "Shopify OMS connector: OMS REST API",
        "version": "1.0.0",
        "description": "Orders and products downloaded from Shopify; available-to-promise inventory, "
        "fulfillments and returns going up to Shopify. Authenticate with `Authorization: Bearer <API key>` "
        "(create one with `flask --app wsgi apikey create NAME`). Lists paginate with an opaque `cursor`: "
        "pass the previous page's `next_cursor` until it is null.",
    },
    "servers": [{"url": "/oms/v1"}],
    "security": [{"apiKey": []}],
    "paths": {},
    "components": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "An OMS API key"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
        },
        "responses": {
            "Unauthorized": {
                "description": "Missing or unknown API key",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "BadRequest": {
                "description": "Malformed request; nothing was changed",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    },
}


def add_paths(paths: dict, schemas: dict | None = None) -> None:
    openapi["paths"].update(paths)
    openapi["components"]["schemas"].update(schemas or {})


def external_id_paths(collection: str, *, record_schema: str, request_schema: str, post_summary: str,
                      post_description: str, get_summary: str, accepted: str) -> dict:
    """OpenAPI paths of a resource the OMS creates idempotently by `external_id` and reads back."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    record = {"application/json": {"schema": {"$ref": f"#/components/schemas/{record_schema}"}}}
    return {
        f"/{collection}": {
            "post": {
                "summary": post_summary,
                "description": post_description,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": f"#/components/schemas/{request_schema}"}}}},
                "responses": {
                    "202": {"description": accepted, "content": record},
                    "200": {"description": "Already received (same external_id and body)", "content": record},
                    "400": {"description": "Malformed request; nothing was stored", "content": error},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"description": "Unknown shop", "content": error},
                    "409": {"description": "external_id already used with a different body", "content": error},
                    "413": too_large(),
                },
            }
        },
        f"/{collection}/{{external_id}}": {
            "get": {
                "summary": get_summary,
                "parameters": [
                    {"name": "external_id", "in": "path", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
                    {"name": "shop", "in": "query", "required": True, "schema": SHOP_DOMAIN},
                ],
                "responses": {
                    "200": {"description": "The record", "content": record},
                    "400": {"description": "shop missing", "content": error},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"description": "Unknown shop or external_id", "content": error},
                },
            }
        },
    }


def api_key_required(view):
    """`Authorization: Bearer <API key>`; sets g.api_key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        record = find_active_key(bearer_token(request.headers.get("Authorization")))
        if record is None:
            return json_error(401, "missing or invalid API key", {"WWW-Authenticate": 'Bearer realm="oms"'})
        touch(record)
        db.session.commit()
        g.api_key = record
        return view(*args, **kwargs)

    return wrapper


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi)


def register_resources() -> None:
    """Import the resource modules, which add their routes to bp."""
    import importlib

    for module in RESOURCE_MODULES:
        importlib.import_module(f"{__name__}.{module}")


# Resource modules under shopify_app/web/oms/ (products, orders, inventory, ...).
RESOURCE_MODULES: list[str] = []
RESOURCE_MODULES += ["inventory", "facilities", "fulfillments", "returns"]
RESOURCE_MODULES += ["products", "orders"]
