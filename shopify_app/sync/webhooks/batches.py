"""Webhook deliveries of bursty topics applied in batches: a sale day's thousands of
`products/update` land in a few statements and one commit per batch, not a transaction
(and a task) per delivery.

The receiver (web/webhooks.py) records a delivery of a topic that has a `Batch` in
TOPICS (sync/registry.py) and rings the `webhook_batch` task (`task_queue.nudge`: one
task for any number of rings within a moment). The task takes the waiting deliveries
oldest first and locked (FOR UPDATE SKIP LOCKED on PostgreSQL, so that workers share a
burst without meeting; on SQLite, which has one writer, the write lock is taken first),
judges each as the one-by-one path does (the claims the signature does not cover, a
body first recorded for another shop: one query for the whole batch, an inactive shop),
applies each shop's and topic's group through its batch handler inside a savepoint,
marks the group processed and commits: a delivery is applied with its ledger row or not
at all. A group whose handler fails is rolled back to its savepoint
and its deliveries marked failed and left to the one-by-one path (sync/webhooks/apply.py
`apply_delivery`), which applies each on its own and retries it with back-off. A worker that dies mid-batch commits nothing: its
locks go with its connection, and the deliveries wait for the next ring or the clock's
sweep (sync/webhooks/retry.py).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import null, select, update

from ... import log_context
from ...extensions import db, task_queue
from ...models import Shop, WebhookDelivery
from .. import privacy
from .body_owners import first_shops
from ..instrumentation import count_delivery
from ..registry import TOPICS, Batch, order_id_at
from ..shop import find_shop
from ..shop_gate import HELD
from ..value_lists import one_of
from .checks import delivery_problem
from .apply import held_while_inactive
from .retry import WEBHOOK_MAX_ATTEMPTS

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# A task applies batches for this long, then hands over (sent again at once if more wait).
BATCH_BUDGET_SECONDS = 5.0

BATCHED_TOPICS: frozenset[str] = frozenset(topic for topic, entry in TOPICS.items() if entry.batch)


def is_batched(topic: str) -> bool:
    return topic in BATCHED_TOPICS


def apply_waiting(limit: int = BATCH_SIZE, budget: float = BATCH_BUDGET_SECONDS) -> bool:
    """The `webhook_batch` task: apply waiting deliveries until none wait or the budget is
    spent. True when more may wait."""
    deadline = time.monotonic() + budget
    while True:
        if apply_batch(limit) < limit:
            return False
        if time.monotonic() >= deadline:
            return True


@dataclass
class _Group:
    shop: Shop
    topic: str
    batch: Batch
    rows: list = field(default_factory=list)


def apply_batch(limit: int = BATCH_SIZE) -> int:
    """Take up to `limit` waiting deliveries and apply them; returns how many were taken."""
    rows = _claim(limit)
    if not rows:
        db.session.commit()
        return 0
    started = datetime.now(timezone.utc)
    shops: dict[str, Shop | None] = {}
    groups: dict[tuple[str, str], _Group] = {}
    rejected: list[tuple[object, str]] = []
    held: list[object] = []
    body_owners = first_shops(row.body_digest for row in rows)
    for row in rows:
        if row.shop_domain not in shops:
            shops[row.shop_domain] = find_shop(row.shop_domain)
        shop = shops[row.shop_domain]
        # As of the delivery's arrival, like the one-by-one path (sync/webhooks/apply.py).
        problem = delivery_problem(row.topic, row.payload or {}, row.shop_domain, shop.shopify_id if shop else None,
                                   row.triggered_at, row.received_at, body_owner=body_owners.get(row.body_digest))
        if problem:
            rejected.append((row, problem))
        elif held_while_inactive(row.topic, shop):
            held.append(row)
        elif shop is None:  # the topic's handler would find no shop: nothing to apply
            groups.setdefault((row.shop_domain, "-"), _Group(None, row.topic, None)).rows.append(row)
        else:
            entry = TOPICS[row.topic]
            groups.setdefault((row.shop_domain, row.topic), _Group(shop, row.topic, entry.batch)).rows.append(row)

    processed, left, settle = [], [], []
    for group in groups.values():
        if group.batch is None:
            processed.extend(group.rows)
            continue
        try:
            with db.session.begin_nested():
                shop_id = group.batch.apply(group.shop.domain, [row.payload for row in group.rows])
                privacy.reapply_redactions_to_batch(
                    group.shop, group.topic, [(row.payload, row.triggered_at, row.received_at) for row in group.rows],
                    order_id_at)
        except Exception as exc:
            with log_context.scope(shop=group.shop.domain, topic=group.topic):
                log.exception("a batch of %d %s deliveries failed: applied one by one", len(group.rows), group.topic)
            left.extend((row, f"{exc.__class__.__name__}: {exc}") for row in group.rows)
            continue
        processed.extend(group.rows)
        if shop_id is not None and group.batch.settle is not None and (group.batch.settle, shop_id) not in settle:
            settle.append((group.batch.settle, shop_id))

    _record(processed, rejected, held, left, started)
    db.session.commit()
    for row in processed:
        count_delivery(row.topic, "processed")
    for row, problem in rejected:
        log.warning("webhook %s (%s) for %s rejected: %s", row.webhook_id, row.topic, row.shop_domain, problem)
        count_delivery(row.topic, "rejected")
    for row in held:
        count_delivery(row.topic, HELD)
    failed = {row.id for row, _ in left}
    for group in groups.values():
        if group.rows[0].id in failed:
            continue
        with log_context.scope(shop=group.rows[0].shop_domain, topic=group.topic):
            if group.batch is None:
                log.info("%d %s deliveries for a shop not installed: nothing to apply", len(group.rows), group.topic)
            else:
                log.info("%d %s deliveries applied", len(group.rows), group.topic)
            log.debug("applied: %s", ", ".join(row.webhook_id for row in group.rows))
    for row, _ in left:  # each on the one-by-one path, with its own retries
        task_queue.enqueue("webhook", row.id)
    for settle_shop, shop_id in settle:
        try:
            settle_shop(shop_id, started)
        except Exception:  # the deliveries are applied and recorded; the next write settles them
            log.exception("settling the mappings of shop %s after a batch failed", shop_id)
    return len(rows)


def _claim(limit: int):
    """The oldest waiting deliveries of batched topics, locked for this transaction."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite does not lock rows: hold its write lock (a write that changes nothing)
        # before reading, so two batches never take the same deliveries.
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == -1)
                           .values(status=WebhookDelivery.status).execution_options(synchronize_session=False))
    return db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.webhook_id, WebhookDelivery.topic, WebhookDelivery.shop_domain,
               WebhookDelivery.payload, WebhookDelivery.triggered_at, WebhookDelivery.received_at,
               WebhookDelivery.body_digest)
        .where(WebhookDelivery.status == "received", WebhookDelivery.topic.in_(sorted(BATCHED_TOPICS)),
               WebhookDelivery.payload.is_not(None), WebhookDelivery.attempts < WEBHOOK_MAX_ATTEMPTS)
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def _record(processed, rejected, held, failed, now: datetime) -> None:
    """Each delivery's outcome, its payload erased once applied (it carries personal data).
    A delivery whose batch failed is `failed`, its attempts unchanged: the one-by-one path
    takes it (its task is sent after the commit; the clock's sweep, were that lost), and no
    later batch takes it again."""
    def mark(rows, **values):
        if rows:
            db.session.execute(
                update(WebhookDelivery).where(one_of(WebhookDelivery.id, [row.id for row in rows]))
                .values(**values).execution_options(synchronize_session=False))

    mark(processed, status="processed", attempts=WebhookDelivery.attempts + 1, error=None, processed_at=now,
         payload=null())
    mark(held, status=HELD, error=None)
    for row, problem in rejected:
        mark([row], status="rejected", error=problem[:2000], payload=null())
    for row, error in failed:
        mark([row], status="failed", error=error[:2000])
