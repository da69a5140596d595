"""What every OMS API resource shares: the API key check (its permissions, and the shops
its product store sees: `tenancy()` and `visible_shop()`, the one place every view asks),
and the pieces of the OpenAPI document (its base, and the paths of a resource created by
`external_id`)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from ...api_keys import find_active_key, touch
from ...extensions import db
from ...shopify.session_token import bearer_token
from ...sync.oms_requests.checks import EXTERNAL_ID_REUSED, INVALID, UNKNOWN_SHOP, RequestInvalid
from ...models import Shop
from ...sync.shop import find_shop
from ...sync.tenancy import Tenancy
from ..errors import json_error
from .constraints import SHOP_DOMAIN, too_large

# The status each refusal of a request sync/ stores answers.
REQUEST_STATUS = {INVALID: 400, UNKNOWN_SHOP: 404, EXTERNAL_ID_REUSED: 409}

BASE_DOCUMENT: dict = {
    "openapi": "3.0.3",
    "info": {
        "title": "Shopify OMS connector: OMS REST API",
        "version": "1.0.0",
        "description": "Orders and products downloaded from Shopify; available-to-promise inventory, "
        "fulfillments and returns going up to Shopify. Authenticate with `Authorization: Bearer <API key>` "
        "(create one with `flask --app wsgi apikey create NAME [--product-store ID] [--permission P ...]`). "
        "A key belongs to one product store and sees only that store's shops: another store's shop, order, "
        "facility, fulfillment or return answers exactly as an unknown one (404, or absent from a list, or an "
        "unknown facility), never appears in a list, whatever the cursor; a key made without a product store "
        "sees every shop. Each call needs a permission of the key: `read` for every GET, `write_inventory` for "
        "PUT /inventory, `write_fulfillments` for POST /fulfillments and POST /orders/{id}/status (brokering "
        "decides where an order is fulfilled from), `write_returns` for POST /returns; without it the answer is "
        "403 and nothing changes. Lists paginate with an opaque `cursor`: pass the previous page's "
        "`next_cursor` until it is null.",
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
            "ProductStoreRef": {
                "type": "object",
                "nullable": True,
                "required": ["id", "name"],
                "description": "The product store the record's shop sits under; null when under none",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
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



def forbidden(permission: str) -> dict:
    """The 403 of an operation that needs `permission`."""
    return {"description": f"The API key lacks the `{permission}` permission; nothing was changed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_part(paths: dict, schemas: dict | None = None) -> dict:
    """A resource's share of the OpenAPI document: its paths and component schemas."""
    return {"paths": paths, "schemas": schemas or {}}


def external_id_paths(collection: str, *, record_schema: str, request_schema: str, post_summary: str,
                      post_description: str, get_summary: str, accepted: str, permission: str) -> dict:
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
                    "403": forbidden(permission),
                    "404": {"description": "Unknown shop (another product store's shop is unknown to this key)",
                            "content": error},
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
                    "403": forbidden("read"),
                    "404": {"description": "Unknown shop (another product store's shop is unknown to this key) "
                            "or external_id", "content": error},
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
        if touch(record):
            db.session.commit()
        g.api_key = record
        return view(*args, **kwargs)

    return wrapper


def permission_required(permission: str):
    """A view for API keys holding `permission` (401 without a key, 403 without it: checked
    before the body is read, so nothing changes). The view is marked with the permission
    (`required_permission`), which the blueprint insists on for every route."""

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if permission not in g.api_key.permission_set:
                return json_error(403, f"this API key lacks the {permission} permission")
            return view(*args, **kwargs)

        guarded = api_key_required(checked)
        guarded.required_permission = permission
        return guarded

    return decorate


def tenancy() -> Tenancy:
    """The shops the request's API key sees: its product store's, or all for an all-stores key.
    Read from the key on every call: a cursor or a body never widens it."""
    return Tenancy(g.api_key.product_store_id)


def visible_shop(domain: str) -> Shop | None:
    """The shop named `domain` when the request's key sees it; None for an unknown shop and
    for another store's alike, so the answers cannot tell them apart."""
    shop = find_shop(domain)
    return shop if tenancy().sees(shop) else None


def create_by_external_id(name: str, submit, to_json, permission: str):
    """The POST view (endpoint `name`) of a resource the OMS creates idempotently by
    `external_id`: 202 with the record when new, 200 when the same body came before.
    `submit(body, tenancy)` stores it; `to_json(record, shop)`."""

    def create():
        body = request.get_json(silent=True)
        if body is None:
            return json_error(400, "send a JSON object (Content-Type: application/json)")
        try:
            record, created = submit(body, tenancy())
        except RequestInvalid as exc:
            return json_error(REQUEST_STATUS[exc.reason], str(exc))
        return jsonify(to_json(record, db.session.get(Shop, record.shop_id))), 202 if created else 200

    create.__name__ = name
    return permission_required(permission)(create)


def read_by_external_id(name: str, find, to_json, noun: str):
    """The GET view (endpoint `name`) of such a resource: `/<collection>/<external_id>?shop=`."""

    def read(external_id: str):
        domain = (request.args.get("shop") or "").strip().lower()
        if not domain:
            return json_error(400, "pass ?shop=<myshopify domain>")
        shop = visible_shop(domain)
        if shop is None:
            return json_error(404, f"unknown shop {domain!r}")
        record = find(shop.id, external_id)
        if record is None:
            return json_error(404, f"no {noun} with external_id {external_id!r}")
        return jsonify(to_json(record, shop))

    read.__name__ = name
    return permission_required("read")(read)
