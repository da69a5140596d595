"""The JSON API behind the embedded UI, authenticated by App Bridge session tokens."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from .. import audit
from ..crypto import token_decrypts
from ..extensions import db
from ..models import ComplianceRequest, Shop
from ..shopify.access import parse_level
from ..shopify.times import json_time
from ..sync.privacy import REDACTED, RedactedCustomers
from ..sync.shop import set_access_level
from .errors import json_error
from .session import session_token_required

bp = Blueprint("api", __name__, url_prefix="/api")

# Settings the merchant may change, with their validators (value -> value, or ValueError).
def _bool(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _optional_date(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a date YYYY-MM-DD, or null")
    return date.fromisoformat(value).isoformat()


def _order_import_scope(value):
    if value not in ("unfulfilled", "open"):
        raise ValueError("must be 'unfulfilled' or 'open'")
    return value


SETTINGS = {
    "upload_refunds": (_bool, False),
    "orders_since": (_optional_date, None),
    "order_import": (_order_import_scope, "unfulfilled"),
}


# Shown to the merchant, changed only by the OMS operator (the console, the CLI).
OPERATOR_SETTINGS = frozenset({"upload_refunds", "product_store"})


def shop_json(shop: Shop) -> dict:
    settings = shop.settings or {}
    return {
        "shop": shop.domain,
        "name": shop.name,
        "status": shop.status,
        "access": shop.access_level,
        "scopes": shop.scopes,
        "owner": shop.owner,
        "email": shop.email,
        "country": shop.country,
        "currency": shop.currency,
        "weight_unit": shop.weight_unit,
        "timezone": shop.timezone,
        "plan": shop.plan,
        "product_store": shop.product_store.name if shop.product_store else None,
        "needs_reauth": shop.needs_reauth or not token_decrypts(shop.access_token_encrypted),
        "installed_at": json_time(shop.installed_at),
        "settings": {key: settings.get(key, default) for key, (_, default) in SETTINGS.items()},
    }


@bp.get("/shop")
@session_token_required
def get_shop():
    return jsonify(shop_json(g.shop))


@bp.patch("/shop")
@session_token_required
def patch_shop():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        return json_error(400, "send a JSON object with the fields to change")
    allowed = {"access", "product_store", "settings", *SETTINGS}
    unknown = sorted(set(body) - allowed)
    if unknown:
        return json_error(400, f"unknown field(s): {', '.join(unknown)}")

    shop: Shop = g.shop
    if not isinstance(body.get("settings", {}), dict):
        return json_error(400, "settings must be an object")
    changes = dict(body.get("settings") or {})
    changes.update({k: v for k, v in body.items() if k in SETTINGS})
    operators_own = sorted(OPERATOR_SETTINGS & ({*body} | {*changes}))
    if operators_own:
        return json_error(403, f"{', '.join(operators_own)}: set by the OMS operator in the console")
    before = {"access": shop.access_level, "settings": dict(shop.settings or {})}
    new_settings = dict(shop.settings or {})
    for key, value in changes.items():
        if key not in SETTINGS:
            return json_error(400, f"unknown setting: {key}")
        validate, _ = SETTINGS[key]
        try:
            new_settings[key] = validate(value)
        except ValueError as exc:
            return json_error(400, f"{key} {exc}")

    if "access" in body:
        if not isinstance(body["access"], str):
            return json_error(400, "access must be one of none, read, read_write")
        try:
            level = parse_level(body["access"])
        except ValueError as exc:
            return json_error(400, str(exc))
        try:
            set_access_level(shop, level)
        except ValueError as exc:
            db.session.rollback()
            return json_error(422, str(exc))
        new_settings["access_chosen"] = True
    shop.settings = new_settings
    audit.record("shop.settings", actor_kind="merchant", actor=shop.domain, shop=shop, before=before,
                 after={"access": shop.access_level, "settings": new_settings})
    db.session.commit()
    return jsonify(shop_json(shop))


def compliance_json(record: ComplianceRequest, with_data: bool = False, redacted: bool = False) -> dict:
    """A compliance request; about a customer whose redaction was applied, it shows
    nothing personal of them ("redacted")."""
    item = {
        "id": record.id,
        "topic": record.topic,
        "customer_id": record.customer_id,
        "customer_email": record.customer_email,
        "orders_requested": record.orders_requested or [],
        "data_request_id": record.data_request_id,
        "received_at": json_time(record.received_at),
        "completed_at": json_time(record.completed_at),
        # Set once the export was erased (retention period, or the customer's redaction).
        "purged_at": json_time(record.purged_at),
    }
    if with_data:
        item["data"] = record.result or {}
    item["customer_redacted"] = redacted
    if redacted:
        item.update(customer_id=REDACTED, customer_email=REDACTED)
        if with_data and record.topic != "customers/redact":
            item["data"] = {}  # an export made before (or after) the redaction shows nothing of them
    return item


@bp.get("/privacy/requests")
@session_token_required
def privacy_requests():
    """The shop's customer data requests and redactions (customers/data_request, customers/redact)."""
    records = db.session.execute(
        select(ComplianceRequest)
        .where(ComplianceRequest.shop_domain == g.shop.domain, ComplianceRequest.topic != "shop/redact")
        .order_by(ComplianceRequest.received_at.desc())
        .limit(200)
    ).scalars()
    redacted = RedactedCustomers(g.shop.domain)
    return jsonify({"requests": [compliance_json(r, redacted=redacted.covers(r)) for r in records]})


@bp.get("/privacy/requests/<int:request_id>")
@session_token_required
def privacy_request(request_id: int):
    """One request, with the customer's data we held when it came (for a data request)."""
    record = db.session.get(ComplianceRequest, request_id) if request_id < 2**31 else None
    if record is None or record.shop_domain != g.shop.domain:
        return json_error(404, "no such request")
    return jsonify(compliance_json(record, with_data=True, redacted=RedactedCustomers(g.shop.domain).covers(record)))
