"""Pushing one fulfillment request to Shopify (`fulfillmentCreate`), never twice.

Each part is marked "sending" (committed) before its call. A part found "sending" on
a later push (a crash between Shopify's answer and our commit) is first looked for
among its fulfillment order's fulfillments in Shopify; only when it is surely not there
is it sent again.
A call whose answer is lost (OutcomeUnknown: the client never resends a mutation) is
looked for the same way at once: found, it is recorded with Shopify's id; not found,
the part stays "sending" and the next push looks again before it sends.

A part is looked for among the fulfillments of its (first) fulfillment order, every
page of them. When they cannot all be read (more pages than FULFILLMENT_PAGES, or a
fulfillment with more lines than one page) and the part may be in what was not read,
nothing is sent: the request stays "sending", its error says why, and the next push
looks again.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...models import FulfillmentRequest
from ...shopify.graphql_client import OutcomeUnknown
from ...shopify.times import parse_time_or_none
from ..oms_requests.checks import resolve_lines
from .plan import NOT_KNOWN_YET, NotKnownYet, find_existing, fulfillment_input, plan_fulfillment, truncated

# Pages of a fulfillment order's fulfillments read when looking for a part (8 a page:
# 240). Beyond, whether the part was sent is not known, and it is not sent again.
FULFILLMENT_PAGES = 30
NOT_ALL_READ = ("Shopify's fulfillments could not all be read (a page limit), and the fulfillment may be "
                "among those not read: not sent again; looked for again on the next push")


def _claimed_ids(shop_id: int, order_id: str, except_id: int) -> set[str]:
    """Shopify fulfillments of this order that other requests already own."""
    rows = db.session.execute(
        select(FulfillmentRequest.fulfillment_ids).where(
            FulfillmentRequest.shop_id == shop_id, FulfillmentRequest.order_id == order_id,
            FulfillmentRequest.id != except_id,
        )
    ).scalars()
    return {fid for ids in rows for fid in (ids or [])}


class ShopifyFulfillments:
    """The fulfillments of each fulfillment order a push looks in, each read once."""

    def __init__(self, client):
        self.client = client
        self.read: dict[str, tuple[list[dict], bool]] = {}

    def of(self, fulfillment_order_id: str) -> tuple[list[dict], bool]:
        """(fulfillments, all_read): every page, up to FULFILLMENT_PAGES of them."""
        if fulfillment_order_id not in self.read:
            self.read[fulfillment_order_id] = self._read_pages(fulfillment_order_id)
        return self.read[fulfillment_order_id]

    def _read_pages(self, fulfillment_order_id: str) -> tuple[list[dict], bool]:
        found: list[dict] = []
        after = None
        for _page in range(FULFILLMENT_PAGES):
            data = self.client.execute("fulfillment_order_fulfillments", {"id": fulfillment_order_id, "after": after})
            connection = ((data or {}).get("fulfillmentOrder") or {}).get("fulfillments") or {}
            found.extend(connection.get("nodes") or [])
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return found, True  # a fulfillment order Shopify does not know has no fulfillments either
            after = page.get("endCursor")
        return found, False


def _already_sent(part: dict, req: FulfillmentRequest, shopify: ShopifyFulfillments,
                  claimed: set[str]) -> str | NotKnownYet | None:
    fulfillments, all_read = shopify.of(part["items"][0]["fulfillment_order_id"])
    since = parse_time_or_none(part.get("sending_at"))
    return find_existing(part, req.tracking, fulfillments, claimed | set(req.fulfillment_ids or []), since, all_read)


def _record_done(req: FulfillmentRequest, parts: list[dict], part: dict, fid: str) -> None:
    part["status"] = "done"
    part["fulfillment_id"] = fid
    req.fulfillment_ids = [*(req.fulfillment_ids or []), fid]
    req.parts = [dict(p) for p in parts]


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
    shopify = ShopifyFulfillments(client)
    claimed = _claimed_ids(req.shop_id, req.order_id, req.id)

    # A crash (or a lost answer) left parts "sending": were they fulfilled? Each is
    # decided before any is changed: one that cannot be told stops the whole push.
    found: dict[int, str | NotKnownYet | None] = {}
    taken = set(claimed)
    for index, part in enumerate(parts):
        if part.get("status") == "sending":
            found[index] = _already_sent(part, req, shopify, taken)
            if isinstance(found[index], str):
                taken.add(found[index])  # one fulfillment is one part, never two
    if any(fid is NOT_KNOWN_YET for fid in found.values()):
        req.error = NOT_ALL_READ
        db.session.commit()
        return req.status  # still "sending": nothing sent, nothing forgotten
    for index, fid in found.items():
        if fid:
            _record_done(req, parts, parts[index], fid)
        else:
            parts[index]["status"] = "pending"
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
        try:
            data = client.execute(
                "fulfillment_create",
                {"fulfillment": fulfillment_input(part, req.tracking, req.notify_customer)},
            )
        except OutcomeUnknown as exc:
            # Shopify may have fulfilled it: its state decides, never a blind resend.
            fid = _already_sent(part, req, ShopifyFulfillments(client), claimed)
            if fid is None or fid is NOT_KNOWN_YET:
                req.error = (f"Shopify's answer was lost and the fulfillment is not there (yet): {exc}" if fid is None
                             else f"Shopify's answer was lost: {exc}; {NOT_ALL_READ}")[:2000]
                db.session.commit()
                return req.status  # "sending": the next push looks again, and only then sends
            _record_done(req, parts, part, fid)
            db.session.commit()
            continue
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
        _record_done(req, parts, part, payload["fulfillment"]["id"])
        db.session.commit()
    req.status = "fulfilled"
    req.sent_at = datetime.now(timezone.utc)
    req.error = None
    req.user_errors = []
    db.session.commit()
    return req.status
