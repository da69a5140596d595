"""The Shopify OMS connector: a Flask application factory."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import models  # noqa: F401  (the tables, for Alembic and db.create_all)
from .config import PROJECT_ROOT, ConfigError, load_settings, log_format_of
from .error_reporting import init_error_reporting
from .extensions import app_settings, db, migrate, task_queue
from .log_setup import configure_logging

__all__ = ["create_app", "ConfigError"]


def create_app(env: dict | None = None, *, surfaces: bool = True, **overrides) -> Flask:
    """Build the app from the environment (or `env`); `overrides` are extra Flask settings.

    `surfaces=False` builds it for a process that serves nothing (the clock, a worker:
    wsgi.py decides): the same settings, extensions and commands, no blueprint, nothing
    of web/ imported."""
    # First, so that the settings' own warnings are in LOG_FORMAT: json or text, redacted, with the log context.
    configure_logging(log_format_of(os.environ if env is None else env))
    settings = load_settings(env)
    # The commands and the task table (it brings the whole sync layer), and in
    # register_surfaces the web layer, are imported here, not at the top: this package's
    # __init__ runs on any import of shopify_app.* (gunicorn's master loads
    # shopify_app.log_setup, Alembic the models), and a sync module (the scheduler, a flow
    # run in a worker) must load without the views.
    from .cli import register_commands
    from .sync.flows import shutdown_event
    from .sync.tasks import TASKS, Later

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(settings.as_flask_config())
    # Request bodies are limited per route (web/body_limits.py).
    app.config.update(SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url))
    app.config.update(overrides)
    _trust_proxies(app, settings.trusted_proxy_count)
    init_error_reporting(settings.sentry_dsn, settings.app_env)  # SENTRY_DSN, when set

    app_settings.init_app(app, settings)
    db.init_app(app)
    task_queue.init_app(app, TASKS, Later, cleanup=db.session.remove, on_worker_stop=shutdown_event.set)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    if surfaces:
        register_surfaces(app)
    register_commands(app)
    return app


def _trust_proxies(app: Flask, count: int) -> None:
    """Behind `count` proxies (TRUSTED_PROXY_COUNT), the client's address (what the
    throttles count by) and scheme are the ones the last `count` hops forwarded. Not the
    host: every URL the app builds starts from SHOPIFY_APP_URL, never the request's host,
    so a forwarded Host would only let a client pick one."""
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_surfaces(app: Flask) -> None:
    """What serves requests: the JSON provider and every blueprint."""
    # Imported here, not at the top: the clock and the workers build the app without web/.
    from .web import register_blueprints
    from .web.json_bodies import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)
    app.json.sort_keys = False  # keep documented key order in JSON answers
    register_blueprints(app)


def _engine_options(url: str) -> dict:
    # A database error's message never quotes the statement's parameters: they carry
    # customers' personal data, and errors go to the log and the webhook ledger.
    if url.startswith("sqlite"):
        # Wait for the write lock instead of failing at once: the token refresh and
        # several processes take it in turn.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "hide_parameters": True}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "hide_parameters": True}

