"""`flask --app wsgi productstore ...`: product stores created, listed, and shops linked
to them from the command line, each change in the audit log (actor "cli")."""
from __future__ import annotations

import click
from flask import Flask

from . import audit
from .extensions import db
from .models import PRODUCT_IDENTIFIERS, Shop
from .product_stores import ProductStoreError, create_store, link_shop, list_stores, shops_of, store_by_id, unlink_shop
from .sync.shop import find_shop

CLI_ACTOR = {"actor_kind": "cli", "actor": "cli"}


def store_of(shop: Shop) -> dict | None:
    store = shop.product_store
    return None if store is None else {"product_store": store.name, "product_store_id": store.id}


def register_store_commands(app: Flask) -> None:
    @app.cli.group("productstore")
    def productstore():
        """Product stores (brands of the OMS) and the shops under them."""

    def shop_named(domain: str) -> Shop:
        shop = find_shop(domain.strip().lower())
        if shop is None:
            raise click.ClickException(f"no shop {domain!r} is connected")
        return shop

    @productstore.command("create")
    @click.argument("name")
    @click.option("--identifier", type=click.Choice(PRODUCT_IDENTIFIERS), default="sku", show_default=True,
                  help="How the OMS identifies this store's products.")
    def create(name: str, identifier: str):
        """Create a product store; its id is the last line."""
        try:
            store = create_store(name, identifier)
        except ProductStoreError as exc:
            raise click.ClickException(str(exc))
        audit.record("productstore.create", **CLI_ACTOR,
                     after={"id": store.id, "name": store.name, "identifier": store.identifier})
        db.session.commit()
        click.echo(f"Created product store '{store.name}' (identifier {store.identifier})")
        click.echo(store.id)

    @productstore.command("link")
    @click.argument("store_id", type=int)
    @click.argument("shop_domain")
    def link(store_id: int, shop_domain: str):
        """Put a shop under a product store (moving it from another, if any)."""
        try:
            store = store_by_id(store_id)
        except ProductStoreError as exc:
            raise click.ClickException(str(exc))
        shop = shop_named(shop_domain)
        before = store_of(shop)
        link_shop(store, shop)
        audit.record("productstore.link", **CLI_ACTOR, shop=shop, before=before, after=store_of(shop))
        db.session.commit()
        click.echo(f"{shop.domain} is under product store {store.id} '{store.name}'")

    @productstore.command("unlink")
    @click.argument("shop_domain")
    def unlink(shop_domain: str):
        """Take a shop out of its product store."""
        shop = shop_named(shop_domain)
        before = store_of(shop)
        unlink_shop(shop)
        audit.record("productstore.unlink", **CLI_ACTOR, shop=shop, before=before, after=None)
        db.session.commit()
        click.echo(f"{shop.domain} is under no product store" + ("" if before else " (it was under none)"))

    @productstore.command("list")
    def list_command():
        """Every product store: id, name, identifier, its shops."""
        for store in list_stores():
            domains = ", ".join(shop.domain for shop in shops_of(store)) or "-"
            click.echo(f"{store.id}\t{store.name}\t{store.identifier}\t{domains}")
