"""When a webhook delivery is tried again: pure decisions, no I/O.

A delivery whose handler failed is retried by its task with back-off (30 s, 1, 2, 4...
minutes, capped at an hour), 8 attempts in all. The clock's sweep sends again only
what no task will: a delivery still `received` long after it arrived (its task was
lost with the process that held it), one `failed` well past its retry (the retry was
lost), or one left `retrying` by a worker that died mid-apply.
"""
from __future__ import annotations

from datetime import datetime, timedelta

WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_BACKOFF_BASE = timedelta(seconds=30)
WEBHOOK_BACKOFF_MAX = timedelta(hours=1)
# A delivery still "received" this long after arrival lost its task.
WEBHOOK_STUCK_AFTER = timedelta(minutes=2)
# How late a retry may be before the sweep sends it again itself.
WEBHOOK_RETRY_SLACK = timedelta(minutes=2)
# A delivery "retrying" (being applied) this long: its worker died mid-apply.
WEBHOOK_APPLYING_STUCK_AFTER = timedelta(minutes=10)


def webhook_backoff(attempts: int) -> timedelta:
    """The wait before retry number `attempts` (1-based) of a failed delivery."""
    delay = WEBHOOK_BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(delay, WEBHOOK_BACKOFF_MAX)


def retry_at(attempts: int, received_at: datetime) -> datetime:
    """When a delivery failed `attempts` times is due again."""
    return received_at + sum((webhook_backoff(n) for n in range(1, attempts + 1)), timedelta())


def sweep_due(status: str, attempts: int, received_at: datetime, now: datetime,
              max_attempts: int = WEBHOOK_MAX_ATTEMPTS) -> bool:
    """Whether the clock's sweep should send this delivery's task again now."""
    attempts = attempts or 0
    if attempts >= max_attempts:
        return False
    if status == "received":
        return now - received_at >= WEBHOOK_STUCK_AFTER
    if status == "failed":
        return now >= retry_at(attempts, received_at) + WEBHOOK_RETRY_SLACK
    if status == "retrying":
        return now >= retry_at(attempts, received_at) + WEBHOOK_APPLYING_STUCK_AFTER
    return False
