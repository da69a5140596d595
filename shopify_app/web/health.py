"""Probes for whatever runs the app: `/healthz` (the process answers: 200, touching nothing)
and `/readyz` (it can work: the database answers, and the broker when CELERY_BROKER_URL
is set; 503 naming what failed otherwise). Both are public, so a failure's detail goes to
the log, not to the answer."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import text

from ..extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

BROKER_TIMEOUT_SECONDS = 2.0


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
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readyz: the database does not answer: %s: %s", exc.__class__.__name__, str(exc)[:300])
        return "unreachable"
    return "ok"


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
