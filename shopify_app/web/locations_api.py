"""The embedded UI's location mapping: /api/locations (App Bridge session tokens)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from .. import audit
from ..extensions import db
from ..models import Facility, Location, Shop
from ..shopify.gids import gid_of
from ..shopify.shop_domain import admin_url
from ..sync.connection import NeedsReauthentication, NotPermitted
from ..sync.locations import mapping as location_mapping
from ..sync.inventory.ledger import levels_held
from ..sync.inventory.zero import SHOPIFY_FAILED, STILL_PUSHED, ZeroRefused, zero_pushed_levels
from ..sync.locations.online import stop_online_selling
from ..sync.locations.run import LocationsUnavailable, import_now
from ..sync.locations.store import find_location, locations_of
from .errors import json_error
from .location_warnings import location_warnings
from .session import session_token_required

bp = Blueprint("locations_api", __name__, url_prefix="/api/locations")

# The status each refusal of sync/ answers.
LOCATION_STATUS = {location_mapping.NOT_NOW: 422, location_mapping.TAKEN: 409, location_mapping.UNKNOWN: 404,
                   location_mapping.NOT_GRANTED: 409, location_mapping.SHOPIFY_REFUSED: 422,
                   location_mapping.NO_ANSWER: 502}
ZERO_STATUS = {STILL_PUSHED: 409, SHOPIFY_FAILED: 502}


def location_admin_url(shop_domain: str, loc: Location) -> str:
    """Where the merchant edits this location in Shopify admin."""
    return admin_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop_domain, f"/settings/locations/{loc.legacy_id}")


def location_summary(shop_domain: str | None, loc: Location) -> dict:
    """A location as the UI and the OMS API show it."""
    return {
        "id": loc.shopify_id,
        "name": loc.name,
        "active": loc.active,
        "fulfills_online_orders": loc.fulfills_online_orders,
        "pos": loc.pos,
        "default": loc.is_default,
        "shopify_admin_url": location_admin_url(shop_domain, loc) if shop_domain else None,
    }


def location_json(shop: Shop, loc: Location, facilities: dict[int, Facility] | None = None,
                  warnings: dict | None = None) -> dict:
    """A location with its address, mapped facility and warnings: an item of GET /api/locations."""
    facility = location_mapping.facility_of(loc, facilities)
    if warnings is None:
        warnings = shop_warnings(shop)
    return {
        **location_summary(shop.domain, loc),
        "address": loc.address or {},
        "facility_id": facility.external_id if facility else None,
        "warnings": [w.as_dict() for w in warnings.get(loc.shopify_id, [])],
    }


def shop_warnings(shop: Shop) -> dict:
    return location_warnings(locations_of(shop.id), levels_held(shop.id))


def _list(shop):
    facilities = location_mapping.facilities_of(shop.id)
    warnings = shop_warnings(shop)
    return [location_json(shop, l, facilities, warnings) for l in locations_of(shop.id)]


def _location_or_404(gid: str):
    wanted = gid_of("Location", gid)
    if wanted is None:
        return None, json_error(400, f"not a Shopify location id: {gid!r}")
    loc = find_location(g.shop.id, wanted)
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
        counts = import_now(g.shop)
    except NotPermitted as exc:
        db.session.rollback()
        return json_error(409, f"cannot read locations: {exc}")
    except NeedsReauthentication as exc:
        db.session.rollback()
        return json_error(409, f"the app needs to be opened again from Shopify admin: {exc}")
    except LocationsUnavailable as exc:
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
        location_mapping.create_facility(g.shop, loc)
    except location_mapping.LocationError as exc:
        db.session.rollback()
        return json_error(LOCATION_STATUS[exc.reason], str(exc))
    result = location_json(g.shop, loc)
    record_location_action("location.create_facility", loc, {"facility_id": result["facility_id"]})
    response = jsonify(result)
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
    unknown = sorted(set(body) - {"facility_id", "default", "take"})
    if unknown:
        return json_error(400, f"unknown field(s): {', '.join(unknown)}")
    if "facility_id" in body and body["facility_id"] is not None and (
        not isinstance(body["facility_id"], str) or not body["facility_id"].strip()
    ):
        return json_error(400, "facility_id must be a facility id (a string) or null")
    if "default" in body and not isinstance(body["default"], bool):
        return json_error(400, "default must be true or false")
    if "take" in body and not isinstance(body["take"], bool):
        return json_error(400, "take must be true or false")
    changes = dict(body)
    if isinstance(changes.get("facility_id"), str):
        changes["facility_id"] = changes["facility_id"].strip()
    current = location_json(g.shop, loc)
    changed = {k: v for k, v in changes.items() if k != "take"}  # `take` is a confirmation, not a setting
    audit.record("location.change", actor_kind="merchant", actor=g.shop.domain, shop=g.shop,
                 before={"location": loc.shopify_id, **{k: current[k] for k in changed}},
                 after={"location": loc.shopify_id, **changed})
    try:
        taken_from = location_mapping.update_location(g.shop, loc, changes)
    except location_mapping.LocationError as exc:
        db.session.rollback()
        return json_error(LOCATION_STATUS[exc.reason], str(exc))
    result = location_json(g.shop, loc)
    if taken_from is not None:
        result["taken_from"] = {"id": taken_from.shopify_id, "name": taken_from.name}
        result["message"] = (f"Facility {result['facility_id']} moved from {taken_from.name} to {loc.name}; "
                             f"{taken_from.name} is mapped to no facility now.")
    return jsonify(result)


def record_location_action(action: str, loc, after: dict) -> None:
    """The audit entry of a merchant's action on a location, once it is done."""
    audit.record(action, actor_kind="merchant", actor=g.shop.domain, shop=g.shop,
                 before={"location": loc.shopify_id}, after={"location": loc.shopify_id, **after})
    db.session.commit()


def confirmed() -> bool:
    body = request.get_json(silent=True)
    return isinstance(body, dict) and body.get("confirm") is True


def not_connected(exc: Exception):
    db.session.rollback()
    if isinstance(exc, NeedsReauthentication):
        return json_error(409, f"the app needs to be opened again from Shopify admin: {exc}")
    return json_error(409, f"the app may not change this store's stock or locations: {exc}")


@bp.post("/<path:gid>/zero_levels")
@session_token_required
def zero_levels(gid: str):
    """Set the levels we pushed at this location to 0 in Shopify (after the merchant confirms)."""
    loc, error = _location_or_404(gid)
    if error:
        return error
    if not confirmed():
        return json_error(400, f'confirm first: send {{"confirm": true}} to set the stock levels we pushed at '
                               f'{loc.name} to 0 in Shopify')
    try:
        result = zero_pushed_levels(g.shop, loc)
    except (NotPermitted, NeedsReauthentication) as exc:
        return not_connected(exc)
    except ZeroRefused as exc:
        return json_error(ZERO_STATUS[exc.reason], str(exc))
    record_location_action("location.zero_levels", loc, {"zeroed": result["zeroed"]})
    message = f"Set {result['zeroed']} stock level{'s' if result['zeroed'] != 1 else ''} at {loc.name} to 0 in Shopify."
    if result["changed_in_shopify"]:
        message += f" {result['changed_in_shopify']} changed in Shopify since we set them: left as they are."
    if result["rejected"] or result["left"]:
        message += f" {result['rejected'] + result['left']} could not be set; try again in a moment."
    return jsonify({**location_json(g.shop, loc), "result": result, "message": message})


@bp.post("/<path:gid>/stop_online_selling")
@session_token_required
def stop_online(gid: str):
    """Turn off "fulfil online orders" for this location in Shopify (after the merchant confirms)."""
    loc, error = _location_or_404(gid)
    if error:
        return error
    if not confirmed():
        return json_error(400, f'confirm first: send {{"confirm": true}} to stop {loc.name} fulfilling online '
                               'orders in Shopify')
    try:
        stop_online_selling(g.shop, loc)
    except (NotPermitted, NeedsReauthentication) as exc:
        return not_connected(exc)
    except location_mapping.LocationError as exc:
        db.session.rollback()
        return json_error(LOCATION_STATUS[exc.reason], str(exc))
    record_location_action("location.stop_online_selling", loc, {"fulfills_online_orders": False})
    return jsonify({**location_json(g.shop, loc),
                    "message": f"{loc.name} no longer fulfils online orders in Shopify."})
