"""The products flow's run: a full bulk download first, then what changed since the
cursor (`updated_at` minus an overlap window), by bulk operation when `productsCount`
says the change set is large, by pages otherwise; the daily reconciliation runs a full
download when the counts differ."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, select

from ...extensions import db
from ...models import Product, Shop
from ...shopify.times import parse_time, search_time
from .. import bulk, mappings
from ..bulk import window_start
from ..flows import RunContext
from ..mappings.catalogue import kinds_carried_by
from .fetch import bulk_query, changed_since, products_page, shopify_count
from .normalize import images_from_media, product_from_node, variant_from_node
from .sink import ProductSink
from .type_mapping import TypeResolver
from .write import apply_product, sweep_deleted

FLOW = "products"
PRODUCT_MAPPING_KINDS = kinds_carried_by("products")
OVERLAP = timedelta(minutes=10)
BULK_THRESHOLD = 2000  # changed products above which an incremental run uses a bulk operation


def run_bulk(ctx: RunContext, since: datetime | None) -> None:
    types = TypeResolver(ctx.shop.id)
    sink = ProductSink(ctx.shop.id, types, ctx)
    kind = "products_full" if since is None else "products_changed"
    result = bulk.run(ctx, bulk_query(since), sink, kind=kind, extra={"since": search_time(since) if since else None})
    started = parse_time(result.operation["started_at"])
    if since is None:
        ctx.count("marked_deleted", sweep_deleted(ctx.shop.id, started))
    ctx.commit_cursor(search_time(started))


def run_pages(ctx: RunContext, since: datetime) -> None:
    started = datetime.now(timezone.utc)
    types = TypeResolver(ctx.shop.id)
    query = changed_since(since)
    after = None
    done = 0
    while True:
        # Every Shopify call of the page first, then its writes: a write transaction is
        # never held across a call.
        complete, page = products_page(ctx.client, query, after)
        for node, variants in complete:
            row = product_from_node(ctx.shop.id, node, types, images=images_from_media(node))
            if apply_product(ctx.shop.id, row, [variant_from_node(ctx.shop.id, v, row["shopify_id"]) for v in variants]):
                ctx.count("products")
                ctx.count("variants", len(variants))
        types.record()
        db.session.commit()  # one transaction a page
        done += len(complete)
        ctx.report_progress(objects=done)
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    ctx.commit_cursor(search_time(started))


def run_products(ctx: RunContext) -> None:
    """Products and variants, Shopify to OMS; what it wrote then takes any product-type
    mapping saved meanwhile."""
    started = datetime.now(timezone.utc)
    download_products(ctx)
    mappings.settle_after_run(ctx.shop.id, PRODUCT_MAPPING_KINDS, started)


def download_products(ctx: RunContext) -> None:
    pending = (ctx.state.state or {}).get("bulk")
    if pending and pending.get("kind", "").startswith("products"):
        since = parse_time(pending.get("since"))
        return run_bulk(ctx, since)  # resume the interrupted download
    if ctx.cursor is None or ctx.trigger == "full":  # "full": the merchant asked for everything again
        return run_bulk(ctx, None)
    if ctx.trigger == "reconcile":
        theirs = shopify_count(ctx.client, None)
        ours = db.session.execute(
            select(func.count()).select_from(Product)
            .where(Product.shop_id == ctx.shop.id, Product.deleted_at.is_(None), Product.is_placeholder.is_(False))
        ).scalar_one()
        ctx.count("shopify_count", theirs)
        ctx.count("our_count", ours)
        if theirs != ours:
            return run_bulk(ctx, None)
    since = window_start(ctx.cursor, OVERLAP)
    changed = shopify_count(ctx.client, changed_since(since))
    ctx.report_progress(changed=changed)
    if changed > BULK_THRESHOLD:
        return run_bulk(ctx, since)
    return run_pages(ctx, since)


def product_stats(shop: Shop) -> dict:
    day_ago = datetime.now(timezone.utc) - timedelta(hours=24)
    base = and_(Product.shop_id == shop.id, Product.is_placeholder.is_(False))
    total = db.session.execute(select(func.count()).select_from(Product).where(base, Product.deleted_at.is_(None))).scalar_one()
    recent = db.session.execute(select(func.count()).select_from(Product).where(base, Product.created_at >= day_ago)).scalar_one()
    return {"imported_24h": recent, "total": total}
