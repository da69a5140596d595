"""What every OMS API resource shares: the API key check, and the pieces of the OpenAPI
document (its base, and the paths of a resource created by `external_id`)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from ...api_keys import find_active_key, touch
from ...extensions import db
from ...shopify.session_token import bearer_token
from ...sync.oms_requests.checks import RequestInvalid
from ...sync.shop import find_shop
from ..errors import json_error
from .constraints import SHOP_DOMAIN, too_large

BASE_DOCUMENT: dict = {
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



def openapi_part(paths: dict, schemas: dict | None = None) -> dict:
    """A resource's share of the OpenAPI document: its paths and component schemas."""
    return {"paths": paths, "schemas": schemas or {}}


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


def create_by_external_id(name: str, submit, to_json):
    """The POST view (endpoint `name`) of a resource the OMS creates idempotently by
    `external_id`: 202 with the record when new, 200 when the same body came before."""

    def create():
        body = request.get_json(silent=True)
        if body is None:
            return json_error(400, "send a JSON object (Content-Type: application/json)")
        try:
            record, created = submit(body)
        except RequestInvalid as exc:
            return json_error(exc.status, str(exc))
        return jsonify(to_json(record, body["shop"].strip().lower())), 202 if created else 200

    create.__name__ = name
    return api_key_required(create)


def read_by_external_id(name: str, find, to_json, noun: str):
    """The GET view (endpoint `name`) of such a resource: `/<collection>/<external_id>?shop=`."""

    def read(external_id: str):
        domain = (request.args.get("shop") or "").strip().lower()
        if not domain:
            return json_error(400, "pass ?shop=<myshopify domain>")
        shop = find_shop(domain)
        if shop is None:
            return json_error(404, f"unknown shop {domain!r}")
        record = find(shop.id, external_id)
        if record is None:
            return json_error(404, f"no {noun} with external_id {external_id!r}")
        return jsonify(to_json(record, shop.domain))

    read.__name__ = name
    return api_key_required(read)
