"""Product stores: created by operators; a shop sits under at most one."""
from __future__ import annotations

from sqlalchemy import func, select

from .extensions import db
from .models import PRODUCT_IDENTIFIERS, ProductStore, Shop


class ProductStoreError(ValueError):
    """A product store request that cannot be done, in words for the operator."""


def create_store(name: str, identifier: str = "sku") -> ProductStore:
    """A new store (the caller commits). Names are unique, compared without case."""
    clean = (name or "").strip()
    if not clean or len(clean) > 255:
        raise ProductStoreError("a product store needs a name of 1 to 255 characters")
    if identifier not in PRODUCT_IDENTIFIERS:
        raise ProductStoreError(f"identifier must be one of {', '.join(PRODUCT_IDENTIFIERS)}")
    taken = db.session.execute(select(ProductStore.id).where(func.lower(ProductStore.name) == clean.lower()))
    if taken.first() is not None:
        raise ProductStoreError(f"a product store named {clean!r} exists already")
    store = ProductStore(name=clean, identifier=identifier)
    db.session.add(store)
    db.session.flush()
    return store


def list_stores() -> list[ProductStore]:
    return list(db.session.execute(select(ProductStore).order_by(ProductStore.name)).scalars())


def store_by_id(store_id: int) -> ProductStore:
    store = db.session.get(ProductStore, store_id)
    if store is None:
        raise ProductStoreError(f"no product store with id {store_id}")
    return store


def link_shop(store: ProductStore, shop: Shop) -> None:
    """Put the shop under the store (moving it from another one, if any)."""
    shop.product_store = store


def unlink_shop(shop: Shop) -> None:
    shop.product_store = None


def shops_of(store: ProductStore) -> list[Shop]:
    return list(db.session.execute(select(Shop).where(Shop.product_store_id == store.id)
                                   .order_by(Shop.domain)).scalars())
