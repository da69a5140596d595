"""Processing a webhook delivery from the ledger: its topic's handler, and the outcome.

A handler is `fn(shop_domain: str, payload: dict) -> None`, listed with its topic in
`TOPICS` (shopify_app/sync/registry.py). The receiver only records a delivery and sends
its task (`webhook`, `apply_delivery` here): every handler runs in a worker, the ones
that ask Shopify (a refetch, the app/uninstalled probe) included. The task claims the
delivery with a conditional UPDATE, so that a delivery is applied once however many
times its task is delivered; a failed one is retried by its task with back-off
(sync/webhooks/retry.py), and handlers apply the newest version of a record only.

A delivery for an inactive shop is kept (`held`), not applied, except for the few topics
marked `applied_while_inactive` (sync/shop_gate.py says why); activating the shop applies
the kept ones in order.

Before its handler, a delivery is judged (sync/webhooks/checks.py `delivery_problem`, as
the batch path judges it): the headers the signature does not cover are checked against
the body, and a body first recorded for another shop (sync/webhooks/body_owners.py) is a replay
under a forged shop header. A delivery that fails the judging is recorded as rejected,
without its payload, and never applied.

A handler raises Rejected when the delivery must never be applied (Shopify's own
state contradicts it): it is recorded as rejected, without its payload, and not retried.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import update

from ...extensions import db
from ...models import Shop, WebhookDelivery
from .. import privacy
from .body_owners import first_shops
from ..instrumentation import count_delivery, observed_apply, observed_delivery
from ..registry import TOPICS, order_id_at
from ..shop import find_shop
from .rejected import Rejected
from ..shop_gate import HELD, is_inactive
from .checks import delivery_problem
from .retry import WEBHOOK_MAX_ATTEMPTS, webhook_backoff

log = logging.getLogger(__name__)


def held_while_inactive(topic: str, shop: Shop | None) -> bool:
    """Whether a delivery of `topic` for `shop` is kept, not applied, now. A pure decision."""
    entry = TOPICS.get(topic)
    return is_inactive(shop) and not (entry is not None and entry.applied_while_inactive)


def refusal(topic: str, payload: dict, shop_domain: str, triggered_at: str | None,
            now: datetime | None = None, body_digest: str | None = None) -> str | None:
    """Why a signed delivery must not be applied, judged from what it says and whom its
    body was first delivered for; None to apply it."""
    shop = find_shop(shop_domain)
    return delivery_problem(topic, payload, shop_domain, shop.shopify_id if shop else None,
                            triggered_at, now or datetime.now(timezone.utc),
                            body_owner=first_shops([body_digest]).get(body_digest))


@observed_apply
def apply_delivery(delivery_id: int, redelivered: bool = False) -> float | None:
    """The `webhook` task: apply a recorded delivery once. Returns the seconds after
    which to try it again (it failed, attempts remain), or None.

    Claimed by a conditional UPDATE (received or failed -> retrying), so a duplicate task
    does nothing; a redelivered one (its worker died mid-apply) may take a delivery left
    `retrying`: that worker's transaction never committed."""
    claimable = ("received", "failed", "retrying") if redelivered else ("received", "failed")
    attempts = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(claimable),
               WebhookDelivery.attempts < WEBHOOK_MAX_ATTEMPTS, WebhookDelivery.payload.is_not(None))
        .values(status="retrying")
        .returning(WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    if attempts is None:  # applied already, being applied, or out of attempts
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    # The headers are claims the signature does not cover: judged here, off the request,
    # as of the delivery's arrival (a retry hours later is not stale for being late).
    problem = refusal(delivery.topic, delivery.payload or {}, delivery.shop_domain, delivery.triggered_at,
                      now=delivery.received_at, body_digest=delivery.body_digest)
    if problem:
        log.warning("webhook %s (%s) for %s rejected: %s", delivery.webhook_id, delivery.topic,
                    delivery.shop_domain, problem)
        delivery.status, delivery.error, delivery.payload = "rejected", problem[:2000], None
        db.session.commit()
        count_delivery(delivery.topic, "rejected")
        return None
    if held_while_inactive(delivery.topic, find_shop(delivery.shop_domain)):
        # Kept, payload and all, until the shop is activated (sync/activation.py applies it).
        delivery.status, delivery.error = HELD, None
        db.session.commit()
        count_delivery(delivery.topic, HELD)
        return None
    delivery = process(delivery)  # counts the attempt with its outcome
    log.info("webhook %s (%s) applied: %s", delivery.webhook_id, delivery.topic, delivery.status)
    if delivery.status == "failed" and (delivery.attempts or 0) < WEBHOOK_MAX_ATTEMPTS:
        return webhook_backoff(delivery.attempts or 1).total_seconds()
    return None


@observed_delivery
def process(delivery: WebhookDelivery) -> WebhookDelivery:
    """Apply a recorded delivery; its status says how it went (the record is returned:
    after a failure it is another instance). Never raises."""
    entry = TOPICS.get(delivery.topic)
    handler = entry.handler if entry else None
    # The attempt is counted with the outcome, not before the handler: a pending
    # write would hold the database's write lock through the handler's Shopify calls.
    if handler is None:
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "ignored"
        delivery.payload = None
        db.session.commit()
        return delivery
    payload = delivery.payload or {}
    try:
        handler(delivery.shop_domain, payload)
        if not entry.compliance:  # a compliance handler deals with the customer's data itself
            # A redaction that came after this delivery's data was produced erases it again.
            if privacy.reapply_redactions(find_shop(delivery.shop_domain), delivery.topic, payload,
                                          delivery.triggered_at, delivery.received_at, order_id_at):
                db.session.commit()
    except Rejected as exc:
        db.session.rollback()
        log.warning("webhook %s (%s) for %s rejected: %s", delivery.webhook_id, delivery.topic,
                    delivery.shop_domain, exc)
        delivery = db.session.merge(delivery)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "rejected"
        delivery.error = str(exc)[:2000]
        delivery.payload = None
        db.session.commit()
        return delivery
    except Exception as exc:  # recorded, and retried later from the ledger
        db.session.rollback()
        log.exception("webhook %s (%s) for %s failed", delivery.webhook_id, delivery.topic, delivery.shop_domain)
        delivery = db.session.merge(delivery)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "failed"
        delivery.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        db.session.commit()
        return delivery
    delivery.attempts = (delivery.attempts or 0) + 1
    delivery.status = "processed"
    delivery.error = None
    delivery.processed_at = datetime.now(timezone.utc)
    delivery.payload = None
    db.session.commit()
    return delivery
