"""Processing a webhook delivery from the ledger: its topic's handler, and the outcome.

A handler is `fn(shop_domain: str, payload: dict) -> None`, listed with its topic in
`TOPICS` (shopify_app/sync/registry.py). It runs inside the request that received the delivery, so it
must be quick: one record applied, never a download. A handler that has to ask
Shopify for more (a refetch) is listed as `deferred`: the delivery is
acknowledged at once and applied by a worker thread right after; if the process
dies first, the scheduler finds it in the ledger and applies it.

A delivery for an inactive shop is kept (`held`), not applied, except the few topics
sync/shop_gate.py lists; activating the shop applies the kept ones in order.

A handler raises Rejected when the delivery must never be applied (Shopify's own
state contradicts it): it is recorded as rejected, without its payload, and not retried.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import update

from ..extensions import db
from ..models import WebhookDelivery
from . import privacy
from .instrumentation import observed_delivery
from .registry import TOPICS
from .shop import find_shop
from .shop_gate import HELD, held_while_inactive
from .webhook_checks import Rejected, delivery_problem

log = logging.getLogger(__name__)

_workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhooks")


# Topics whose handlers deal with the customer's data themselves (no re-redaction after).
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


def refusal(topic: str, payload: dict, shop_domain: str, triggered_at: str | None,
            now: datetime | None = None) -> str | None:
    """Why a signed delivery must not be applied, judged from what it says; None to apply it."""
    shop = find_shop(shop_domain)
    return delivery_problem(topic, payload, shop_domain, shop.shopify_id if shop else None,
                            triggered_at, now or datetime.now(timezone.utc))


def is_deferred(topic: str) -> bool:
    entry = TOPICS.get(topic)
    return entry is not None and entry.deferred


def process_soon(app, delivery_id: int):
    """Apply a recorded delivery on a worker thread, after the request has answered."""
    return _workers.submit(_process_claimed, app, delivery_id)


def _process_claimed(app, delivery_id: int) -> None:
    with app.app_context():
        try:
            # Claim it as the scheduler does, so that only one of us applies it.
            claimed = db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "received")
                .values(status="retrying")
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            if claimed == 1:
                process(db.session.get(WebhookDelivery, delivery_id))
        except Exception:  # left in the ledger for the scheduler
            log.exception("deferred webhook delivery %s failed", delivery_id)
        finally:
            db.session.remove()


@observed_delivery
def process(delivery: WebhookDelivery) -> None:
    """Apply a recorded delivery; its status says how it went. Never raises."""
    if held_while_inactive(delivery.topic, find_shop(delivery.shop_domain)):
        # Kept, payload and all, until the shop is activated (sync/activation.py applies it).
        delivery.status = HELD
        delivery.error = None
        db.session.commit()
        return
    entry = TOPICS.get(delivery.topic)
    handler = entry.handler if entry else None
    # The attempt is counted with the outcome, not before the handler: a pending
    # write would hold the database's write lock through the handler's Shopify calls.
    if handler is None:
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "ignored"
        delivery.payload = None
        db.session.commit()
        return
    payload = delivery.payload or {}
    try:
        handler(delivery.shop_domain, payload)
        if delivery.topic not in COMPLIANCE_TOPICS:
            # A redaction that came after this delivery's data was produced erases it again.
            if privacy.reapply_redactions(find_shop(delivery.shop_domain), delivery.topic, payload,
                                          delivery.triggered_at, delivery.received_at):
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
        return
    except Exception as exc:  # recorded, and retried later from the ledger
        db.session.rollback()
        log.exception("webhook %s (%s) for %s failed", delivery.webhook_id, delivery.topic, delivery.shop_domain)
        delivery = db.session.merge(delivery)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status = "failed"
        delivery.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        db.session.commit()
        return
    delivery.attempts = (delivery.attempts or 0) + 1
    delivery.status = "processed"
    delivery.error = None
    delivery.processed_at = datetime.now(timezone.utc)
    delivery.payload = None
    db.session.commit()
