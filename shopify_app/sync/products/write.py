"""Products into our tables: one whole product, deletions, images, the sweep.

"Newer wins" is decided in one place: the upsert's version guard (`newer=`), in SQL,
where a webhook and a pull racing on one product meet. Python compares versions only
within one batch, by the guard's own rule (`upsert.is_newer`); it reads back which version
is stored to learn whether its own landed.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from ...extensions import db
from ...models import Product, Variant
from ..upsert import is_newer, upsert
from ..value_lists import one_of

VERSION = "shopify_updated_at"


def _landed(shop_id: int, rows: list[dict]) -> set[str]:
    """After an upsert with the version guard: the products whose version is the stored one."""
    stored = db.session.execute(
        select(Product.shopify_id, Product.shopify_updated_at)
        .where(Product.shop_id == shop_id, one_of(Product.shopify_id, [r["shopify_id"] for r in rows]))
    ).all()
    wanted = {r["shopify_id"]: r[VERSION] for r in rows}
    return {gid for gid, version in stored if version == wanted.get(gid)}


def newest_of_each(items: list[tuple[dict, list[dict] | None]]) -> list[tuple[dict, list[dict] | None]]:
    """One version per product, the newest (a later item wins a tie: it arrived later)."""
    kept: dict[str, tuple[dict, list[dict] | None]] = {}
    for row, variants in items:
        held = kept.get(row["shopify_id"])
        if held is None or is_newer(row[VERSION], held[0][VERSION]):
            kept[row["shopify_id"]] = (row, variants)
    return list(kept.values())


def apply_product(shop_id: int, row: dict, variant_rows: list[dict] | None) -> bool:
    """Upsert one whole product (webhook or page) from its rows. Returns False when a
    newer version was already stored (nothing changed)."""
    return bool(apply_products(shop_id, [(row, variant_rows)]))


def apply_products(shop_id: int, items: list[tuple[dict, list[dict] | None]]) -> set[str]:
    """Upsert whole products, each from its product row and variant rows, in a few
    statements whatever their number (a burst of webhooks lands as one batch). Variants a
    product no longer has are marked deleted; variant rows None leave them as they are.
    Returns the GIDs of the products whose version landed (an older one changes nothing)."""
    items = newest_of_each(items)
    if not items:
        return set()
    upsert(db.session, Product, [row for row, _ in items], newer=VERSION)
    landed = _landed(shop_id, [row for row, _ in items])
    whole = [(row, variants) for row, variants in items if row["shopify_id"] in landed and variants is not None]
    if not whole:
        return landed
    variant_rows: dict[str, dict] = {}
    for row, variants in whole:
        for variant in variants:  # the product's version is the version of all it carries
            r = dict(variant)
            r[VERSION] = max(filter(None, [r[VERSION], row[VERSION]]), default=None)
            held = variant_rows.get(r["shopify_id"])
            # A variant moved from one product to another: the newer product's word wins.
            if held is None or is_newer(r[VERSION], held[VERSION]):
                variant_rows[r["shopify_id"]] = r
    upsert(db.session, Variant, list(variant_rows.values()), newer=VERSION)
    # A variant belongs to one product: what none of these products still carries is gone.
    now = datetime.now(timezone.utc)
    db.session.execute(
        update(Variant)
        .where(Variant.shop_id == shop_id, one_of(Variant.product_shopify_id, [row["shopify_id"] for row, _ in whole]),
               Variant.deleted_at.is_(None), Variant.shopify_id.not_in(list(variant_rows)))
        .values(deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return landed


def mark_deleted(shop_id: int, product_gid: str) -> None:
    """A product deleted in Shopify: marked (and its variants), never removed."""
    now = datetime.now(timezone.utc)
    exists = db.session.execute(
        select(Product.id).where(Product.shop_id == shop_id, Product.shopify_id == product_gid)
    ).scalar_one_or_none()
    if exists is None:  # deleted before we ever saw it: keep a marked record anyway
        # Versioned as of the deletion: a create or update applied after it (batched
        # deliveries wait a moment, a deletion does not) is older and cannot revive it.
        upsert(db.session, Product, [{
            "shop_id": shop_id, "shopify_id": product_gid, "deleted_at": now, "is_placeholder": True, VERSION: now,
        }], do_nothing=True)
    # The deletion is the newest version: a download that started before it (and still
    # carries the product) must not bring it back, nor a create or update applied after it.
    # The product's row is versioned even when it is a placeholder an order line made
    # (Shopify never reuses a product's id: no real version of it is left to wait for).
    # A placeholder variant keeps no version: the real variant replaces it whenever it
    # comes (it may belong to another product than the order line guessed).
    for model, match in ((Product, Product.shopify_id == product_gid), (Variant, Variant.product_shopify_id == product_gid)):
        for placeholder in (False, True):
            values = {"deleted_at": now, "updated_at": now}
            if model is Product or not placeholder:
                values[VERSION] = now
            db.session.execute(
                update(model).where(model.shop_id == shop_id, match, model.deleted_at.is_(None),
                                    model.is_placeholder.is_(placeholder))
                .values(**values).execution_options(synchronize_session=False)
            )


def merge_images(shop_id: int, images: dict[str, list[dict]]) -> None:
    """Add images (by product GID) to what their products already have, by image id or URL."""
    rows = db.session.execute(
        select(Product.id, Product.shopify_id, Product.images)
        .where(Product.shop_id == shop_id, one_of(Product.shopify_id, images))
    ).all()
    for pk, product_gid, current in rows:
        merged = {i.get("id") or i.get("url"): i for i in (current or [])}
        for image in images[product_gid]:
            merged[image.get("id") or image.get("url")] = image
        db.session.execute(update(Product).where(Product.id == pk).values(images=list(merged.values()))
                           .execution_options(synchronize_session=False))


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
