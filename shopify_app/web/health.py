"""Probes for whatever runs the app: `/healthz` (the process answers: 200, touching nothing)
and `/readyz` (it can work: the database answers, and the broker when CELERY_BROKER_URL
is set; 503 naming what failed otherwise). Both are public, so a failure's detail goes to
the log, not to the answer."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from ..extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

BROKER_TIMEOUT_SECONDS = 2.0
DATABASE_TIMEOUT_SECONDS = 2
PROBE_ENGINE = "readyz_database_probe"


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = {"database": check_database()}
    broker_url = current_app.config.get("CELERY_BROKER_URL")
    if broker_url:
        checks["broker"] = check_broker(broker_url)
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
        return body, 503
    return body


def check_database() -> str:
    """One statement on a connection of its own, which on PostgreSQL must connect within
    DATABASE_TIMEOUT_SECONDS: a server that takes the connection and then never answers,
    or an address that drops every packet, makes a 503 within seconds, not a probe that
    hangs (the app's pool has no timeout, and a pooled connection might be the one that broke)."""
    try:
        with probe_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readyz: the database does not answer: %s: %s", exc.__class__.__name__, str(exc)[:300])
        return "unreachable"
    return "ok"


def probe_engine() -> Engine:
    """The app's engine on SQLite (a file: nothing to wait for); on PostgreSQL an engine of
    the same database that pools nothing, with libpq's connect_timeout (a server that takes
    the connection and says nothing is silent in the handshake already). Nothing else is
    set: `options` would replace the URL's own (Neon's endpoint, a search_path), and a
    PgBouncer may refuse the startup parameter."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    probe = current_app.extensions.get(PROBE_ENGINE)
    if probe is None or probe.url != engine.url:
        probe = current_app.extensions[PROBE_ENGINE] = create_engine(
            engine.url, poolclass=NullPool, hide_parameters=True,
            connect_args={"connect_timeout": DATABASE_TIMEOUT_SECONDS})
    return probe


def check_broker(url: str, timeout: float = BROKER_TIMEOUT_SECONDS) -> str:
    """One connection attempt, no retry: a probe must answer within its own timeout."""
    from kombu import Connection  # optional dependency, imported only when configured (CELERY_BROKER_URL)

    try:
        with Connection(url, connect_timeout=timeout, transport_options={"max_retries": 0}) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:
        log.warning("readyz: the broker does not answer: %s: %s", exc.__class__.__name__, str(exc)[:300])
        return "unreachable"
    return "ok"
