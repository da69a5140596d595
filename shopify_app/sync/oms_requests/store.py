"""Fulfillment and return requests stored once per (shop, external_id); the pending ones
pushed in turn, a push that failed on Shopify's side recorded against its request."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from ...extensions import db
from ...models import FulfillmentRequest, ReturnRequest, Shop
from ...shopify.graphql_client import GraphQLError
from ..flows import RunContext
from ..run_queue import queue_run
from ..shop import find_shop
from ..tenancy import ALL_STORES, Tenancy
from ..shop_gate import is_inactive
from .checks import EXTERNAL_ID_REUSED, UNKNOWN_SHOP, RequestInvalid, body_hash

MAX_ATTEMPTS = 8  # pushes of one request before it is given up as failed
PUSH_FLOW = "fulfillments"  # the flow that pushes fulfillments and refunds

Request = TypeVar("Request", FulfillmentRequest, ReturnRequest)


def find_request(model: type[Request], shop_id: int, external_id: str) -> Request | None:
    return db.session.execute(
        select(model).where(model.shop_id == shop_id, model.external_id == external_id)
    ).scalar_one_or_none()


def pending_requests(model: type[Request], shop_id: int) -> list[Request]:
    """The shop's requests still to push (or found mid-push), oldest first."""
    return list(db.session.execute(
        select(model).where(model.shop_id == shop_id, model.status.in_(("pending", "sending"))).order_by(model.id)
    ).scalars())


def _reused(external_id: str) -> RequestInvalid:
    return RequestInvalid(EXTERNAL_ID_REUSED, f"external_id {external_id!r} was already used with a different body")


def store_once(model: type[Request], clean: dict, build: Callable[[Shop, str], tuple[Request, bool]],
               tenancy: Tenancy = ALL_STORES) -> tuple[Request, bool]:
    """Store a clean request unless its external id is known: (request, created).

    The same body again returns the stored request; another body under the same external id
    is refused (EXTERNAL_ID_REUSED), also when both are posted at once. `build(shop, body_hash)` makes the
    new record and says whether the push flow should run for it. Raises RequestInvalid
    (UNKNOWN_SHOP, also for a shop the tenancy does not see; EXTERNAL_ID_REUSED)."""
    shop = find_shop(clean["shop"])
    if not tenancy.sees(shop):
        raise RequestInvalid(UNKNOWN_SHOP, f"unknown shop {clean['shop']}")
    digest = body_hash(clean)
    existing = find_request(model, shop.id, clean["external_id"])
    if existing is not None:
        if existing.body_hash != digest:
            raise _reused(clean["external_id"])
        return existing, False
    req, push = build(shop, digest)
    db.session.add(req)
    try:
        # An inactive shop's request is kept, pending, and pushed by the run its activation queues.
        if push and not is_inactive(shop):
            queue_run(shop.id, PUSH_FLOW, trigger="manual")
        db.session.commit()
    except Exception:
        db.session.rollback()
        existing = find_request(model, shop.id, clean["external_id"])  # posted twice at once
        if existing is not None and existing.body_hash == digest:
            return existing, False
        if existing is not None:
            raise _reused(clean["external_id"])
        raise
    return req, True


def push_pending(ctx: RunContext, model: type[Request], push: Callable[[object, Request], str], *,
                 counter_prefix: str = "") -> None:
    """Push each of the shop's pending requests; counts each outcome (`<prefix><status>`,
    `<prefix>errors` when Shopify failed)."""
    for req in pending_requests(model, ctx.shop.id):
        try:
            status = push(ctx.client, req)
        except GraphQLError as exc:
            record_push_error(req, exc)
            ctx.count(f"{counter_prefix}errors")
            continue
        ctx.count(f"{counter_prefix}{status}")


def record_push_error(req: Request, exc: Exception) -> Request:
    """Shopify failed a push (after the client's retries): noted on the request, which is
    given up after MAX_ATTEMPTS; the next run tries again before that. Returns the
    request as this session now holds it."""
    db.session.rollback()
    req = db.session.merge(req)
    req.error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if (req.attempts or 0) >= MAX_ATTEMPTS:
        req.status = "failed"
    db.session.commit()
    return req
