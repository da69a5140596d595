"""The tasks: every piece of work the app hands to its task queue, in one table.

`TASKS` maps a task's name to a plain function of JSON-able arguments, called inside
the app's context; shopify_app/task_queue.py turns each into a Celery task (acknowledged
late, redelivered when its worker is lost), or runs it in-process when no broker is
configured: the same code either way. A task returns `Later(seconds)` to be sent again
(a retry, the next step of a run). Each is told, as `redelivered`, whether the broker
delivered its message before (its first worker died).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..extensions import app_settings
from . import retention, run_steps
from .webhooks import apply as deliveries
from .webhooks import batches as webhook_batches


@dataclass(frozen=True)
class Later:
    countdown: float


def sync_run(run_id: int, redelivered: bool = False) -> Later | None:
    """Carry out one step of a sync run (a download, a push...): sync/run_steps.py."""
    step = run_steps.carry_out(run_id, redelivered)
    return None if step.delay is None else Later(step.delay)


def webhook(delivery_id: int, redelivered: bool = False) -> Later | None:
    """Apply a recorded webhook delivery; retried with back-off while it fails."""
    retry_in = deliveries.apply_delivery(delivery_id, redelivered)
    return None if retry_in is None else Later(retry_in)


def webhook_batch(redelivered: bool = False) -> Later | None:
    """Apply the waiting deliveries of bursty topics, a batch to a transaction
    (sync/webhooks/batches.py); sent again at once while more wait."""
    return Later(0) if webhook_batches.apply_waiting() else None


def purge(days: int | None = None, redelivered: bool = False) -> None:
    """Erase personal data past DATA_RETENTION_DAYS (dead-letter payloads, data request exports)."""
    retention.purge_expired(days or app_settings.current.data_retention_days)


TASKS = {
    "sync_run": sync_run,
    "webhook": webhook,
    "webhook_batch": webhook_batch,
    "purge": purge,
}
