"""GET/PUT /api/mappings/<kind>: Shopify values found and the OMS value each maps to."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..shopify.access import AccessDenied, AccessLevel
from ..sync import mappings
from ..sync.connection import NeedsReauthentication
from .errors import json_error
from .session import session_token_required

bp = Blueprint("mappings_api", __name__, url_prefix="/api/mappings")


@bp.get("/<kind>")
@session_token_required
def get_mappings(kind: str):
    try:
        return jsonify(mappings.describe(g.shop.id, kind))
    except mappings.MappingError as exc:
        return json_error(exc.status, str(exc))


@bp.put("/<kind>")
@session_token_required
def put_mappings(kind: str):
    if kind not in mappings.KINDS:
        return json_error(404, f"unknown mapping kind {kind!r}; one of {', '.join(mappings.KINDS)}")
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "send a JSON object with \"mappings\"")
    try:
        return jsonify(mappings.apply_changes(g.shop.id, kind, body))
    except mappings.MappingError as exc:
        return json_error(exc.status, str(exc))


@bp.post("/import")
@session_token_required
def import_values():
    """Look up in Shopify every value to map (product types, channels, gateways, shipping rates)."""
    if not AccessLevel(g.shop.access_level).allows(AccessLevel.READ):
        return json_error(409, "the access level is none: the app calls Shopify for nothing on this shop")
    errors: list[str] = []
    try:
        added = mappings.import_mapping_values(g.shop, errors=errors)
    except (AccessDenied, NeedsReauthentication) as exc:
        return json_error(409, str(exc))
    return jsonify({"added": added, "skipped": errors})
