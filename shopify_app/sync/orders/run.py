"""The orders flow's runs: what a scheduled run does, the daily reconciliation, and
refetching one order.

- first run: a bulk operation over the orders the import filter wants;
- later runs: every order updated since the cursor minus an overlap window (pages, or
  a bulk operation when the change set is large); orders already held take every
  change, new ones the import filter;
- reconciliation compares Shopify's counts per day with ours and fetches the days
  that are short (upserts make it safe).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ...extensions import db
from ...models import Order, Shop
from ...shopify.access import AccessLevel
from ...shopify.times import search_time
from .. import bulk
from ..connection import client_for
from ..flows import RunContext
from .fetch import bulk_query, fetch_order, order_count, order_pages
from .filter import import_query
from .mapper import Mapper
from .normalize import order_from_node
from .sink import OrderSink
from .write import apply_order, held_orders

log = logging.getLogger(__name__)

FLOW = "orders"
OVERLAP = timedelta(minutes=10)
BULK_THRESHOLD = 1000
RECONCILE_DAYS = 7


def run_bulk(ctx: RunContext, search: str, *, first: bool, move_cursor: bool = True) -> None:
    """Start (or pick up) a bulk operation over a search and stream it in."""
    sink = OrderSink(ctx.shop.id, Mapper(ctx.shop.id), ctx, settings=ctx.shop.settings, filter_new=not first)
    result = bulk.run(ctx, bulk_query(search), sink, kind="orders", extra={"search": search, "first": first})
    if move_cursor:
        ctx.commit_cursor(result.operation["started_at"])


def import_pages(ctx: RunContext, search: str, *, only_held_or_wanted: bool) -> int:
    """Apply the orders of a search page by page, one transaction a page."""
    mapper = Mapper(ctx.shop.id)
    done = 0
    for nodes in order_pages(ctx.client, search):
        for node in nodes:
            outcome = apply_order(ctx.shop.id, order_from_node(node), mapper, settings=ctx.shop.settings,
                                  only_held_or_wanted=only_held_or_wanted)
            ctx.count(f"orders_{outcome}")
            if outcome == "applied":
                ctx.count("orders")
        mapper.record()
        db.session.commit()
        done += len(nodes)
        ctx.report_progress(objects=done)
    return done


def refetch(shop: Shop, order_gid: str) -> str:
    """Fetch one whole order and apply it (for webhooks whose payload is partial).
    No commit."""
    node = fetch_order(client_for(shop, min_level=AccessLevel.READ), order_gid)
    if node is None:
        return "missing"
    held = held_orders(shop.id, [order_gid])
    return apply_order(shop.id, order_from_node(node), Mapper(shop.id), settings=shop.settings,
                       only_held_or_wanted=not held)


def reconcile(ctx: RunContext) -> None:
    """Per day, for the last days: Shopify's count of importable orders against ours;
    a day that is short is fetched again."""
    today = datetime.now(timezone.utc).date()
    base = import_query(ctx.shop.settings)
    short = 0
    for back in range(RECONCILE_DAYS):
        day = today - timedelta(days=back)
        start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
        end = start + timedelta(days=1)
        search = f"{base} AND created_at:>='{search_time(start)}' AND created_at:<'{search_time(end)}'"
        theirs = order_count(ctx.client, search)
        ours = db.session.execute(select(func.count()).select_from(Order).where(
            Order.shop_id == ctx.shop.id, Order.shopify_created_at >= start, Order.shopify_created_at < end)).scalar_one()
        if theirs > ours:
            short += 1
            log.warning("%s: %s orders in Shopify on %s, %s here: fetching the day", ctx.shop.domain, theirs, day, ours)
            import_pages(ctx, search, only_held_or_wanted=False)
    ctx.count("days_short", short)


def order_stats(shop: Shop) -> dict:
    recent = datetime.now(timezone.utc) - timedelta(minutes=15)
    total = db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar_one()
    new = db.session.execute(select(func.count()).select_from(Order).where(
        Order.shop_id == shop.id, Order.created_at >= recent)).scalar_one()
    return {"imported_15m": new, "total": total}


def run_orders(ctx: RunContext) -> None:
    """Orders, Shopify to OMS."""
    pending = (ctx.state.state or {}).get("bulk")
    if pending and pending.get("kind") == "orders":
        return run_bulk(ctx, pending.get("search") or "", first=bool(pending.get("first")))
    if ctx.cursor is None:
        return run_bulk(ctx, import_query(ctx.shop.settings), first=True)
    started = datetime.now(timezone.utc)
    since = bulk.window_start(ctx.cursor, OVERLAP)
    search = f"updated_at:>='{search_time(since)}'"
    changed = order_count(ctx.client, search)
    ctx.report_progress(changed=changed)
    if changed > BULK_THRESHOLD:
        run_bulk(ctx, search, first=False)
    else:
        import_pages(ctx, search, only_held_or_wanted=True)
        ctx.commit_cursor(search_time(started))
    if ctx.trigger == "reconcile":
        reconcile(ctx)
