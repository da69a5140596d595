"""Command-line entry points: `flask --app wsgi <command>`."""
from __future__ import annotations

import sys

import click
from flask import Flask

from . import api_keys, audit, operators
from .extensions import db
from .sync.orders.reconcile import latest_report, summary
from .sync.orders.run import OrderNotFound, refetch_by_reference
from .sync.runner import run_flow
from .sync.scheduler import Scheduler
from .sync.shop import find_shop
from .token_rotation import rotate_stored_tokens


def register_commands(app: Flask) -> None:
    @app.cli.group("apikey")
    def apikey():
        """OMS REST API keys."""

    @apikey.command("create")
    @click.argument("name")
    def create(name: str):
        """Create an API key; the key itself is printed once, as the last line."""
        record, key = api_keys.create_api_key(name)
        click.echo(f"Created API key {record.id} '{record.name}' (prefix {record.prefix}). Store it now: it is not shown again.")
        click.echo(key)

    @apikey.command("list")
    def list_keys():
        """List API keys (never the keys themselves)."""
        for record in api_keys.list_api_keys():
            state = "revoked" if record.revoked_at else "active"
            click.echo(f"{record.id}\t{record.prefix}\t{state}\t{record.name}")

    @apikey.command("revoke")
    @click.argument("key_id", type=int)
    def revoke(key_id: int):
        """Revoke an API key by id."""
        if not api_keys.revoke_api_key(key_id):
            raise click.ClickException(f"no API key {key_id}")
        click.echo(f"revoked {key_id}")

    @app.cli.group("tokens")
    def tokens():
        """Shopify tokens stored encrypted (TOKEN_ENCRYPTION_KEY)."""

    @tokens.command("rotate")
    def rotate():
        """Re-encrypt every stored token with the first TOKEN_ENCRYPTION_KEY; the count is the last line."""
        result = rotate_stored_tokens()
        for domain in result.undecryptable_shops:
            click.echo(f"{domain}: no key decrypts its tokens; marked as needing re-authentication "
                       "(reopening the app reconnects it)")
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
        except OrderNotFound as exc:
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

    @app.cli.group("user")
    def user():
        """Operator accounts of the console (/console/)."""

    def password_input() -> str:
        if sys.stdin.isatty():
            return click.prompt("Password (12 characters or more)", hide_input=True, confirmation_prompt=True)
        return sys.stdin.readline().rstrip("\r\n")

    @user.command("create")
    @click.argument("email")
    @click.option("--role", type=click.Choice(["super_user", "staff"]), required=True)
    @click.option("--name", default="", help="The operator's name, as the console shows it.")
    def create_user(email: str, role: str, name: str):
        """Create an operator; the password is read from standard input (prompted twice on a terminal)."""
        try:
            operator = operators.create_operator(email, password_input(), role, name)
        except operators.OperatorError as exc:
            raise click.ClickException(str(exc))
        audit.record("operator.create", actor_kind="cli", actor="cli",
                     after={"email": operator.email, "role": operator.role, "name": operator.name})
        db.session.commit()
        click.echo(f"created {operator.role} {operator.email} (id {operator.id})")

    @user.command("list")
    def list_users():
        """Operators: id, email, role, state, two-step verification, name."""
        for operator in operators.list_operators():
            state = "disabled" if operator.disabled_at else "active"
            two_step = "two-step on" if operator.totp_enabled else "two-step off"
            click.echo(f"{operator.id}\t{operator.email}\t{operator.role}\t{state}\t{two_step}\t{operator.name}")

    @user.command("disable")
    @click.argument("email")
    def disable_user(email: str):
        """Disable an operator: they cannot sign in, and are signed out at their next request."""
        operator = operator_named(email)
        if operators.disable_operator(operator):
            audit.record("operator.disable", actor_kind="cli", actor="cli",
                         before={"email": operator.email, "disabled": False},
                         after={"email": operator.email, "disabled": True})
        db.session.commit()
        click.echo(f"disabled {operator.email}")

    def operator_named(email: str):
        operator = operators.find_operator(email)
        if operator is None:
            raise click.ClickException(f"no operator {operators.normalise_email(email)}")
        return operator

    @user.command("enable")
    @click.argument("email")
    def enable_user(email: str):
        """Let a disabled operator sign in again."""
        operator = operator_named(email)
        if operators.enable_operator(operator):
            audit.record("operator.enable", actor_kind="cli", actor="cli",
                         before={"email": operator.email, "disabled": True},
                         after={"email": operator.email, "disabled": False})
        db.session.commit()
        click.echo(f"enabled {operator.email}")

    @user.command("set-password")
    @click.argument("email")
    def set_user_password(email: str):
        """Replace an operator's password (standard input, or prompted twice); their sessions end."""
        operator = operator_named(email)
        try:
            operators.set_password(operator, password_input())
        except operators.OperatorError as exc:
            raise click.ClickException(str(exc))
        audit.record("operator.password", actor_kind="cli", actor="cli", after={"email": operator.email})
        db.session.commit()
        click.echo(f"new password for {operator.email}")

    @user.command("reset-totp")
    @click.argument("email")
    def reset_user_totp(email: str):
        """Turn off an operator's two-step verification (a lost phone): they set it up again."""
        operator = operator_named(email)
        before = operator.totp_enabled
        operators.turn_off_totp(operator)
        audit.record("operator.totp_reset", actor_kind="cli", actor="cli",
                     before={"email": operator.email, "two_step": before},
                     after={"email": operator.email, "two_step": False})
        db.session.commit()
        click.echo(f"two-step verification off for {operator.email}")

    @app.cli.command("scheduler")
    @click.option("--threads", type=int, default=8, show_default=True, help="Runs carried out at once by this process.")
    @click.option("--tick", "tick_seconds", type=float, default=2.0, show_default=True,
                  help="Seconds between looks at the queue (\"sync now\" starts within one tick).")
    def scheduler(threads: int, tick_seconds: float):
        """Run the sync scheduler (its own process; several may run, on several machines)."""
        Scheduler(app, threads=threads, tick_seconds=tick_seconds).run_forever()
