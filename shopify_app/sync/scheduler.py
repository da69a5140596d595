"""The clock: `flask --app wsgi scheduler` (APScheduler 3), which only enqueues.

The work itself runs as tasks (shopify_app/sync/tasks.py): on Celery workers when a
broker is configured, else in this process's pool (shopify_app/task_queue.py). Every
few seconds a tick
1. queues the scheduled runs that are due: it reads only the flows whose indexed
   `next_due_at` has passed (never every shop), moves each one's `next_due_at` on by
   its interval with a conditional UPDATE, and the process whose UPDATE won queues the
   run (`schedule`, or `reconcile` once a day). Any number of clock processes may run:
   each due run is queued once;
2. sends the task of every queued run not sent yet ("sync now", a webhook asking for a
   pull, the schedule), or whose task went quiet (its message lost).
Less often, a sweep plants the flow states of new shops, records runs whose worker
died (their lease expired) interrupted and sends their resumption, sends again the
webhook deliveries no task will apply (sync/webhooks/retry.py), and about hourly the
purge of personal data past DATA_RETENTION_DAYS.

One run at a time per shop and flow, whatever the number of workers: the runner's
lease (shopify_app.sync.runner, shopify_app.sync.run_steps).
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, task_queue
from ..models import FlowState, Shop, SyncRun, WebhookDelivery
from .flows import shutdown_event
from .registry import FLOWS, interval_for
from .run_queue import queue_run
from .run_steps import abandon
from .runner import CLAIM_GRACE, WORKER_ID, flow_state, run_is_alive, skip_reason
from .activation import apply_kept_webhooks
from .webhooks.retry import WEBHOOK_MAX_ATTEMPTS, sweep_due

log = logging.getLogger(__name__)

UTC = timezone.utc
TICK_SECONDS = 2.0
SWEEP_EVERY = timedelta(seconds=10)
PURGE_EVERY = timedelta(hours=1)
RECONCILE_EVERY = timedelta(days=1)
# A queued run whose task has not been heard of this long is sent again (a busy run's
# task comes back every few seconds and says so: run_steps.start_queued).
REDISPATCH_AFTER = timedelta(minutes=2)
# Due flows queued in one tick at most (a thousand new shops are spread over ticks).
DUE_BATCH = 500
WEBHOOK_SWEEP_BATCH = 200


# --- pure decisions ----------------------------------------------------------------

def choose_trigger(now: datetime, last_reconcile_at: datetime | None, first_success_at: datetime | None,
                   every: timedelta = RECONCILE_EVERY) -> str:
    """`reconcile` once a day per shop and flow, else `schedule`.

    The day counts from the last successful reconciliation, or from the first
    successful run (the first run is a full download: nothing to reconcile yet).
    A failed reconciliation is tried again at the next scheduled run.
    """
    if first_success_at is None:
        return "schedule"
    since = last_reconcile_at or first_success_at
    return "reconcile" if now - since >= every else "schedule"


def next_due(now: datetime, interval_minutes: int) -> datetime:
    return now + timedelta(minutes=interval_minutes)


# --- what a tick does ----------------------------------------------------------------

def enqueue_scheduled(shop_id: int, flow: str, now: datetime | None = None) -> SyncRun | None:
    """Queue the scheduled run of a shop's flow (a reconciliation once a day), if it may run."""
    now = now or datetime.now(UTC)
    shop = db.session.get(Shop, shop_id)
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
    ).scalar_one_or_none()
    if skip_reason(shop, state, flow) is not None:
        return None
    last_reconcile, first_success = db.session.execute(
        select(
            func.max(SyncRun.started_at).filter(SyncRun.trigger == "reconcile"),
            func.min(SyncRun.started_at),
        ).where(SyncRun.shop_id == shop_id, SyncRun.flow == flow, SyncRun.status == "succeeded")
    ).one()
    trigger = choose_trigger(now, last_reconcile, first_success)
    run, created = queue_run(shop_id, flow, trigger)
    if not created and trigger == "reconcile" and run.trigger == "schedule":
        run.trigger = "reconcile"
        db.session.commit()
    return run


def due_flows(now: datetime, limit: int = DUE_BATCH):
    """The flow states of active shops whose scheduled run is due (an index range on
    `next_due_at`: the cost follows what is due, not the number of shops)."""
    return db.session.execute(
        select(FlowState.id, FlowState.shop_id, FlowState.flow, FlowState.next_due_at, FlowState.interval_minutes)
        .join(Shop, Shop.id == FlowState.shop_id)
        .where(FlowState.next_due_at <= now, FlowState.enabled.is_(True), Shop.status == "active")
        .order_by(FlowState.next_due_at)
        .limit(limit)
    ).all()


def enqueue_due(now: datetime | None = None, limit: int = DUE_BATCH) -> int:
    """Queue every due scheduled run once, whatever the number of clock processes; returns how many."""
    now = now or datetime.now(UTC)
    queued = 0
    for row in due_flows(now, limit):
        if row.flow not in FLOWS:
            continue
        interval = interval_for(row.flow, row)
        same = FlowState.next_due_at.is_(None) if row.next_due_at is None else FlowState.next_due_at == row.next_due_at
        won = db.session.execute(
            update(FlowState).where(FlowState.id == row.id, same)
            .values(next_due_at=next_due(now, interval))
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if won == 1 and enqueue_scheduled(row.shop_id, row.flow, now) is not None:
            queued += 1
    return queued


def dispatch_queued(now: datetime | None = None) -> int:
    """Send the task of each queued run not sent yet, or whose task went quiet; returns how many."""
    now = now or datetime.now(UTC)
    stale = now - REDISPATCH_AFTER
    ids = db.session.execute(
        select(SyncRun.id).where(SyncRun.status == "queued",
                                 or_(SyncRun.dispatched_at.is_(None), SyncRun.dispatched_at < stale))
        .order_by(SyncRun.queued_at, SyncRun.id)
    ).scalars().all()
    sent = 0
    for run_id in ids:
        won = db.session.execute(
            update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "queued",
                                  or_(SyncRun.dispatched_at.is_(None), SyncRun.dispatched_at < stale))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if won == 1:
            task_queue.enqueue("sync_run", run_id)
            sent += 1
    return sent


def plant_flow_states() -> int:
    """Create the missing flow states of active shops (a new shop is due at once); a flow
    state written without a due time (outside the ORM) is due now."""
    db.session.execute(update(FlowState).where(FlowState.next_due_at.is_(None))
                       .values(next_due_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    db.session.commit()
    shops = db.session.execute(
        select(Shop.id).where(Shop.status == "active").where(
            select(func.count(FlowState.id)).where(FlowState.shop_id == Shop.id).scalar_subquery() < len(FLOWS))
    ).scalars().all()
    for shop_id in shops:
        for name in FLOWS:
            flow_state(shop_id, name)
    return len(shops)


def recover_stale_runs(now: datetime | None = None) -> int:
    """Runs left `running` by a worker that died (their lease expired, or was never
    taken): recorded as interrupted, and their resumption queued and sent at once, so
    that the work resumes from its checkpoint (a bulk download picks its operation up).
    The redelivered task of a dead worker does the same; whichever comes first does it."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(SyncRun.id, SyncRun.started_at, FlowState.lease_owner, FlowState.lease_expires_at)
        .join(FlowState, and_(FlowState.shop_id == SyncRun.shop_id, FlowState.flow == SyncRun.flow), isouter=True)
        .where(SyncRun.status == "running")
    ).all()
    recovered = 0
    for row in rows:
        if run_is_alive(row.id, row.started_at, row.lease_owner, row.lease_expires_at, now, CLAIM_GRACE):
            continue
        abandon(row.id, now)
        recovered += 1
    return recovered


def sweep_webhooks(now: datetime | None = None, limit: int = WEBHOOK_SWEEP_BATCH) -> int:
    """Send again the deliveries no task will apply (sync/webhooks/retry.py); returns how many."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.received_at)
        .where(WebhookDelivery.status.in_(("failed", "received", "retrying")),
               WebhookDelivery.attempts < WEBHOOK_MAX_ATTEMPTS, WebhookDelivery.payload.is_not(None))
        .order_by(WebhookDelivery.id)
        .limit(limit * 4)
    ).all()
    sent = 0
    for row in rows:
        if sent >= limit:
            break
        if sweep_due(row.status, row.attempts or 0, row.received_at, now):
            if row.status == "retrying":  # its worker died mid-apply: claimable again
                db.session.execute(update(WebhookDelivery)
                                   .where(WebhookDelivery.id == row.id, WebhookDelivery.status == "retrying")
                                   .values(status="failed").execution_options(synchronize_session=False))
                db.session.commit()
            task_queue.enqueue("webhook", row.id)
            sent += 1
    return sent


# --- the clock process ---------------------------------------------------------------

class Clock:
    """One clock process's APScheduler (see the module's docstring)."""

    def __init__(self, app, *, tick_seconds: float = TICK_SECONDS, blocking: bool = True,
                 sweep_every: timedelta = SWEEP_EVERY):
        self.app = app
        self.tick_seconds = tick_seconds
        self.sweep_every = sweep_every
        self.dispatcher = task_queue.for_app(app)
        cls = BlockingScheduler if blocking else BackgroundScheduler
        self.scheduler = cls(
            timezone=UTC,
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        shutdown_event.clear()
        now = datetime.now(UTC)
        self.scheduler.add_job(self._job, "interval", args=[self.tick], seconds=self.tick_seconds, id="tick",
                               next_run_time=now)
        self.scheduler.add_job(self._job, "interval", args=[self.sweep], seconds=self.sweep_every.total_seconds(),
                               id="sweep", next_run_time=now)
        self.scheduler.add_job(self._job, "interval", args=[self.purge], seconds=PURGE_EVERY.total_seconds(),
                               id="purge", next_run_time=now + timedelta(minutes=1))
        log.info("clock %s starting (the work runs %s)", WORKER_ID,
                 "on Celery workers" if self.dispatcher.mode == "celery" else "in this process")
        self.scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Stop enqueuing; in-process work stops at its next checkpoint (resumed later)."""
        shutdown_event.set()
        try:
            self.scheduler.shutdown(wait=wait)
        except Exception:  # not running
            pass
        if self.dispatcher.mode == "local":
            self.dispatcher.shutdown(wait=wait)
        log.info("clock %s stopped", WORKER_ID)

    def run_forever(self) -> None:
        """The CLI's loop: blocks until SIGTERM/SIGINT, then stops gracefully."""
        def on_signal(signum, frame):
            log.info("signal %s: stopping", signum)
            threading.Thread(target=self.stop, name="clock-stop").start()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self.start()

    def _job(self, fn) -> None:
        if shutdown_event.is_set():
            return
        with self.app.app_context():
            try:
                fn()
            except SQLAlchemyError:
                log.exception("clock job %s failed", fn.__name__)
                db.session.rollback()
            finally:
                db.session.remove()

    def tick(self) -> dict[str, int]:
        # An activated shop's kept webhooks, applied (each once, whatever the number of
        # clocks) before its catch-up runs are sent.
        return {"kept_applied": apply_kept_webhooks(), "queued": enqueue_due(), "sent": dispatch_queued()}

    def sweep(self) -> dict[str, int]:
        return {"planted": plant_flow_states(), "recovered": recover_stale_runs(), "webhooks": sweep_webhooks()}

    def purge(self) -> None:
        task_queue.enqueue("purge", int(self.app.config.get("DATA_RETENTION_DAYS") or 30))
