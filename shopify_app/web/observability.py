"""What the web process tells about itself: the log context of each request (and of a webhook
delivery at the door).

Registered as request hooks, so the surfaces themselves need no instrumentation line.
"""
from __future__ import annotations

from flask import Flask, request

from .. import log_context

WEBHOOK_ENDPOINT = "webhooks.receive"


def register(app: Flask) -> None:
    app.before_request(_start_request)


def _start_request() -> None:
    # A web worker's thread serves request after request: nothing of the last one's context stays.
    log_context.clear()
    if request.endpoint == WEBHOOK_ENDPOINT:
        # Claims until the signature is checked; cut to size, since a log line is no place for a megabyte.
        log_context.bind(
            shop=(request.headers.get("X-Shopify-Shop-Domain") or "").strip().lower()[:255] or None,
            delivery_id=(request.headers.get("X-Shopify-Webhook-Id") or "").strip()[:255] or None,
            topic=(request.headers.get("X-Shopify-Topic") or "").strip().lower()[:64] or None,
        )
