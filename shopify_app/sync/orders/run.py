"""The orders flow's runs: what a scheduled run does, and refetching one order.

- first run: a bulk operation over the orders the import filter wants;
- later runs: every order updated since the cursor minus an overlap window (pages, or
  a bulk operation when the change set is large); orders already held take every
  change, new ones the import filter;
- the `reconcile` trigger also runs the daily reconciliation (`reconcile`);
- one order re-fetched by its id or name (`refetch_by_reference`, the CLI's).

The overlap: Shopify's search index lags its writes, so an order committed just before
the cursor may become visible only after the run that set it. Each run searches from
OVERLAP before its cursor, and the cursor is the moment the run *started* (never the
newest `updatedAt` it saw). Orders seen again in the overlap are counted
`orders_unchanged`: the newer-wins upserts leave them, and their `updated_at`, as
they were, so the OMS gets no duplicate.

A poison order (one that fails to apply) is recorded in the run's counts
(`failed_orders`: id, name, error; `orders_failed`) and the others go on, in pages
(`apply_page`) and in bulk downloads (`sink`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ...extensions import db
from ...models import Order, Shop
from ...shopify.access import AccessLevel
from ...shopify.gids import gid_of
from ...shopify.times import search_time
from .. import bulk, mappings
from ..connection import client_for, denied_as_not_permitted
from ..flows import RunContext
from ..mappings.catalogue import kinds_carried_by
from .fetch import bulk_query, fetch_order, find_by_name, order_count, order_pages
from .filter import import_query
from .mapper import Mapper
from .normalize import order_from_node
from .reconcile import reconcile
from .sink import OrderSink, failure_of
from .write import apply_order, held_orders

log = logging.getLogger(__name__)

FLOW = "orders"
OVERLAP = timedelta(minutes=10)
BULK_THRESHOLD = 1000
MAX_FAILED_LISTED = 50


class OrderNotFound(LookupError):
    """No order in Shopify has that id or name."""


def record_failures(ctx: RunContext, failures: list[dict]) -> None:
    """Orders that could not be applied, in the run's counts (`failed_orders`, the last
    MAX_FAILED_LISTED) with their number (`orders_failed`); written by the next commit."""
    if failures:
        listed = [*(ctx.run.counts or {}).get("failed_orders", []), *failures][-MAX_FAILED_LISTED:]
        ctx.run.counts = {**(ctx.run.counts or {}), "failed_orders": listed}
        ctx.count("orders_failed", len(failures))


def run_bulk(ctx: RunContext, search: str, *, first: bool, move_cursor: bool = True) -> None:
    """Start (or pick up) a bulk operation over a search and stream it in."""
    sink = OrderSink(ctx.shop.id, Mapper(ctx.shop.id), ctx, settings=ctx.shop.settings, filter_new=not first)
    result = bulk.run(ctx, bulk_query(search), sink, kind="orders", extra={"search": search, "first": first})
    record_failures(ctx, sink.failures)
    if move_cursor:
        ctx.commit_cursor(result.operation["started_at"])
    else:
        db.session.commit()


def apply_page(ctx: RunContext, nodes: list[dict], mapper: Mapper, *, only_held_or_wanted: bool
               ) -> tuple[list[str], list[dict]]:
    """Apply a page's orders in the open transaction: (outcomes, failures). An order that
    fails rolls the page back and the page is applied again without it (no savepoints:
    SQLite cannot upgrade a savepoint's read snapshot once a webhook has written), so
    one bad order never blocks the rest."""
    failures: list[dict] = []
    failed: set = set()
    while True:
        outcomes = []
        current = None
        try:
            for node in nodes:
                if node.get("id") in failed:
                    continue
                current = node
                outcomes.append(apply_order(ctx.shop.id, order_from_node(node), mapper, settings=ctx.shop.settings,
                                            only_held_or_wanted=only_held_or_wanted))
            return outcomes, failures
        except Exception as exc:  # a poison order: recorded, never blocking the rest
            db.session.rollback()
            log.warning("%s: order %s could not be applied: %s", ctx.shop.domain, current.get("id"), exc)
            failures.append(failure_of(current, exc))
            failed.add(current.get("id"))


def import_pages(ctx: RunContext, search: str, *, only_held_or_wanted: bool) -> int:
    """Apply the orders of a search page by page, one transaction a page; an order that
    fails is recorded and the others go on."""
    mapper = Mapper(ctx.shop.id)
    done = 0
    for nodes in order_pages(ctx.client, search):
        outcomes, failures = apply_page(ctx, nodes, mapper, only_held_or_wanted=only_held_or_wanted)
        for outcome in outcomes:
            ctx.count(f"orders_{outcome}")
        if "applied" in outcomes:
            ctx.count("orders", outcomes.count("applied"))
        mapper.record()
        record_failures(ctx, failures)
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


def refetch_by_reference(shop: Shop, ref: str) -> tuple[str, str, str | None]:
    """Re-fetch one order named by its Shopify id (GID or number) or its name (`#1001`
    or `1001`: a number is tried as an id first) and apply it, whatever the import
    filter says (someone asked for this order). Returns (outcome, GID, name); raises
    OrderNotFound. No commit."""
    client = client_for(shop, min_level=AccessLevel.READ)
    ref = ref.strip()
    node = None
    order_gid = None if ref.startswith("#") else gid_of("Order", ref)
    if order_gid is not None:
        node = fetch_order(client, order_gid)
    if node is None and ref and not ref.startswith("gid://") and not set(ref) & set("'\"\\"):  # no search syntax
        node = find_by_name(client, ref if ref.startswith("#") else f"#{ref}")
    if node is None:
        raise OrderNotFound(f"no order {ref!r} in {shop.domain}")
    mapper = Mapper(shop.id)
    outcome = apply_order(shop.id, order_from_node(node), mapper, settings=shop.settings, only_held_or_wanted=False)
    mapper.record()
    return outcome, node["id"], node.get("name")


@denied_as_not_permitted()
def refetch_for_merchant(shop: Shop, ref: str) -> tuple[str, str, str | None]:
    """`refetch_by_reference` as the merchant's page asks it: NotPermitted where the
    operator's console and the CLI see AccessDenied (or ShopInactive)."""
    return refetch_by_reference(shop, ref)


def order_stats(shop: Shop) -> dict:
    recent = datetime.now(timezone.utc) - timedelta(minutes=15)
    total = db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar_one()
    new = db.session.execute(select(func.count()).select_from(Order).where(
        Order.shop_id == shop.id, Order.created_at >= recent)).scalar_one()
    return {"imported_15m": new, "total": total}


ORDER_MAPPING_KINDS = kinds_carried_by("orders")


def run_orders(ctx: RunContext) -> None:
    """Orders, Shopify to OMS; what it wrote then takes any mapping saved meanwhile."""
    started = datetime.now(timezone.utc)
    download_orders(ctx)
    mappings.settle_after_run(ctx.shop.id, ORDER_MAPPING_KINDS, started)


def download_orders(ctx: RunContext) -> None:
    pending = (ctx.state.state or {}).get("bulk")
    if pending and pending.get("kind") == "orders":
        return run_bulk(ctx, pending.get("search") or "", first=bool(pending.get("first")))
    if ctx.cursor is None or ctx.trigger == "full":  # "full": the merchant asked for everything again
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
