"""Command-line entry points: `flask --app wsgi <command>`."""
from __future__ import annotations

import click
from flask import Flask

from . import api_keys
from .sync.scheduler import Scheduler
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

    @app.cli.command("scheduler")
    @click.option("--threads", type=int, default=8, show_default=True, help="Runs carried out at once by this process.")
    @click.option("--tick", "tick_seconds", type=float, default=2.0, show_default=True,
                  help="Seconds between looks at the queue (\"sync now\" starts within one tick).")
    def scheduler(threads: int, tick_seconds: float):
        """Run the sync scheduler (its own process; several may run, on several machines)."""
        Scheduler(app, threads=threads, tick_seconds=tick_seconds).run_forever()
