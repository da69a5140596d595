"""Fulfillments out: shipments posted by the OMS become fulfillments in Shopify.

A request (`POST /oms/v1/fulfillments`) is stored first, keyed by the shop and the
OMS's `external_id`; the `fulfillments` flow pushes it with `fulfillmentCreate`
against the order's fulfillment orders, read live from Shopify at push time, one
call per assigned location when the shipment spans several.

Never twice: each part is marked "sending" (committed) before its call. A part
found "sending" on a later run (a crash between Shopify's answer and our commit)
is first looked for among the order's fulfillments in Shopify (same line items
and quantities, same tracking number, created after we started sending, not
claimed by another request); only when it is not there is it sent again.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict, defaultdict
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..models import FulfillmentRequest
from ..shopify.access import AccessLevel
from ..shopify.times import parse_time_or_none
from ..shopify.graphql_client import GraphQLError
from ..shopify.shop_domain import InvalidShopDomain, validate_shop_domain
from .flows import RunContext, register_flow
from .locations import queue_run
from .shop import find_shop

log = logging.getLogger(__name__)

ORDER_GID = "gid://shopify/Order/"
LINE_ITEM_GID = "gid://shopify/LineItem/"
FULFILLABLE_STATUSES = ("OPEN", "IN_PROGRESS")
MAX_ATTEMPTS = 8
MAX_LINES = 250
CLOCK_SLACK = timedelta(minutes=5)


class RequestInvalid(ValueError):
    def __init__(self, status: int, message: str, details: list | None = None):
        super().__init__(message)
        self.status = status
        self.details = details or []


# --- validation (pure) -------------------------------------------------------------

def gid_of(prefix: str, value) -> str | None:
    """A Shopify id as a GID, from a GID or a (string or integer) numeric id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**63:
        return f"{prefix}{value}"
    text = str(value or "").strip() if isinstance(value, str) else ""
    num = text[len(prefix):] if text.startswith(prefix) else text
    ok = num.isascii() and num.isdigit() and len(num) <= 19 and 0 < int(num) < 2**63
    return f"{prefix}{num}" if ok else None


def _text(value, name: str, errors: list, required: bool = False, max_len: int = 255) -> str | None:
    if value is None:
        if required:
            errors.append(f"{name} is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
        errors.append(f"{name} must be a{' non-empty' if required else ''} string of at most {max_len} characters")
        return None
    return value.strip() or None


def validate_lines(lines, errors: list, allow_empty: bool = False) -> list[dict]:
    out = []
    if not isinstance(lines, list) or (not lines and not allow_empty):
        errors.append("lines must be a non-empty array of {sku or line_item_id, quantity}")
        return out
    if len(lines) > MAX_LINES:
        errors.append(f"at most {MAX_LINES} lines")
        return out
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            errors.append(f"lines[{i}] must be an object")
            continue
        qty = line.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty < 2**31:
            errors.append(f"lines[{i}].quantity must be a positive whole number")
            continue
        has_sku = line.get("sku") is not None
        has_line = line.get("line_item_id") is not None
        if has_sku == has_line:
            errors.append(f"lines[{i}] needs exactly one of sku and line_item_id")
            continue
        if has_line:
            gid = gid_of(LINE_ITEM_GID, line["line_item_id"])
            if gid is None:
                errors.append(f"lines[{i}].line_item_id must be a Shopify line item id")
                continue
            out.append({"line_item_id": gid, "quantity": qty})
        else:
            sku = line["sku"]
            if not isinstance(sku, str) or not sku.strip() or len(sku) > 255:
                errors.append(f"lines[{i}].sku must be a non-empty string")
                continue
            out.append({"sku": sku.strip(), "quantity": qty})
    return out


def validate_tracking(tracking, errors: list) -> dict | None:
    if tracking is None:
        return None
    if not isinstance(tracking, dict):
        errors.append("tracking must be an object {company, number, url}")
        return None
    unknown = sorted(set(tracking) - {"company", "number", "url"})
    if unknown:
        errors.append(f"tracking has unknown field(s): {', '.join(unknown)}")
    company = _text(tracking.get("company"), "tracking.company", errors)
    number = _text(tracking.get("number"), "tracking.number", errors)
    url = _text(tracking.get("url"), "tracking.url", errors, max_len=2000)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append("tracking.url must be an http(s) URL")
    clean = {"company": company, "number": number, "url": url}
    return clean if any(clean.values()) else None


def validate_shop_and_order(body: dict, errors: list) -> tuple[str | None, str | None]:
    shop = body.get("shop")
    try:
        shop = validate_shop_domain(shop) if isinstance(shop, str) else None
    except InvalidShopDomain:
        shop = None
    if shop is None:
        errors.append("shop must be a shop's myshopify.com domain")
    order = gid_of(ORDER_GID, body.get("order_id"))
    if order is None:
        errors.append("order_id must be a Shopify order id (gid://shopify/Order/N or N)")
    return shop, order


def validate_fulfillment_body(body) -> tuple[dict, list[str]]:
    """`POST /oms/v1/fulfillments` -> (clean request, errors)."""
    errors: list[str] = []
    if not isinstance(body, dict):
        return {}, ["the body must be a JSON object"]
    known = {"shop", "order_id", "lines", "tracking", "notify_customer", "external_id"}
    unknown = sorted(set(body) - known)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    shop, order = validate_shop_and_order(body, errors)
    external_id = _text(body.get("external_id"), "external_id", errors, required=True)
    lines = validate_lines(body.get("lines"), errors)
    tracking = validate_tracking(body.get("tracking"), errors)
    notify = body.get("notify_customer", False)
    if not isinstance(notify, bool):
        errors.append("notify_customer must be true or false")
    clean = {
        "shop": shop,
        "order_id": order,
        "lines": lines,
        "tracking": tracking,
        "notify_customer": bool(notify) if isinstance(notify, bool) else False,
        "external_id": external_id,
    }
    return clean, errors


def body_hash(clean: dict) -> str:
    return hashlib.sha256(json.dumps(clean, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- planning (pure) ----------------------------------------------------------------

def resolve_lines(lines: list[dict], order_lines: list[dict]) -> tuple[list[dict], list[dict]]:
    """Turn request lines (sku or line_item_id) into order line items with quantities.

    A SKU matching several order lines takes from each in order. Returns (wanted, errors):
    wanted is [{"line_item_id", "quantity"}] merged per line item.
    """
    by_id = {li["id"]: li for li in order_lines}
    by_sku: dict[str, list[dict]] = defaultdict(list)
    for li in order_lines:
        if li.get("sku"):
            by_sku[li["sku"]].append(li)
    wanted: dict[str, int] = OrderedDict()
    errors = []
    for i, line in enumerate(lines):
        if "line_item_id" in line:
            if line["line_item_id"] not in by_id:
                errors.append({"field": ["lines", str(i), "line_item_id"], "message": "not a line item of this order"})
                continue
            wanted[line["line_item_id"]] = wanted.get(line["line_item_id"], 0) + line["quantity"]
        else:
            candidates = by_sku.get(line["sku"]) or []
            if not candidates:
                errors.append({"field": ["lines", str(i), "sku"], "message": f"no line of this order has SKU {line['sku']!r}"})
                continue
            need = line["quantity"]
            for li in candidates:
                room = int(li.get("quantity") or 0) - wanted.get(li["id"], 0)
                take = min(room, need) if li is not candidates[-1] else need
                if take > 0:
                    wanted[li["id"]] = wanted.get(li["id"], 0) + take
                    need -= take
                if need <= 0:
                    break
    return [{"line_item_id": k, "quantity": v} for k, v in wanted.items()], errors


def plan_fulfillment(wanted: list[dict], fulfillment_orders: list[dict]) -> tuple[list[dict], list[dict]]:
    """Allocate the wanted quantities to fulfillment order line items with room left,
    grouped into one part per assigned location (fulfillmentCreate takes one location).

    Returns (parts, errors). A part: {"location_id", "items": [{"fulfillment_order_id",
    "id", "line_item_id", "quantity"}], "status": "pending"}.
    """
    room: list[tuple[dict, dict]] = []
    for fo in fulfillment_orders:
        if fo.get("status") not in FULFILLABLE_STATUSES:
            continue
        for foli in ((fo.get("lineItems") or {}).get("nodes") or []):
            if int(foli.get("remainingQuantity") or 0) > 0:
                room.append((fo, foli))
    parts: "OrderedDict[str, dict]" = OrderedDict()
    errors = []
    for want in wanted:
        need = want["quantity"]
        for fo, foli in room:
            if (foli.get("lineItem") or {}).get("id") != want["line_item_id"] or need <= 0:
                continue
            left = int(foli["remainingQuantity"]) - foli.get("_taken", 0)
            take = min(left, need)
            if take <= 0:
                continue
            foli["_taken"] = foli.get("_taken", 0) + take
            need -= take
            loc = (((fo.get("assignedLocation") or {}).get("location")) or {}).get("id") or "unassigned"
            part = parts.setdefault(loc, {"location_id": loc, "items": [], "status": "pending"})
            part["items"].append({"fulfillment_order_id": fo["id"], "id": foli["id"],
                                  "line_item_id": want["line_item_id"], "quantity": take})
        if need > 0:
            errors.append({"field": ["lines"], "message": f"line item {want['line_item_id']} has only "
                                                          f"{want['quantity'] - need} left to fulfil, "
                                                          f"{want['quantity']} asked"})
    for _fo, foli in room:
        foli.pop("_taken", None)
    return list(parts.values()), errors


def truncated(order: dict) -> bool:
    """Whether the order query left line items or fulfillment orders out (a page limit)."""
    def more(conn) -> bool:
        return bool(((conn or {}).get("pageInfo") or {}).get("hasNextPage"))

    fos = order.get("fulfillmentOrders") or {}
    return more(order.get("lineItems")) or more(fos) or any(more(fo.get("lineItems")) for fo in fos.get("nodes") or [])


def fulfillment_input(part: dict, tracking: dict | None, notify: bool) -> dict:
    groups: "OrderedDict[str, list]" = OrderedDict()
    for item in part["items"]:
        groups.setdefault(item["fulfillment_order_id"], []).append({"id": item["id"], "quantity": item["quantity"]})
    out = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items} for fo, items in groups.items()
        ],
        "notifyCustomer": bool(notify),
    }
    if tracking:
        out["trackingInfo"] = {k: v for k, v in tracking.items() if v}
    return out


def _line_quantities(items) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for item in items:
        out[item["line_item_id"]] += item["quantity"]
    return dict(out)


def find_existing(part: dict, tracking: dict | None, fulfillments: list[dict], claimed: set[str],
                  since: datetime | None) -> str | None:
    """The id of a fulfillment in Shopify that is this part already sent, or None."""
    want = _line_quantities(part["items"])
    number = (tracking or {}).get("number")
    for f in fulfillments:
        if f.get("id") in claimed:
            continue
        got: dict[str, int] = defaultdict(int)
        for node in ((f.get("fulfillmentLineItems") or {}).get("nodes") or []):
            got[(node.get("lineItem") or {}).get("id")] += int(node.get("quantity") or 0)
        if dict(got) != want:
            continue
        numbers = {t.get("number") for t in (f.get("trackingInfo") or [])}
        if number and number not in numbers:
            continue
        if since is not None:
            created = parse_time_or_none(f.get("createdAt"))
            if created is not None and created < since - CLOCK_SLACK:
                continue
        return f["id"]
    return None


# --- requests -----------------------------------------------------------------------

def submit_fulfillment(body) -> tuple[FulfillmentRequest, bool]:
    """Store a request. Returns (request, created). Raises RequestInvalid (400/404/409)."""
    clean, errors = validate_fulfillment_body(body)
    if errors:
        raise RequestInvalid(400, "; ".join(errors), errors)
    shop = find_shop(clean["shop"])
    if shop is None:
        raise RequestInvalid(404, f"unknown shop {clean['shop']}")
    digest = body_hash(clean)
    existing = find_request(shop.id, clean["external_id"])
    if existing is not None:
        if existing.body_hash != digest:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        return existing, False
    req = FulfillmentRequest(
        shop_id=shop.id,
        external_id=clean["external_id"],
        order_id=clean["order_id"],
        lines=clean["lines"],
        tracking=clean["tracking"],
        notify_customer=clean["notify_customer"],
        body_hash=digest,
        status="pending",
        parts=[],
        fulfillment_ids=[],
        user_errors=[],
        attempts=0,
    )
    db.session.add(req)
    try:
        queue_run(shop.id, "fulfillments", trigger="manual")
        db.session.commit()
    except Exception:
        db.session.rollback()
        existing = find_request(shop.id, clean["external_id"])  # posted twice at once
        if existing is not None and existing.body_hash == digest:
            return existing, False
        if existing is not None:
            raise RequestInvalid(409, f"external_id {clean['external_id']!r} was already used with a different body")
        raise
    return req, True


def find_request(shop_id: int, external_id: str) -> FulfillmentRequest | None:
    return db.session.execute(
        select(FulfillmentRequest).where(
            FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.external_id == external_id
        )
    ).scalar_one_or_none()


def request_json(req: FulfillmentRequest, shop_domain: str) -> dict:
    return {
        "shop": shop_domain,
        "external_id": req.external_id,
        "order_id": req.order_id,
        "lines": req.lines,
        "tracking": req.tracking,
        "notify_customer": req.notify_customer,
        "status": req.status,
        "fulfillment_ids": req.fulfillment_ids or [],
        "parts": [
            {"location_id": p.get("location_id"), "status": p.get("status"), "fulfillment_id": p.get("fulfillment_id"),
             "lines": [{"line_item_id": i["line_item_id"], "quantity": i["quantity"]} for i in p.get("items", [])]}
            for p in (req.parts or [])
        ],
        "user_errors": req.user_errors or [],
        "error": req.error,
        "attempts": req.attempts,
        "created_at": req.created_at.isoformat() if req.created_at else None,
        "sent_at": req.sent_at.isoformat() if req.sent_at else None,
    }


# --- the push ------------------------------------------------------------------------------

def _claimed_ids(shop_id: int, order_id: str, except_id: int) -> set[str]:
    """Shopify fulfillments of this order that other requests already own."""
    rows = db.session.execute(
        select(FulfillmentRequest.fulfillment_ids).where(
            FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.order_id == order_id,
            FulfillmentRequest.id != except_id,
        )
    ).scalars()
    return {fid for ids in rows for fid in (ids or [])}


def _fail(req: FulfillmentRequest, errors: list[dict], message: str) -> None:
    req.status = "failed"
    req.user_errors = errors
    req.error = message
    db.session.commit()


def push_request(client, req: FulfillmentRequest, after_call=None) -> str:
    """Push one request; returns its new status. `after_call` is a test hook called
    right after Shopify answered and before we commit."""
    if req.status in ("fulfilled", "failed"):
        return req.status
    req.attempts = (req.attempts or 0) + 1
    db.session.commit()
    order = (client.execute("fulfillment_order_state", {"id": req.order_id}) or {}).get("order")
    if order is None:
        _fail(req, [{"field": ["order_id"], "message": "order not found in Shopify"}], "order not found")
        return req.status
    parts = [dict(p) for p in (req.parts or [])]
    fulfillments: list[dict] = []
    if any(p.get("status") == "sending" for p in parts):
        found = (client.execute("fulfillment_order_fulfillments", {"id": req.order_id}) or {}).get("order") or {}
        fulfillments = found.get("fulfillments") or []
    claimed = _claimed_ids(req.shop_id, req.order_id, req.id)

    # A crash left parts "sending": were they fulfilled?
    for part in parts:
        if part.get("status") == "sending":
            since = parse_time_or_none(part.get("sending_at"))
            found = find_existing(part, req.tracking, fulfillments, claimed | set(req.fulfillment_ids or []), since)
            if found:
                part["status"] = "done"
                part["fulfillment_id"] = found
                req.fulfillment_ids = [*(req.fulfillment_ids or []), found]
            else:
                part["status"] = "pending"
    if not any(p.get("status") == "done" for p in parts):
        if truncated(order):
            _fail(req, [{"field": ["order_id"], "message": "the order has more line items or fulfillment orders "
                                                          "than one query reads (50 lines, 5 fulfillment orders)"}],
                  "order too large to plan")
            return req.status
        # Nothing sent yet: plan against the fulfillment orders as they are now.
        wanted, errors = resolve_lines(req.lines or [], (order.get("lineItems") or {}).get("nodes") or [])
        if not errors:
            parts, errors = plan_fulfillment(wanted, (order.get("fulfillmentOrders") or {}).get("nodes") or [])
        if errors:
            _fail(req, errors, "the order cannot take this fulfillment")
            return req.status
    req.parts = parts
    db.session.commit()

    for index, part in enumerate(parts):
        if part.get("status") == "done":
            continue
        part["status"] = "sending"
        part["sending_at"] = datetime.now(timezone.utc).isoformat()
        req.parts = [dict(p) for p in parts]
        req.status = "sending"
        db.session.commit()  # recorded before the call: a crash after it is found on resume
        data = client.execute(
            "fulfillment_create",
            {"fulfillment": fulfillment_input(part, req.tracking, req.notify_customer)},
        )
        if after_call is not None:
            after_call(req, index, data)
        payload = data.get("fulfillmentCreate") or {}
        errors = payload.get("userErrors") or []
        if errors or not payload.get("fulfillment"):
            part["status"] = "failed"
            req.parts = [dict(p) for p in parts]
            _fail(req, [{"field": e.get("field"), "message": e.get("message")} for e in errors]
                  or [{"field": None, "message": "Shopify returned no fulfillment"}],
                  "Shopify refused the fulfillment")
            return req.status
        fid = payload["fulfillment"]["id"]
        part["status"] = "done"
        part["fulfillment_id"] = fid
        req.fulfillment_ids = [*(req.fulfillment_ids or []), fid]
        req.parts = [dict(p) for p in parts]
        db.session.commit()
    req.status = "fulfilled"
    req.sent_at = datetime.now(timezone.utc)
    req.error = None
    req.user_errors = []
    db.session.commit()
    return req.status


def pending_requests(shop_id: int) -> list[FulfillmentRequest]:
    return list(db.session.execute(
        select(FulfillmentRequest)
        .where(FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.status.in_(("pending", "sending")))
        .order_by(FulfillmentRequest.id)
    ).scalars())


@register_flow("fulfillments", min_level=AccessLevel.READ_WRITE, default_interval_minutes=5)
def run_fulfillments(ctx: RunContext) -> None:
    """Push the OMS's shipments to Shopify (and returns as refunds when the shop uploads them)."""
    from .refunds import push_pending_returns

    for req in pending_requests(ctx.shop.id):
        try:
            status = push_request(ctx.client, req)
        except GraphQLError as exc:
            db.session.rollback()
            req = db.session.merge(req)
            req.error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if (req.attempts or 0) >= MAX_ATTEMPTS:
                req.status = "failed"
            db.session.commit()
            ctx.count("errors")
            continue
        ctx.count(status)
    push_pending_returns(ctx)
