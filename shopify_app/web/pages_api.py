"""Read-only JSON for the merchant's pages (and one-order retry), session-token auth.

GET  /api/orders/recent          the latest orders with their mapped channel, payment, shipping
GET  /api/orders/daily?days=14   orders imported per day, in the shop's time zone
GET  /api/orders/reconciliation  the latest order reconciliation report (or null)
POST /api/orders/refetch         {"order": "#1001" | GID | number}: fetch it again and apply it
GET  /api/products/recent        the products imported last
GET  /api/facilities             the shop's OMS facilities, for the locations page's picker
GET  /api/runs?flow=&limit=      recent runs of a flow, newest first
GET  /api/inventory/locations    per Shopify location: stock levels pushed there, their units, the last push
POST /api/sync/<products|orders>/download   queue a download of everything again: 202
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request
from sqlalchemy import func, select

from ..extensions import db
from ..models import Facility, Location, Order, Product, PushedLevel, SyncRun, Variant
from ..shopify.times import json_time
from ..sync.connection import NeedsReauthentication, NotPermitted
from ..sync.orders.reconcile import latest_report
from ..sync.orders.run import OrderNotFound, refetch_for_merchant
from ..sync.registry import FLOWS
from ..sync.run_queue import queue_run
from ..sync.runner import flow_state, skip_reason
from .errors import json_error
from .page_figures import MAX_DAYS, daily_counts, window_start
from .session import session_token_required
from .sync_api import run_json

bp = Blueprint("pages_api", __name__, url_prefix="/api")

MAX_LIMIT = 100


def _limit(default: int = 20) -> int:
    raw = request.args.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def order_item(order: Order) -> dict:
    ship = (order.shipping_lines or [{}])[0] if order.shipping_lines else {}
    unmapped = order.unmapped or {}
    return {
        "id": order.shopify_id,
        "name": order.name,
        "created_at": json_time(order.shopify_created_at or order.created_at),
        "imported_at": json_time(order.created_at),
        "channel": order.channel,
        "sales_channel": order.sales_channel,
        "payment_gateways": order.payment_gateways or [],
        "payment_method": order.payment_method,
        "shipping_title": ship.get("title") if isinstance(ship, dict) else None,
        "shipping_method": order.shipping_method,
        "shipping_carrier": order.shipping_carrier,
        "unmapped": sorted(k for k, v in unmapped.items() if v) if isinstance(unmapped, dict) else [],
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "broker_status": order.broker_status,
        "cancelled": order.cancelled_at is not None,
    }


@bp.get("/orders/recent")
@session_token_required
def recent_orders():
    try:
        limit = _limit()
    except ValueError as exc:
        return json_error(400, str(exc))
    rows = db.session.execute(select(Order).where(Order.shop_id == g.shop.id)
                              .order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)).scalars()
    return jsonify({"orders": [order_item(o) for o in rows]})


@bp.get("/orders/daily")
@session_token_required
def daily_orders():
    raw = request.args.get("days", "14")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        return json_error(400, f"days must be a whole number from 1 to {MAX_DAYS}")
    days, now, zone = int(raw), datetime.now(timezone.utc), g.shop.timezone
    since = window_start(zone, days, now).replace(tzinfo=None)  # stored naive UTC
    moments = db.session.execute(select(Order.created_at).where(
        Order.shop_id == g.shop.id, Order.created_at >= since)).scalars().all()
    return jsonify({"timezone": zone or "UTC", "days": daily_counts(list(moments), zone, days, now)})


@bp.get("/orders/reconciliation")
@session_token_required
def reconciliation():
    report = latest_report(g.shop.id)
    if report is None:
        return jsonify({"report": None})
    return jsonify({"report": {
        "started_at": json_time(report.started_at), "finished_at": json_time(report.finished_at),
        "days_checked": report.days_checked, "missing": report.missing, "stale": report.stale,
        "refetched": report.refetched, "still_wrong": report.still_wrong,
        "still_wrong_orders": report.still_wrong_orders or [],
    }})


@bp.post("/orders/refetch")
@session_token_required
def refetch_order():
    body = request.get_json(silent=True)
    ref = body.get("order") if isinstance(body, dict) else None
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 255:
        return json_error(400, 'send {"order": "#1001"} (an order name, number or Shopify id)')
    try:
        outcome, order_gid, name = refetch_for_merchant(g.shop, ref)
    except OrderNotFound as exc:
        return json_error(404, str(exc))
    except (NotPermitted, NeedsReauthentication) as exc:
        db.session.rollback()
        return json_error(409, str(exc))
    db.session.commit()
    return jsonify({"outcome": outcome, "id": order_gid, "name": name})


@bp.get("/products/recent")
@session_token_required
def recent_products():
    try:
        limit = _limit()
    except ValueError as exc:
        return json_error(400, str(exc))
    rows = db.session.execute(select(Product).where(Product.shop_id == g.shop.id, Product.deleted_at.is_(None),
                                                    Product.is_placeholder.is_(False))
                              .order_by(Product.created_at.desc(), Product.id.desc()).limit(limit)).scalars().all()
    variants: dict[str, int] = {}
    if rows:
        for pid in db.session.execute(select(Variant.product_shopify_id).where(
                Variant.shop_id == g.shop.id, Variant.product_shopify_id.in_([p.shopify_id for p in rows]),
                Variant.deleted_at.is_(None))).scalars():
            variants[pid] = variants.get(pid, 0) + 1
    return jsonify({"products": [{
        "id": p.shopify_id, "title": p.title, "status": p.status, "vendor": p.vendor,
        "product_type": p.product_type, "oms_product_type": p.oms_product_type,
        "unmapped": bool(p.product_type_unmapped), "variants": variants.get(p.shopify_id, 0),
        "imported_at": json_time(p.created_at),
    } for p in rows]})


@bp.get("/facilities")
@session_token_required
def facilities():
    mapped = dict(db.session.execute(select(Location.facility_id, Location.name).where(
        Location.shop_id == g.shop.id, Location.facility_id.is_not(None))).all())
    rows = db.session.execute(select(Facility).where(Facility.shop_id == g.shop.id)
                              .order_by(Facility.name, Facility.external_id)).scalars()
    return jsonify({"facilities": [{"id": f.external_id, "name": f.name, "sells_online": f.sells_online,
                                    "mapped_to": mapped.get(f.id)} for f in rows]})


@bp.get("/runs")
@session_token_required
def runs():
    flow = request.args.get("flow", "")
    if flow not in FLOWS:
        return json_error(400, f"flow must be one of {', '.join(FLOWS)}")
    try:
        limit = _limit(10)
    except ValueError as exc:
        return json_error(400, str(exc))
    rows = db.session.execute(select(SyncRun).where(SyncRun.shop_id == g.shop.id, SyncRun.flow == flow)
                              .order_by(SyncRun.id.desc()).limit(limit)).scalars()
    return jsonify({"runs": [run_json(r) for r in rows]})


@bp.post("/sync/<flow>/download")
@session_token_required
def download_again(flow: str):
    """A full download (bulk operation) instead of the changes since the last run."""
    if flow not in ("products", "orders"):
        return json_error(404, "only products and orders download everything again")
    reason = skip_reason(g.shop, flow_state(g.shop.id, flow), flow)
    if reason is not None:
        return json_error(409, f"{flow} cannot run: {reason}")
    run, created = queue_run(g.shop.id, flow, "full")
    return jsonify({**run_json(run), "created": created}), 202


@bp.get("/inventory/locations")
@session_token_required
def inventory_by_location():
    rows = db.session.execute(
        select(PushedLevel.location_id, func.count(), func.coalesce(func.sum(PushedLevel.quantity), 0),
               func.max(PushedLevel.pushed_at))
        .where(PushedLevel.shop_id == g.shop.id).group_by(PushedLevel.location_id)).all()
    return jsonify({"locations": [{"id": location_id, "levels": levels, "units": int(units),
                                   "last_pushed_at": json_time(last)} for location_id, levels, units, last in rows]})
