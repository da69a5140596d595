"""Switching a connection off and on (the operator's deactivate / activate, the console's
buttons and `flask --app wsgi shop deactivate|activate DOMAIN`).

An inactive shop makes no call to Shopify and gets no job (sync/shop_gate.py is the one
place that says so); its webhooks are acknowledged and kept (`held` in the ledger).
Activating it catches every flow up:
- the kept webhooks are applied in the order Shopify triggered them
  (X-Shopify-Triggered-At, then arrival), each once (claimed by a conditional UPDATE),
  by `apply_kept_webhooks`, which the scheduler's leader calls every tick;
- every flow the shop may run gets a queued run (trigger `activation`): an incremental
  pull from its cursor, so what changed in Shopify meanwhile arrives with or without a
  webhook, and the pushes pick up what the OMS sent meanwhile (inventory levels,
  fulfillment and return requests kept pending).
Newest wins as always (every write compares Shopify's updatedAt), so a kept webhook
applied after the pull that already brought a newer version changes nothing.

`deactivate_shop` and `activate_shop` change the session only: the caller commits (and
records the audit entry in the same transaction)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import FlowState, Shop, ShopStatus, SyncRun, WebhookDelivery
from .webhooks import apply as topics
from .flows import shutdown_event
from .registry import FLOWS
from .run_queue import queued_run
from .runner import skip_reason
from .shop_gate import HELD

log = logging.getLogger(__name__)

CATCH_UP_TRIGGER = "activation"
DEACTIVATED_NOTE = "not run: the shop was deactivated"
# Kept deliveries applied per call (a scheduler tick): the rest at the next one.
KEPT_BATCH = 50


class ActivationError(ValueError):
    """The shop cannot change to the state asked for, in words for the operator."""


def deactivate_shop(shop: Shop) -> bool:
    """Switch the shop off (the caller commits): True when it changed. Runs already queued
    for it are recorded as skipped; a run in progress stops at its next call to Shopify."""
    if shop.status == ShopStatus.UNINSTALLED.value:
        raise ActivationError(f"{shop.domain} is uninstalled: there is nothing to deactivate")
    if shop.status == ShopStatus.INACTIVE.value:
        return False
    shop.status = ShopStatus.INACTIVE.value
    now = datetime.now(timezone.utc)
    db.session.execute(
        update(SyncRun)
        .where(SyncRun.shop_id == shop.id, SyncRun.status == "queued")
        .values(status="skipped", error=DEACTIVATED_NOTE, started_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


def activate_shop(shop: Shop) -> bool:
    """Switch the shop on again (the caller commits): True when it changed. Queues the
    catch-up runs with it; the scheduler applies the kept webhooks."""
    if shop.status == ShopStatus.UNINSTALLED.value:
        raise ActivationError(f"{shop.domain} is uninstalled: the merchant must install the app again")
    if shop.status == ShopStatus.ACTIVE.value:
        return False
    shop.status = ShopStatus.ACTIVE.value
    queue_catch_up(shop)
    return True


def queue_catch_up(shop: Shop) -> list[str]:
    """Queue (uncommitted) a run of every flow the shop may run now: the flows queued."""
    states = {s.flow: s for s in db.session.execute(select(FlowState).where(FlowState.shop_id == shop.id)).scalars()}
    now = datetime.now(timezone.utc)
    queued = []
    for name in sorted(FLOWS):
        if skip_reason(shop, states.get(name), name) is not None or queued_run(shop.id, name) is not None:
            continue
        # Not queue_run: it commits, and this joins the caller's transaction. While the
        # shop is inactive nobody else queues for it, so the unique queued index holds.
        db.session.add(SyncRun(shop_id=shop.id, flow=name, trigger=CATCH_UP_TRIGGER, status="queued",
                               queued_at=now, counts={}, progress={}))
        queued.append(name)
    return queued


def kept_count(shop: Shop) -> int:
    """How many deliveries are kept for the shop, waiting for it to be active."""
    return db.session.execute(
        select(func.count()).select_from(WebhookDelivery)
        .where(WebhookDelivery.shop_domain == shop.domain, WebhookDelivery.status == HELD)
    ).scalar_one()


def catch_up_summary(shop: Shop) -> tuple[int, list[str]]:
    """(kept deliveries still to apply, flows with a run queued) for the operator."""
    flows = db.session.execute(
        select(SyncRun.flow).where(SyncRun.shop_id == shop.id, SyncRun.status == "queued").order_by(SyncRun.flow)
    ).scalars().all()
    return kept_count(shop), list(flows)


def apply_kept_webhooks(limit: int = KEPT_BATCH) -> int:
    """Apply the deliveries kept for shops that are active again, in the order Shopify
    triggered them, each once: returns how many. One still inactive keeps them."""
    ids = db.session.execute(
        select(WebhookDelivery.id)
        .join(Shop, Shop.domain == WebhookDelivery.shop_domain)
        .where(WebhookDelivery.status == HELD, Shop.status == ShopStatus.ACTIVE.value)
        .order_by(WebhookDelivery.shop_domain, WebhookDelivery.triggered_at.is_(None),
                  WebhookDelivery.triggered_at, WebhookDelivery.id)
        .limit(limit)
    ).scalars().all()
    done = 0
    for delivery_id in ids:
        if shutdown_event.is_set():
            break
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == HELD)
            .values(status="retrying")
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue  # another scheduler applied it
        delivery = db.session.get(WebhookDelivery, delivery_id)
        db.session.refresh(delivery)
        topics.process(delivery)  # a failure is left `failed`: retried from the ledger with back-off
        done += 1
    if done:
        log.info("applied %d webhook deliveries kept while their shops were inactive", done)
    return done
