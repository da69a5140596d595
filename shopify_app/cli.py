"""Command-line entry points: `flask --app wsgi <command>`."""
from __future__ import annotations

import click
from flask import Flask

from . import api_keys, audit
from . import metrics
from .extensions import db
from .models import PERMISSIONS
from .product_stores import ProductStoreError, store_by_id
from .store_commands import register_store_commands
from .operator_commands import register_user_commands
from .sync.activation import ActivationError, activate_shop, catch_up_summary, deactivate_shop
from .sync.orders.reconcile import latest_report, summary
from .sync.orders.run import OrderNotFound, refetch_by_reference
from .sync.runner import run_flow
from .extensions import task_queue
from .task_queue import worker_name
from .start_up_heap import freeze_start_up_heap
from .sync.scheduler import Clock
from .sync.shop import find_shop
from .sync.shop_gate import ShopInactive
from .token_rotation import rotate_stored_tokens


def register_commands(app: Flask) -> None:
    register_store_commands(app)

    @app.cli.group("apikey")
    def apikey():
        """OMS REST API keys."""

    @apikey.command("create")
    @click.argument("name")
    @click.option("--product-store", "store_id", type=int, default=None,
                  help="The product store whose shops the key sees (default: all stores).")
    @click.option("--permission", "permissions", multiple=True, metavar="P",
                  help=f"Repeat for each: {', '.join(PERMISSIONS)} (default: all four).")
    def create(name: str, store_id: int | None, permissions: tuple[str, ...]):
        """Create an API key; the key itself is printed once, as the last line."""
        try:
            store = store_by_id(store_id) if store_id is not None else None
            record, key = api_keys.create_api_key(name, store, permissions or PERMISSIONS, actor_kind="cli", actor="cli")
        except (ProductStoreError, api_keys.ApiKeyError) as exc:
            raise click.ClickException(str(exc))
        scope = f"product store {store.id} '{store.name}'" if store else "all stores"
        click.echo(f"Created API key {record.id} '{record.name}' (prefix {record.prefix}) for {scope}, "
                   f"permissions {record.permissions}. Store it now: it is not shown again.")
        click.echo(key)

    @apikey.command("list")
    def list_keys():
        """List API keys (never the keys themselves): id, prefix, state, store, permissions, name."""
        stores = api_keys.store_names()
        for record in api_keys.list_api_keys():
            state = "revoked" if record.revoked_at else "active"
            scope = ("all stores" if record.all_stores
                     else f"store {record.product_store_id} {stores.get(record.product_store_id, '?')}")
            click.echo(f"{record.id}\t{record.prefix}\t{state}\t{scope}\t{record.permissions}\t{record.name}")

    @apikey.command("revoke")
    @click.argument("key_id", type=int)
    def revoke(key_id: int):
        """Revoke an API key by id."""
        if not api_keys.revoke_api_key(key_id, actor_kind="cli", actor="cli"):
            raise click.ClickException(f"no API key {key_id}")
        click.echo(f"revoked {key_id}")

    @app.cli.group("tokens")
    def tokens():
        """Shopify tokens stored encrypted (TOKEN_ENCRYPTION_KEY)."""

    @tokens.command("rotate")
    def rotate():
        """Re-encrypt every stored token (shops' tokens, operators' two-step secrets) with the first
        TOKEN_ENCRYPTION_KEY; the shops' token count is the last line."""
        result = rotate_stored_tokens()
        for domain in result.undecryptable_shops:
            click.echo(f"{domain}: no key decrypts its tokens; marked as needing re-authentication "
                       "(reopening the app reconnects it)")
        for operator_id, email in result.undecryptable_operators:
            click.echo(f"operator {operator_id} ({email}): no key decrypts their two-step secret; reset it "
                       f"with `flask --app wsgi user reset-totp {email}`, then they set two-step up again")
        click.echo(f"rotated {result.rotated_totp_secrets} two-step secrets")
        click.echo(f"rotated {result.rotated} tokens")

    @app.cli.group("order")
    def order():
        """Orders of a shop: re-fetch one, reconcile now."""

    def shop_named(domain: str):
        shop = find_shop(domain.strip().lower())
        if shop is None:
            raise click.ClickException(f"no shop {domain!r} is connected")
        return shop

    @order.command("refetch")
    @click.argument("shop_domain")
    @click.argument("order_ref", metavar="ORDER")
    def refetch(shop_domain: str, order_ref: str):
        """Fetch one order again from Shopify and apply it: ORDER is its id (GID or number)
        or its name (#1001 or 1001). The last line says what happened."""
        shop = shop_named(shop_domain)
        try:
            outcome, order_gid, name = refetch_by_reference(shop, order_ref)
        except (OrderNotFound, ShopInactive) as exc:
            raise click.ClickException(str(exc))
        db.session.commit()
        click.echo(f"{outcome} {order_gid} ({name})")

    @order.command("reconcile")
    @click.argument("shop_domain")
    def reconcile(shop_domain: str):
        """Run the orders flow's daily reconciliation now (the last line: a summary)."""
        shop = shop_named(shop_domain)
        before = latest_report(shop.id)
        run = run_flow(shop.id, "orders", "reconcile")
        report = latest_report(shop.id)
        if run.status != "succeeded" or report is None or (before is not None and report.id == before.id):
            raise click.ClickException(f"the reconciliation did not run: {run.status} {run.error or ''}".strip())
        for day in report.days:
            if day["compared"]:
                click.echo(f"{day['day']}: Shopify {day['shopify_created']} created / {day['shopify_updated']} "
                           f"updated, held {day['held_created']} / {day['held_updated']}: compared")
        for wrong in report.still_wrong_orders:
            click.echo(f"still wrong: {wrong['id']} ({wrong.get('name')}): {wrong['reason']}")
        click.echo(f"{shop.domain}: {summary(report)}")

    register_user_commands(app)

    @app.cli.command("scheduler")
    @click.option("--tick", "tick_seconds", type=float, default=2.0, show_default=True,
                  help="Seconds between looks at what is due (\"sync now\" starts within one tick).")
    def scheduler(tick_seconds: float):
        """Run the clock: it queues the scheduled runs and sends queued work to the task
        queue. With no CELERY_BROKER_URL it also runs the work, in this process. Several
        may run, on several machines: each due run is queued once."""
        metrics.serve_work_metrics(app.config["METRICS_PORT"], app.config["METRICS_TOKEN"],
                                   app.config["APP_ENV"] == "production")  # METRICS_PORT
        clock = Clock(app, tick_seconds=tick_seconds)
        freeze_start_up_heap()
        clock.run_forever()

    @app.cli.command("worker")
    @click.option("--concurrency", type=int, default=8, show_default=True, help="Tasks carried out at once.")
    @click.option("--loglevel", default="INFO", show_default=True)
    def worker(concurrency: int, loglevel: str):
        """Run a Celery worker (CELERY_BROKER_URL): as many as wanted, on any machines."""
        dispatcher = task_queue.for_app(app)
        if dispatcher.celery is None:
            raise click.ClickException("CELERY_BROKER_URL is not set: with no broker, "
                                       "`flask --app wsgi scheduler` runs the work in-process")
        metrics.serve_work_metrics(app.config["METRICS_PORT"], app.config["METRICS_TOKEN"],
                                   app.config["APP_ENV"] == "production")  # METRICS_PORT
        # Threads: the work waits on Shopify and the database, and a worker killed outright
        # takes all its tasks with it (none left running in an orphaned child process).
        dispatcher.celery.worker_main(["worker", f"--concurrency={concurrency}", "--pool=threads",
                                       f"--loglevel={loglevel}", f"--hostname={worker_name()}",
                                       "--without-gossip", "--without-mingle"])

    @app.cli.group("shop")
    def shop_group():
        """A connection's state: deactivate and activate, as the operator console's buttons."""

    def switch(domain: str, action: str, change) -> tuple:
        shop = shop_named(domain)
        before = shop.status
        try:
            changed = change(shop)
        except ActivationError as exc:
            raise click.ClickException(str(exc))
        if changed:
            audit.record(action, actor_kind="cli", actor="cli", shop=shop,
                         before={"status": before}, after={"status": shop.status})
        db.session.commit()
        if not changed:
            click.echo(f"{shop.domain} was already {shop.status}: nothing changed")
        return shop, changed

    @shop_group.command("deactivate")
    @click.argument("domain")
    def deactivate(domain: str):
        """Switch a shop off: no call to Shopify, no job; its webhooks are kept. Last line: its state."""
        shop, _changed = switch(domain, "shop.deactivate", deactivate_shop)
        click.echo(f"{shop.domain}: inactive")

    @shop_group.command("activate")
    @click.argument("domain")
    def activate(domain: str):
        """Switch a shop on again; every flow catches up (the scheduler runs it). Last line: its state."""
        shop, changed = switch(domain, "shop.activate", activate_shop)
        kept, flows = catch_up_summary(shop)
        click.echo(f"{kept} kept webhook(s) to apply; runs queued: {', '.join(flows) or 'none'}")
        click.echo(f"{shop.domain}: active, catching up" if changed or kept else f"{shop.domain}: active")
