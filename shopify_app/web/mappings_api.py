"""GET/PUT /api/mappings/<kind>: Shopify values found and the OMS value each maps to."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from .. import audit
from ..extensions import db
from ..models import MappingValue
from ..shopify.access import AccessLevel
from ..shopify.times import json_time
from ..sync.connection import NeedsReauthentication, NotPermitted
from ..sync.mappings.catalogue import CATALOGUE_KIND, KINDS, oms_values
from ..sync.mappings.changes import MappingError
from ..sync.mappings.fold import channel_aliases, gateway_label, source_label
from ..sync.mappings.import_values import import_values_now
from ..sync.mappings.values import recorded_values
from .errors import json_error
from .mapping_bodies import SAVE_STATUS, BodyError, save_body
from .session import session_token_required

bp = Blueprint("mappings_api", __name__, url_prefix="/api/mappings")


def mapping_json(row: MappingValue) -> dict:
    label = row.label
    if label is None and row.kind == "payment_method":
        label = gateway_label(row.shopify_value)  # `shopify_payments` -> "Shopify Payments"
    item = {
        "shopify_value": row.shopify_value,
        "label": label,
        "source": row.source,
        "found_in": source_label(row.source),  # `source` in words
        "oms_value": row.oms_value,
        "first_seen_at": json_time(row.first_seen_at),
        "last_seen_at": json_time(row.last_seen_at),
        "mapped_at": json_time(row.mapped_at),
    }
    if row.kind == "shipping_method":
        item["carrier"] = row.oms_carrier
    return item


def describe(shop_id: int, kind: str) -> dict:
    """What GET /api/mappings/<kind> answers (and PUT, after the change)."""
    rows = recorded_values(shop_id, kind)
    aliases: dict[str, list[str]] = {}
    if kind == "sales_channel":  # one row per channel, its app's name folded into it
        aliases = channel_aliases([(r.shopify_value, r.label) for r in rows])
        folded = {a for names in aliases.values() for a in names}
        rows = [r for r in rows if r.shopify_value not in folded]
    values = [mapping_json(r) for r in rows]
    if kind == "sales_channel":
        for item in values:
            item["aliases"] = aliases.get(item["shopify_value"], [])
    result = {
        "kind": kind,
        "values": values,
        "unmapped": sum(1 for r in rows if r.oms_value is None),
        "oms_values": oms_values(shop_id, CATALOGUE_KIND[kind]),
    }
    if kind == "shipping_method":
        result["carriers"] = oms_values(shop_id, "carrier")
    return result


def unknown_kind(kind: str):
    return json_error(404, f"unknown mapping kind {kind!r}; one of {', '.join(KINDS)}")


@bp.get("/<kind>")
@session_token_required
def get_mappings(kind: str):
    if kind not in KINDS:
        return unknown_kind(kind)
    return jsonify(describe(g.shop.id, kind))


def record_mapping_change(kind: str, before: dict, saved) -> None:
    """The audit entry of a PUT: the rows it saved, as they were and as they are now."""
    if not saved.changes:
        return
    after = {value: ({"oms_value": oms, "carrier": carrier} if kind == "shipping_method" else oms)
             for value, (oms, carrier) in saved.changes.items()}
    audit.record("mappings.change", actor_kind="merchant", actor=g.shop.domain, shop=g.shop,
                 before={"kind": kind, "mappings": {value: before.get(value) for value in after}},
                 after={"kind": kind, "mappings": after})
    db.session.commit()


@bp.put("/<kind>")
@session_token_required
def put_mappings(kind: str):
    if kind not in KINDS:
        return unknown_kind(kind)
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "send a JSON object with \"mappings\"")
    before = {v["shopify_value"]: v["oms_value"] for v in describe(g.shop.id, kind)["values"]}
    try:
        saved = save_body(g.shop.id, kind, body)
    except BodyError as exc:
        db.session.rollback()
        return json_error(exc.status, str(exc))
    except MappingError as exc:
        db.session.rollback()
        return json_error(SAVE_STATUS[exc.reason], str(exc))
    record_mapping_change(kind, before, saved)  # only the rows saved: a refused row changed nothing
    result = describe(g.shop.id, kind)
    result["errors"] = [e.as_dict() for e in saved.errors]
    if not saved.errors:
        return jsonify(result)
    # The rows that were right are saved (the state above shows them); the others are
    # listed by index for the page to mark.
    result["error"] = (f"{len(saved.errors)} of {len(saved.errors) + len(saved.changes)} mappings not saved: "
                       f"{saved.errors[0].error}")
    # 400 when a row is malformed (the page's own mistake), else 422 (a value not in the catalogue).
    return jsonify(result), 400 if any(e.status == 400 for e in saved.errors) else 422


@bp.post("/import")
@session_token_required
def import_values():
    """Look up in Shopify every value to map (product types, channels, gateways, shipping rates)."""
    if not AccessLevel(g.shop.access_level).allows(AccessLevel.READ):
        return json_error(409, "the access level is none: the app calls Shopify for nothing on this shop")
    errors: list[str] = []
    try:
        added = import_values_now(g.shop, errors)
    except (NotPermitted, NeedsReauthentication) as exc:
        return json_error(409, str(exc))
    return jsonify({"added": added, "skipped": errors})
