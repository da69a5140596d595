"""Product stores (`/console/stores`): every store with its shops; super users create
stores and link or unlink shops (staff read)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ...extensions import db
from ...models import PRODUCT_IDENTIFIERS
from ...product_stores import ProductStoreError, create_store, link_shop, list_stores, shops_of, store_by_id, unlink_shop
from ...sync.shop import find_shop
from .auth import record, requires

IDENTIFIER_LABELS = {"sku": "SKU", "barcode": "Barcode", "product_id": "Shopify product id"}


def to_list():
    return redirect(url_for("console.stores"), 303)


@requires("staff")
def stores():
    rows = [(store, shops_of(store)) for store in list_stores()]
    return render_template("console/stores.html", rows=rows, identifiers=PRODUCT_IDENTIFIERS,
                           identifier_labels=IDENTIFIER_LABELS)


@requires("super_user")
def store_create():
    name = request.form.get("name", "")
    identifier = request.form.get("identifier", "sku")
    try:
        store = create_store(name, identifier)
    except ProductStoreError as exc:
        db.session.rollback()
        flash(f"No product store was created: {exc}.", "critical")
        return to_list()
    record("product_store.create", after={"store": store.id, "name": store.name, "identifier": store.identifier})
    db.session.commit()
    flash(f"Product store {store.name} (id {store.id}) was created.", "success")
    return to_list()


@requires("super_user")
def store_link(store_id: int):
    domain = request.form.get("shop", "").strip().lower()
    try:
        store = store_by_id(store_id)
        shop = find_shop(domain)
        if shop is None:
            raise ProductStoreError(f"no shop {domain!r} is connected")
    except ProductStoreError as exc:
        flash(f"No shop was linked: {exc}.", "critical")
        return to_list()
    before = shop.product_store.name if shop.product_store else None
    link_shop(store, shop)
    record("product_store.link", shop=shop, before={"product_store": before}, after={"product_store": store.name})
    db.session.commit()
    flash(f"{shop.domain} is under {store.name}.", "success")
    return to_list()


@requires("super_user")
def store_unlink(store_id: int):
    domain = request.form.get("shop", "").strip().lower()
    shop = find_shop(domain)
    if shop is None or shop.product_store_id != store_id:
        flash(f"{domain or 'That shop'} is not under this product store: nothing was unlinked.", "critical")
        return to_list()
    before = shop.product_store.name
    unlink_shop(shop)
    record("product_store.unlink", shop=shop, before={"product_store": before}, after={"product_store": None})
    db.session.commit()
    flash(f"{shop.domain} is under no product store.", "success")
    return to_list()
