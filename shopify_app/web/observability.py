"""What the web process tells about itself: the log context of each request, webhook intake
counted at the door, and `/metrics` (Prometheus; shopify_app/metrics.py defines them).

Request hooks, so that the surfaces themselves need no instrumentation line.

`/metrics` with METRICS_TOKEN set answers only `Authorization: Bearer <METRICS_TOKEN>`;
without it, it is open in development and absent (404) in production, so that a public
deployment never shows its shops' names by default.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, g, request

from .. import log_context, metrics
from ..sync.queue_depth import database_queue_depth
from ..sync.registry import TOPICS
from .errors import json_error
from .health import bp as health_bp

WEBHOOK_ENDPOINT = "webhooks.receive"
# The receiver's answer (its JSON "status") as the intake outcome counted.
WEBHOOK_ANSWERS = {"ok": "processed", "accepted": "accepted", "duplicate": "duplicate", "rejected": "rejected"}

bp = Blueprint("observability", __name__)


def register(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_count_webhook)
    app.register_blueprint(bp)
    app.register_blueprint(health_bp)
    metrics.set_queue_depth_source(database_queue_depth)  # swap here when the queue moves to the broker


@bp.get("/metrics")
def metrics_view():
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return json_error(401, "metrics need Authorization: Bearer <METRICS_TOKEN>",
                              {"WWW-Authenticate": 'Bearer realm="metrics"'})
    elif current_app.config.get("APP_ENV") == "production":
        return json_error(404, "not found")
    body, content_type = metrics.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _start_request() -> None:
    # A web worker's thread serves request after request: nothing of the last one's context stays.
    log_context.clear()
    if request.endpoint == WEBHOOK_ENDPOINT:
        g.webhook_received_at = datetime.now(timezone.utc)
        # Claims until the signature is checked; cut to size, since a log line is no place for a megabyte.
        log_context.bind(
            shop=(request.headers.get("X-Shopify-Shop-Domain") or "").strip().lower()[:255] or None,
            delivery_id=(request.headers.get("X-Shopify-Webhook-Id") or "").strip()[:255] or None,
            topic=(request.headers.get("X-Shopify-Topic") or "").strip().lower()[:64] or None,
        )


def _count_webhook(response):
    if request.endpoint != WEBHOOK_ENDPOINT:
        return response
    topic = metrics.bounded((request.headers.get("X-Shopify-Topic") or "").strip().lower(), TOPICS)
    # The receiver leaves its answer in `g` (no parsing back of what it just wrote); an
    # error answer from elsewhere (a 400, a 413) is read from the response.
    answer = g.get("webhook_answer")
    if answer is None and response.is_json:
        answer = response.get_json(silent=True)
    outcome = webhook_outcome(response.status_code, answer)
    lag = None
    if outcome in ("processed", "accepted", "rejected"):  # signed: the trigger time is Shopify's
        lag = metrics.lag_since(request.headers.get("X-Shopify-Triggered-At"), g.get("webhook_received_at"))
    metrics.observe_webhook_received(topic, outcome, lag)
    return response


def webhook_outcome(status_code: int, body) -> str:
    """The intake outcome of the receiver's answer. A pure decision."""
    if status_code == 200 and isinstance(body, dict):
        return WEBHOOK_ANSWERS.get(body.get("status"), metrics.OTHER)
    if status_code == 401:
        return "unauthorized"
    if 400 <= status_code < 500:
        return "bad_request"
    return "error"
