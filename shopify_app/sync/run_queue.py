"""Queueing a run of a flow for a shop ("sync now", a webhook that asks for a pull, the
schedule), and putting a claimed run back. Kept apart from the runner, which needs the
table of flows: the flows themselves queue runs (a fulfillment posted by the OMS, a
location webhook). One queued run per shop and flow at most: a unique partial index
(`uq_sync_runs_one_queued`) makes it so whatever the number of processes."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Shop, SyncRun
from .shop_gate import refuse_inactive


def requeue_claimed(run: SyncRun) -> None:
    """Put a run back in the queue (uncommitted). When another run of its shop and flow
    is queued already (one at most: the unique index), that one does the work and this
    one is recorded as skipped."""
    try:
        with db.session.begin_nested():
            run.status = "queued"
            run.worker = None
            run.started_at = None
            run.error = None
    except IntegrityError:
        queued = queued_run(run.shop_id, run.flow)
        run.status = "skipped"
        run.error = f"run {queued.id if queued else '?'} of this flow is queued and does the work"
        run.started_at = run.finished_at = datetime.now(timezone.utc)


def queued_run(shop_id: int, flow_name: str) -> SyncRun | None:
    return db.session.execute(
        select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == flow_name, SyncRun.status == "queued")
    ).scalar_one_or_none()


def queue_run(shop_id: int, flow_name: str, trigger: str) -> tuple[SyncRun, bool]:
    """Queue a run unless one is already queued for this shop and flow: (run, created).

    Atomic, whatever the number of threads and processes calling it at once: the
    insert runs in a savepoint, and the unique partial index on the queued runs turns
    a concurrent twin into an IntegrityError, answered with the run that won. The
    caller's pending changes are kept (and committed with a new run).
    Raises ShopInactive for an inactive shop: it gets no job (sync/shop_gate.py)."""
    refuse_inactive(db.session.get(Shop, shop_id))
    existing = queued_run(shop_id, flow_name)
    if existing is not None:
        return existing, False
    try:
        return _insert_queued(shop_id, flow_name, trigger), True
    except IntegrityError:  # a twin was queued at the same moment: answer with it
        existing = queued_run(shop_id, flow_name)
        if existing is None:  # ...and already claimed: this one is not a duplicate any more
            return _insert_queued(shop_id, flow_name, trigger), True
        return existing, False


def _insert_queued(shop_id: int, flow_name: str, trigger: str) -> SyncRun:
    run = SyncRun(shop_id=shop_id, flow=flow_name, trigger=trigger, status="queued",
                  queued_at=datetime.now(timezone.utc), counts={}, progress={})
    with db.session.begin_nested():
        db.session.add(run)
    db.session.commit()
    return run
