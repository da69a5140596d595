"""How much work waits, as `oms_connector_queue_depth` reports it (metrics.set_queue_depth_source).

Today the queue is the database: sync runs queued, and webhook deliveries recorded but not
yet applied (received, being retried, or failed and due again). When the work moves to a
broker, swap the source for one that asks the broker.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import SyncRun, WebhookDelivery

PENDING_DELIVERY_STATUSES = ("received", "retrying", "failed")


def database_queue_depth() -> dict[str, int]:
    queued_runs = db.session.execute(
        select(func.count()).select_from(SyncRun).where(SyncRun.status == "queued")
    ).scalar_one()
    pending_deliveries = db.session.execute(
        select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.status.in_(PENDING_DELIVERY_STATUSES), WebhookDelivery.payload.is_not(None))
    ).scalar_one()
    return {"sync_runs": queued_runs, "webhook_deliveries": pending_deliveries}
