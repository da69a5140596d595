"""Products into our tables: one whole product, deletions, images, the sweep.

"Newer wins" is decided in one place: the upsert's version guard (`newer=`), in SQL,
where a webhook and a pull racing on one product meet. Python never compares versions
itself; it reads back which version is stored to learn whether its own landed.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from ...extensions import db
from ...models import Product, Variant
from ..upsert import upsert

VERSION = "shopify_updated_at"


def _landed(shop_id: int, row: dict) -> bool:
    """After an upsert with the version guard: is this row's version the stored one?"""
    stored = db.session.execute(
        select(Product.shopify_updated_at).where(Product.shop_id == shop_id, Product.shopify_id == row["shopify_id"])
    ).scalar_one()
    return stored == row[VERSION]


def apply_product(shop_id: int, row: dict, variant_rows: list[dict] | None) -> bool:
    """Upsert one whole product (webhook or page) from its rows. Variants it no longer has
    are marked deleted; `variant_rows` None leaves them as they are. Returns False when a
    newer version was already stored (nothing changed)."""
    upsert(db.session, Product, [row], newer=VERSION)
    if not _landed(shop_id, row):
        return False  # an older version: the newer one stays
    if variant_rows is None:
        return True
    rows = [dict(r) for r in variant_rows]
    for r in rows:  # the product's version is the version of all it carries
        r[VERSION] = max(filter(None, [r[VERSION], row[VERSION]]), default=None)
    upsert(db.session, Variant, rows, newer=VERSION)
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
        .where(Product.shop_id == shop_id, Product.shopify_id.in_(list(images)))
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
