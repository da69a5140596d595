"""The embedded UI's location mapping: /api/locations (App Bridge session tokens)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..extensions import db
from ..models import Facility
from ..shopify.access import AccessDenied
from ..shopify.graphql_client import GraphQLError
from ..sync import locations as loc_sync
from ..sync.connection import NeedsReauthentication
from .errors import json_error
from .session import session_token_required

bp = Blueprint("locations_api", __name__, url_prefix="/api/locations")


def _list(shop):
    facilities = {f.id: f for f in db.session.query(Facility).filter(Facility.shop_id == shop.id)}
    return [loc_sync.location_json(shop, l, facilities) for l in loc_sync.locations_of(shop.id)]


def _location_or_404(gid: str):
    wanted = loc_sync.location_gid(gid)
    if wanted is None:
        return None, json_error(400, f"not a Shopify location id: {gid!r}")
    loc = loc_sync.find_location(g.shop.id, wanted)
    if loc is None:
        return None, json_error(404, f"unknown location {wanted}; import the locations first")
    return loc, None


@bp.get("")
@session_token_required
def list_locations():
    return jsonify(_list(g.shop))


@bp.post("/import")
@session_token_required
def import_locations():
    try:
        counts = loc_sync.import_now(g.shop)
    except AccessDenied as exc:
        db.session.rollback()
        return json_error(409, f"cannot read locations: {exc}")
    except NeedsReauthentication as exc:
        db.session.rollback()
        return json_error(409, f"the app needs to be opened again from Shopify admin: {exc}")
    except GraphQLError as exc:
        db.session.rollback()
        return json_error(502, f"Shopify did not answer the locations query: {exc}")
    response = jsonify(_list(g.shop))
    response.headers["X-Import-Counts"] = ",".join(f"{k}={v}" for k, v in counts.items())
    return response


@bp.post("/<path:gid>/facility")
@session_token_required
def create_facility(gid: str):
    loc, error = _location_or_404(gid)
    if error:
        return error
    try:
        loc_sync.create_facility(g.shop, loc)
    except loc_sync.LocationError as exc:
        db.session.rollback()
        return json_error(exc.status, str(exc))
    response = jsonify(loc_sync.location_json(g.shop, loc))
    response.status_code = 201
    return response


@bp.put("/<path:gid>")
@session_token_required
def update_location(gid: str):
    loc, error = _location_or_404(gid)
    if error:
        return error
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        return json_error(400, 'send a JSON object: {"facility_id": "..." or null, "default": true}')
    unknown = sorted(set(body) - {"facility_id", "default"})
    if unknown:
        return json_error(400, f"unknown field(s): {', '.join(unknown)}")
    if "facility_id" in body and body["facility_id"] is not None and (
        not isinstance(body["facility_id"], str) or not body["facility_id"].strip()
    ):
        return json_error(400, "facility_id must be a facility id (a string) or null")
    if "default" in body and not isinstance(body["default"], bool):
        return json_error(400, "default must be true or false")
    changes = dict(body)
    if isinstance(changes.get("facility_id"), str):
        changes["facility_id"] = changes["facility_id"].strip()
    try:
        loc_sync.update_location(g.shop, loc, changes)
    except loc_sync.LocationError as exc:
        db.session.rollback()
        return json_error(exc.status, str(exc))
    return jsonify(loc_sync.location_json(g.shop, loc))
