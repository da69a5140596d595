"""Products flow: the catalog comes down from Shopify into the OMS tables.

- first run: a bulk operation over every product and variant;
- later runs: what changed since the cursor (`updated_at` minus an overlap window);
  a bulk operation when `productsCount` says the change set is large, pages otherwise;
- `products/create|update|delete` webhooks apply at once;
- deletions are marked, never lost (webhook; a full download sweeps what Shopify
  no longer has; the daily reconciliation runs a full download when counts differ);
- each product's type goes through the product-type mapping; unmapped is flagged.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, select, update

from ..extensions import db
from ..models import FlowState, Product, Shop, Variant
from ..shopify.access import AccessLevel
from ..shopify.documents import load_document
from . import bulk
from ..shopify.gids import gid, typename
from ..shopify.times import parse_time, search_time as iso
from .bulk import window_start
from .flows import RunContext, register_flow
from .upsert import upsert

log = logging.getLogger(__name__)

try:  # the mappings module (scheduler helper's); resolution is None (unmapped) without it
    from . import mappings as _mappings
except ImportError:  # pragma: no cover
    _mappings = None

FLOW = "products"
OVERLAP = timedelta(minutes=10)
BULK_THRESHOLD = 2000  # changed products above which an incremental run uses a bulk operation
PAGE_SIZE = 6  # requested cost about 125 a product (variants and media inline): under the 1,000 cap

PRODUCT_COLUMNS = (
    "shop_id", "shopify_id", "title", "handle", "description", "vendor", "product_type",
    "oms_product_type", "product_type_unmapped", "tags", "status", "options", "images",
    "shopify_updated_at", "deleted_at", "is_placeholder",
)
VARIANT_COLUMNS = (
    "shop_id", "shopify_id", "product_shopify_id", "title", "sku", "barcode", "price", "weight",
    "weight_unit", "inventory_item_id", "selected_options", "position", "shopify_updated_at",
    "deleted_at", "is_placeholder",
)


# --- mapping -------------------------------------------------------------------------

class TypeResolver:
    """Product type -> OMS product type for one shop, cached for the run."""

    def __init__(self, shop_id: int):
        self.shop_id = shop_id
        self._cache: dict[str | None, str | None] = {}
        self.seen: set[str] = set()

    def __call__(self, product_type: str | None) -> tuple[str | None, bool]:
        """(OMS type, unmapped?)"""
        if not product_type:
            return None, False
        self.seen.add(product_type)
        if product_type not in self._cache:
            value = None
            if _mappings is not None:
                try:
                    value = _mappings.resolve(self.shop_id, "product_type", product_type)
                except Exception:  # mapping tables missing: unmapped, never guessed
                    log.exception("product type mapping failed")
            self._cache[product_type] = value
        value = self._cache[product_type]
        return value, value is None

    def record(self) -> None:
        if self.seen and _mappings is not None:
            try:
                with db.session.begin_nested():
                    _mappings.record_seen(self.shop_id, "product_type", sorted(self.seen), source="product")
            except Exception:
                log.exception("could not record product types")
        self.seen = set()


# --- normalising GraphQL nodes and REST webhook payloads -------------------------------

def _image(node: dict) -> dict | None:
    image = node.get("image") if "image" in node else node
    if not image or not image.get("url"):
        return None
    return {"id": node.get("id"), "url": image.get("url"), "alt": image.get("altText")}


def product_row(shop_id: int, node: dict, types: TypeResolver, *, images: list | None) -> dict:
    oms_type, unmapped = types(node.get("productType"))
    return {
        "shop_id": shop_id,
        "shopify_id": node["id"],
        "title": node.get("title"),
        "handle": node.get("handle"),
        "description": node.get("description"),
        "vendor": node.get("vendor"),
        "product_type": node.get("productType") or None,
        "oms_product_type": oms_type,
        "product_type_unmapped": unmapped,
        "tags": list(node.get("tags") or []),
        "status": node.get("status"),
        "options": [
            {"name": o.get("name"), "position": o.get("position"), "values": o.get("values") or []}
            for o in node.get("options") or []
        ],
        "images": images if images is not None else [],
        "shopify_updated_at": parse_time(node.get("updatedAt")),
        "deleted_at": None,
        "is_placeholder": False,
    }


def variant_row(shop_id: int, node: dict, product_gid: str) -> dict:
    item = node.get("inventoryItem") or {}
    weight = ((item.get("measurement") or {}).get("weight")) or {}
    return {
        "shop_id": shop_id,
        "shopify_id": node["id"],
        "product_shopify_id": product_gid,
        "title": node.get("title"),
        "sku": node.get("sku") or None,
        "barcode": node.get("barcode") or None,
        "price": None if node.get("price") is None else str(node.get("price")),
        "weight": None if weight.get("value") is None else str(weight.get("value")),
        "weight_unit": weight.get("unit"),
        "inventory_item_id": item.get("id"),
        "selected_options": [{"name": o.get("name"), "value": o.get("value")} for o in node.get("selectedOptions") or []],
        "position": node.get("position"),
        "shopify_updated_at": parse_time(node.get("updatedAt")),
        "deleted_at": None,
        "is_placeholder": False,
    }


def from_rest(payload: dict) -> tuple[dict, list[dict] | None]:
    """A products/create|update webhook payload as a GraphQL-shaped node and variant nodes."""
    pid = payload.get("admin_graphql_api_id") or gid("Product", payload["id"])
    option_names = [o.get("name") for o in payload.get("options") or []]
    tags = payload.get("tags") or ""
    node = {
        "id": pid,
        "title": payload.get("title"),
        "handle": payload.get("handle"),
        "description": payload.get("body_html"),
        "vendor": payload.get("vendor"),
        "productType": payload.get("product_type"),
        "tags": [t.strip() for t in tags.split(",") if t.strip()] if isinstance(tags, str) else list(tags),
        "status": (payload.get("status") or "").upper() or None,
        "updatedAt": payload.get("updated_at"),
        "options": [
            {"name": o.get("name"), "position": o.get("position"), "values": o.get("values") or []}
            for o in payload.get("options") or []
        ],
    }
    images = [
        {"id": i.get("admin_graphql_api_id") or (gid("ProductImage", i["id"]) if i.get("id") else None),
         "url": i.get("src"), "alt": i.get("alt")}
        for i in payload.get("images") or [] if i.get("src")
    ]
    node["_images"] = images
    if "variants" not in payload:
        return node, None  # a payload without variants leaves them as they are
    variants = []
    for v in payload.get("variants") or []:
        selected = []
        for n in (1, 2, 3):
            value = v.get(f"option{n}")
            if value is not None:
                name = option_names[n - 1] if n - 1 < len(option_names) else f"Option{n}"
                selected.append({"name": name, "value": value})
        weight = v.get("weight")
        variants.append({
            "id": v.get("admin_graphql_api_id") or gid("ProductVariant", v["id"]),
            "title": v.get("title"),
            "sku": v.get("sku"),
            "barcode": v.get("barcode"),
            "price": v.get("price"),
            "position": v.get("position"),
            # a variant edit bumps the product's updated_at: the product's version covers it
            "updatedAt": v.get("updated_at"),
            "selectedOptions": selected,
            "inventoryItem": {
                "id": gid("InventoryItem", v["inventory_item_id"]) if v.get("inventory_item_id") else None,
                "measurement": {"weight": {"value": weight, "unit": _rest_weight_unit(v.get("weight_unit"))}}
                if weight is not None else None,
            },
        })
    return node, variants


def _rest_weight_unit(unit: str | None) -> str | None:
    return {"kg": "KILOGRAMS", "g": "GRAMS", "lb": "POUNDS", "oz": "OUNCES"}.get(unit or "", unit)


# --- writing -------------------------------------------------------------------------

def apply_product(shop_id: int, node: dict, variant_nodes: list[dict] | None, types: TypeResolver, *,
                  images: list | None) -> bool:
    """Upsert one whole product (webhook or page). Variants it no longer has are marked
    deleted. Returns False when a newer version was already stored (nothing changed)."""
    row = product_row(shop_id, node, types, images=images)
    upsert(db.session, Product, [row], newer="shopify_updated_at")
    stored = db.session.execute(
        select(Product.shopify_updated_at).where(Product.shop_id == shop_id, Product.shopify_id == row["shopify_id"])
    ).scalar_one()
    if row["shopify_updated_at"] and stored and stored > row["shopify_updated_at"]:
        return False  # an older version: the newer one stays
    if variant_nodes is None:
        return True
    rows = [variant_row(shop_id, v, row["shopify_id"]) for v in variant_nodes]
    for r in rows:  # the product's version is the version of all it carries
        r["shopify_updated_at"] = max(filter(None, [r["shopify_updated_at"], row["shopify_updated_at"]]), default=None)
    upsert(db.session, Variant, rows, newer="shopify_updated_at")
    keep = [r["shopify_id"] for r in rows]
    now = datetime.now(timezone.utc)
    db.session.execute(
        update(Variant)
        .where(Variant.shop_id == shop_id, Variant.product_shopify_id == row["shopify_id"],
               Variant.deleted_at.is_(None), Variant.shopify_id.not_in(keep))
        .values(deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


def mark_deleted(shop_id: int, product_gid: str) -> None:
    """A product deleted in Shopify: marked (and its variants), never removed."""
    now = datetime.now(timezone.utc)
    exists = db.session.execute(
        select(Product.id).where(Product.shop_id == shop_id, Product.shopify_id == product_gid)
    ).scalar_one_or_none()
    if exists is None:  # deleted before we ever saw it: keep a marked record anyway
        upsert(db.session, Product, [{
            "shop_id": shop_id, "shopify_id": product_gid, "deleted_at": now, "is_placeholder": True,
        }], do_nothing=True)
    # The deletion is the newest version: a download that started before it (and still
    # carries the product) must not bring it back.
    # (Placeholders keep no version: the real record replaces them whenever it comes.)
    for model, match in ((Product, Product.shopify_id == product_gid), (Variant, Variant.product_shopify_id == product_gid)):
        for placeholder in (False, True):
            values = {"deleted_at": now, "updated_at": now}
            if not placeholder:
                values["shopify_updated_at"] = now
            db.session.execute(
                update(model).where(model.shop_id == shop_id, match, model.deleted_at.is_(None),
                                    model.is_placeholder.is_(placeholder))
                .values(**values).execution_options(synchronize_session=False)
            )


class ProductSink(bulk.Sink):
    """Bulk JSONL objects -> batched upserts. Product rows reset `images`; image lines
    (children, in any order after their product) are appended to their product."""

    def __init__(self, shop_id: int, types: TypeResolver, ctx: RunContext | None = None):
        self.shop_id = shop_id
        self.types = types
        self.ctx = ctx
        self.products: list[dict] = []
        self.variants: list[dict] = []
        self.images: dict[str, list[dict]] = {}
        self.total = {"products": 0, "variants": 0}

    def add(self, obj: dict) -> None:
        kind = typename(obj.get("id"))
        parent = obj.get("__parentId")
        if parent is None and kind == "Product":
            self.products.append(product_row(self.shop_id, obj, self.types, images=[]))
        elif kind == "ProductVariant":
            self.variants.append(variant_row(self.shop_id, obj, parent))
        elif parent is not None:
            image = _image(obj)
            if image:
                self.images.setdefault(parent, []).append(image)

    def flush(self) -> None:
        if self.products:
            upsert(db.session, Product, self.products, newer="shopify_updated_at")
            self.total["products"] += len(self.products)
            self.types.record()
        if self.variants:
            upsert(db.session, Variant, self.variants, newer="shopify_updated_at")
            self.total["variants"] += len(self.variants)
        if self.images:
            merge_images(self.shop_id, self.images)
        if self.ctx is not None:
            self.ctx.count("products", len(self.products))
            self.ctx.count("variants", len(self.variants))
        self.products, self.variants, self.images = [], [], {}


def merge_images(shop_id: int, images: dict[str, list[dict]]) -> None:
    rows = db.session.execute(
        select(Product.id, Product.shopify_id, Product.images)
        .where(Product.shop_id == shop_id, Product.shopify_id.in_(list(images)))
    ).all()
    for pk, product_gid, current in rows:
        merged = {i.get("id") or i.get("url"): i for i in (current or [])}
        for image in images[product_gid]:
            merged[image.get("id") or image.get("url")] = image
        db.session.execute(update(Product).where(Product.id == pk).values(images=list(merged.values()))
                           .execution_options(synchronize_session=False))


# --- fetching -------------------------------------------------------------------------

def bulk_query(since: datetime | None) -> str:
    doc = load_document("products_bulk")
    if since is None:
        return doc.replace("query: \"updated_at:>='1970-01-01T00:00:00Z'\", ", "")
    return doc.replace("1970-01-01T00:00:00Z", iso(since))


def sweep_deleted(shop_id: int, seen_since: datetime) -> int:
    """After a complete full download: what it did not touch is gone from Shopify."""
    now = datetime.now(timezone.utc)
    gone = db.session.execute(
        update(Product)
        .where(Product.shop_id == shop_id, Product.deleted_at.is_(None), Product.is_placeholder.is_(False),
               Product.updated_at < seen_since)
        .values(deleted_at=now, updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0
    db.session.execute(
        update(Variant)
        .where(Variant.shop_id == shop_id, Variant.deleted_at.is_(None), Variant.is_placeholder.is_(False),
               Variant.updated_at < seen_since)
        .values(deleted_at=now, updated_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return gone


def run_bulk(ctx: RunContext, since: datetime | None) -> None:
    types = TypeResolver(ctx.shop.id)
    sink = ProductSink(ctx.shop.id, types, ctx)
    kind = "products_full" if since is None else "products_changed"
    result = bulk.run(ctx, bulk_query(since), sink, kind=kind, extra={"since": iso(since) if since else None})
    started = parse_time(result.operation["started_at"])
    if since is None:
        ctx.count("marked_deleted", sweep_deleted(ctx.shop.id, started))
    ctx.commit_cursor(iso(started))


def _all_variants(client, node: dict) -> list[dict]:
    """A product's variants, with the pages beyond the first fetched."""
    variants = list((node.get("variants") or {}).get("nodes") or [])
    page = (node.get("variants") or {}).get("pageInfo") or {}
    while page.get("hasNextPage"):
        more = client.execute("products_variants", {"id": node["id"], "after": page["endCursor"]})
        vconn = ((more.get("product") or {}).get("variants")) or {}
        variants.extend(vconn.get("nodes") or [])
        page = vconn.get("pageInfo") or {}
    return variants


def run_pages(ctx: RunContext, since: datetime) -> None:
    started = datetime.now(timezone.utc)
    types = TypeResolver(ctx.shop.id)
    query = f"updated_at:>='{iso(since)}'"
    after = None
    done = 0
    while True:
        data = ctx.client.execute("products_page", {"first": PAGE_SIZE, "after": after, "query": query})
        conn = data["products"]
        # Every Shopify call of the page first, then its writes: a write transaction is
        # never held across a call.
        complete = [(node, _all_variants(ctx.client, node)) for node in conn["nodes"]]
        for node, variants in complete:
            images = [i for i in (_image(m) for m in (node.get("media") or {}).get("nodes") or [] if m) if i]
            if apply_product(ctx.shop.id, node, variants, types, images=images):
                ctx.count("products")
                ctx.count("variants", len(variants))
        types.record()
        db.session.commit()  # one transaction a page
        done += len(conn["nodes"])
        ctx.report_progress(objects=done)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    ctx.commit_cursor(iso(started))


def shopify_count(ctx: RunContext, query: str | None) -> int:
    data = ctx.client.execute("products_count", {"query": query})
    return int((data.get("productsCount") or {}).get("count") or 0)


@register_flow(FLOW, min_level=AccessLevel.READ, default_interval_minutes=15,
               description="Products and variants, Shopify to OMS",
               stats=lambda shop: product_stats(shop))
def run_products(ctx: RunContext) -> None:
    """Products and variants, Shopify to OMS."""
    pending = (ctx.state.state or {}).get("bulk")
    if pending and pending.get("kind", "").startswith("products"):
        since = parse_time(pending.get("since"))
        return run_bulk(ctx, since)  # resume the interrupted download
    if ctx.cursor is None:
        return run_bulk(ctx, None)
    if ctx.trigger == "reconcile":
        theirs = shopify_count(ctx, None)
        ours = db.session.execute(
            select(func.count()).select_from(Product)
            .where(Product.shop_id == ctx.shop.id, Product.deleted_at.is_(None), Product.is_placeholder.is_(False))
        ).scalar_one()
        ctx.count("shopify_count", theirs)
        ctx.count("our_count", ours)
        if theirs != ours:
            return run_bulk(ctx, None)
    since = window_start(ctx.cursor, OVERLAP)
    changed = shopify_count(ctx, f"updated_at:>='{iso(since)}'")
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


# --- webhooks -------------------------------------------------------------------------

def _shop_for_webhook(domain: str) -> Shop | None:
    from .shop import find_shop

    shop = find_shop(domain)
    if shop is None or not shop.is_active or not AccessLevel(shop.access_level).allows(AccessLevel.READ):
        return None  # uninstalled, inactive or at access none: nothing comes in
    switched_off = db.session.execute(
        select(FlowState.id).where(FlowState.shop_id == shop.id, FlowState.flow == FLOW, FlowState.enabled.is_(False))
    ).first()
    if switched_off:
        return None  # the merchant switched the flow off
    return shop


def _register_webhooks() -> None:
    from .webhooks import handles

    @handles("products/create", "products/update")
    def product_changed(shop_domain: str, payload: dict) -> None:
        shop = _shop_for_webhook(shop_domain)
        if shop is None:
            return
        node, variants = from_rest(payload)
        types = TypeResolver(shop.id)
        apply_product(shop.id, node, variants, types, images=node.pop("_images"))
        types.record()
        db.session.commit()

    @handles("products/delete")
    def product_deleted(shop_domain: str, payload: dict) -> None:
        shop = _shop_for_webhook(shop_domain)
        if shop is None or payload.get("id") is None:
            return
        mark_deleted(shop.id, payload.get("admin_graphql_api_id") or gid("Product", payload["id"]))
        db.session.commit()


_register_webhooks()
