"""The webhook receiver, at the uri declared in shopify.app.toml.

Acknowledged at the door: verified on the raw body, recorded in the ledger in one
statement (de-duplicated by X-Shopify-Webhook-Id, and by X-Shopify-Event-Id within a
shop), its task sent, and answered 200 before any handler work. A bursty topic's
delivery rings its batch task instead (sync/webhooks/batches.py): one message to the
broker for the many deliveries of a moment. The task (sync/webhooks/apply.py)
applies it, once, and retries it with back-off when it fails: never lost, never
answered with a 5xx.

The headers are not signed. A delivery whose body does not fit its topic or shop, whose
body was first recorded for another shop (a replay under a forged
X-Shopify-Shop-Domain: the ledger keeps each body's digest, its signature), or that was
triggered beyond Shopify's retry window, is recorded as rejected by its task (its
payload erased) and never applied; it is answered 200 like any signed delivery:
the signature proves Shopify once sent the body, so a 4xx would only have Shopify
retry, for hours, a delivery that will never be applied.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, current_app, g, request

from ..extensions import db, task_queue
from ..models import WebhookDelivery
from ..shopify.hmac_checks import verify_webhook_hmac
from ..shopify.shop_domain import is_valid_shop_domain
from ..sync.upsert import insert_new
from ..sync.webhooks.batches import is_batched
from .errors import json_error
from .json_bodies import loads_as_sent

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

REQUIRED_HEADERS = (
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Webhook-Id",
)


@bp.post("/webhooks")
def receive():
    body = request.get_data(cache=False)
    missing = [h for h in REQUIRED_HEADERS if not request.headers.get(h)]
    if missing:
        return json_error(400, f"missing header(s): {', '.join(missing)}")
    if not verify_webhook_hmac(body, request.headers["X-Shopify-Hmac-Sha256"], current_app.config["SHOPIFY_API_SECRET"]):
        return json_error(401, "HMAC signature does not match")
    shop_domain = request.headers["X-Shopify-Shop-Domain"].strip().lower()
    if not is_valid_shop_domain(shop_domain):
        return json_error(400, "X-Shopify-Shop-Domain is not a myshopify.com domain")
    try:
        # Shopify always sends a JSON object (an empty body is not one), in UTF-8: stored as sent.
        payload = loads_as_sent(body)
    except ValueError:
        return json_error(400, "the body is not JSON")
    if not isinstance(payload, dict):
        return json_error(400, "the body is not a JSON object")

    topic = request.headers["X-Shopify-Topic"].strip().lower()[:64]
    triggered_at = (request.headers.get("X-Shopify-Triggered-At") or "")[:64] or None
    event_id = (request.headers.get("X-Shopify-Event-Id") or "").strip()[:255] or None
    delivery_id = insert_new(db.engine, db.session, WebhookDelivery, {
        "webhook_id": request.headers["X-Shopify-Webhook-Id"].strip()[:255],
        "topic": topic,
        "shop_domain": shop_domain,
        # Cut to the columns' sizes: PostgreSQL refuses a longer value (a 500, and Shopify retries).
        "api_version": (request.headers.get("X-Shopify-API-Version") or "")[:16] or None,
        # A rejected delivery keeps its event id too: a forger only knows the ids of
        # events already delivered (and recorded), so it cannot pre-empt a genuine one.
        "event_id": event_id,
        "triggered_at": triggered_at,
        # The signature as verified (stripped as verify_webhook_hmac compares it): the same
        # body's every delivery has it, so its task can tell a body replayed under another
        # shop's header (sync/webhooks/body_owners.py). Written in this one insert, no query here.
        "body_digest": request.headers["X-Shopify-Hmac-Sha256"].strip(),
        "payload": payload,  # its text is the body's (as_sent)
        "status": "received",
        "attempts": 0,
        "received_at": datetime.now(timezone.utc),
    }, current_app.config["DOOR_POOL_SIZE"], as_sent={"payload": body})  # committed
    if delivery_id is None:  # a redelivery (same webhook id, or same event): acknowledge it
        g.webhook_answer = {"status": "duplicate"}  # counted at the door (web/observability.py)
        return g.webhook_answer, 200
    try:
        if is_batched(topic):  # a burst of these is applied a batch at a time: ring, once for many
            task_queue.nudge("webhook_batch")
        else:
            task_queue.enqueue("webhook", delivery_id)
    except Exception:  # the broker is unreachable: recorded, so the clock's sweep sends it later
        log.exception("webhook delivery %s (%s): its task could not be sent", delivery_id, topic)
    g.webhook_answer = {"status": "accepted"}
    return g.webhook_answer, 200
