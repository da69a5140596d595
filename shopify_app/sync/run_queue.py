"""Queueing a run of a flow for a shop ("sync now", a webhook that asks for a pull, the
schedule). Kept apart from the runner, which needs the table of flows: the flows
themselves queue runs (a fulfillment posted by the OMS, a location webhook)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ..extensions import db
from ..models import SyncRun


def queue_run(shop_id: int, flow_name: str, trigger: str) -> tuple[SyncRun, bool]:
    """Queue a run unless one is already queued for this shop and flow: (run, created)."""
    existing = db.session.execute(
        select(SyncRun)
        .where(SyncRun.shop_id == shop_id, SyncRun.flow == flow_name, SyncRun.status == "queued")
        .order_by(SyncRun.id)
        .limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    run = SyncRun(shop_id=shop_id, flow=flow_name, trigger=trigger, status="queued",
                  queued_at=datetime.now(timezone.utc), counts={}, progress={})
    db.session.add(run)
    db.session.commit()
    return run, True
