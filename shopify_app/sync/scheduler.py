"""The scheduler process: `flask --app wsgi scheduler` (never inside web workers).

How it fits together
- Every scheduler process (one or many, on one or many machines) runs an APScheduler 3
  scheduler with a thread pool. A "tick" every few seconds:
  1. takes or renews the leadership (a row in `scheduler_locks`, a conditional UPDATE
     with an expiry);
  2. on the leader only: keeps the per shop+flow interval jobs in step with the shops
     and their settings ("sweep"), recovers runs whose worker died (killed outright:
     their 30 s lease expired; recorded interrupted and queued again at once, so the
     work resumes from its checkpoint within a minute), and retries failed webhook
     deliveries with back-off, and applies the deliveries kept for shops activated again
     (shopify_app.sync.activation; shops inactive get no job at all);
  3. on every process: claims queued runs (a conditional UPDATE, so one process gets
     each) as far as its pool has room, and runs them.
- The interval jobs live in APScheduler's SQLAlchemyJobStore in the app database
  (table `apscheduler_jobs`, created by the migrations). APScheduler 3 job stores
  must never be shared between schedulers, so only the leader attaches it; when the
  leader dies its lock expires and another process takes over the same jobs. An
  interval job does not run the flow itself: it queues a SyncRun (trigger
  `schedule`, or `reconcile` once a day), which any process then claims. "Sync now"
  queues the same way (trigger `manual`), so it starts within a tick.
- One run at a time per shop and flow, whatever the number of processes: the
  runner's lease on the flow's state row (shopify_app.sync.runner).
- SIGTERM: no new work is claimed, running flows stop at their next checkpoint
  (their committed work kept and a run queued to resume it), the leadership is
  released so another process takes over at once.

Why one module of over 400 lines: it is the hand-written task queue (leadership, claim
queue, recovery, webhook retries) that the move to Celery replaces as a whole; cutting
it into rooms now would be work thrown away with it.
"""
from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..extensions import db
from ..models import FlowState, Shop, SyncRun, WebhookDelivery
from ..models.sync import SchedulerLock
from .activation import apply_kept_webhooks
from .flows import shutdown_event
from .registry import FLOWS, interval_for
from .retention import DEFAULT_RETENTION_DAYS, purge_expired
from . import webhooks as topics
from .run_queue import queue_run, requeue_claimed
from .runner import ABANDONED_ERROR, CLAIM_GRACE, WORKER_ID, run_flow, run_is_alive, skip_reason

log = logging.getLogger(__name__)

UTC = timezone.utc
LEADER_LOCK = "scheduler-leader"
LEADER_TTL = timedelta(seconds=30)
TICK_SECONDS = 2.0
SWEEP_EVERY = timedelta(seconds=5)
# A sweep reads every shop and flow setting only when a cheap signature of them
# changed, and at least this often.
FULL_SWEEP_EVERY = timedelta(minutes=1)
WEBHOOK_RETRY_EVERY = timedelta(seconds=15)
# Personal data past DATA_RETENTION_DAYS (dead-letter payloads, data request exports).
PURGE_EVERY = timedelta(hours=1)
RECONCILE_EVERY = timedelta(days=1)
# A run marked running that has not taken its lease this long after its start has
# lost its worker (one whose lease expired has lost it at once: runner.run_is_alive).
STALE_RUN_GRACE = CLAIM_GRACE
# Webhook deliveries left failed: retried after 30 s, 1, 2, 4... minutes (capped), 8 attempts in all.
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_BACKOFF_BASE = timedelta(seconds=30)
WEBHOOK_BACKOFF_MAX = timedelta(hours=1)
# A delivery still "received" this long after arrival was never processed (its web worker died).
WEBHOOK_STUCK_AFTER = timedelta(minutes=2)
WEBHOOK_BATCH = 50
SHARED_STORE = "shared"
JOB_FUNC = "shopify_app.sync.scheduler:scheduled_job"


# --- pure decisions ----------------------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    shop_id: int
    flow: str
    interval_minutes: int

    @property
    def id(self) -> str:
        return job_id(self.shop_id, self.flow)


def job_id(shop_id: int, flow: str) -> str:
    return f"flow:{shop_id}:{flow}"


def desired_jobs(shops: Iterable[Shop], states: dict[tuple[int, str], FlowState],
                 flows: Iterable[str] | None = None) -> dict[str, JobSpec]:
    """The interval jobs there should be: one per shop and registered flow that may run.

    Shops uninstalled, inactive, needing re-authentication or at access `none`, and
    flows switched off or above the shop's access level get no job.
    """
    names = sorted(flows if flows is not None else FLOWS)
    jobs = {}
    for shop in shops:
        for name in names:
            state = states.get((shop.id, name))
            if skip_reason(shop, state, name) is None:
                spec = JobSpec(shop.id, name, interval_for(name, state))
                jobs[spec.id] = spec
    return jobs


def spread_seconds(key: str, window: float) -> float:
    """A stable offset in [0, window) so that shops do not all start at the same second."""
    if window <= 0:
        return 0.0
    digest = hashlib.sha256(key.encode()).digest()
    return (int.from_bytes(digest[:8], "big") % 10_000) / 10_000 * window


def first_run_time(now: datetime, last_started_at: datetime | None, interval_minutes: int, key: str) -> datetime:
    """When a (re)created interval job fires first.

    Never run: within seconds (a new shop is downloaded at once). Otherwise one
    interval after the last start, or soon (spread over a minute) if that is past.
    """
    if last_started_at is None:
        return now + timedelta(seconds=spread_seconds(key, 5))
    due = last_started_at + timedelta(minutes=interval_minutes)
    if due > now:
        return due
    return now + timedelta(seconds=spread_seconds(key, min(60.0, interval_minutes * 60.0)))


def misfire_grace_seconds(interval_minutes: int) -> int:
    """How late a fire may still run (a busy or restarted scheduler): half an interval, at least a minute."""
    return max(60, interval_minutes * 30)


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


def webhook_backoff(attempts: int) -> timedelta:
    """The wait before retry number `attempts` (1-based) of a failed delivery."""
    delay = WEBHOOK_BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(delay, WEBHOOK_BACKOFF_MAX)


def webhook_retry_due(status: str, attempts: int, received_at: datetime, now: datetime,
                      max_attempts: int = WEBHOOK_MAX_ATTEMPTS) -> bool:
    """Whether a delivery in the ledger should be processed again now."""
    attempts = attempts or 0
    if attempts >= max_attempts:
        return False
    if status == "received":
        return now - received_at >= WEBHOOK_STUCK_AFTER
    total = sum((webhook_backoff(n) for n in range(1, attempts + 1)), timedelta())
    if status == "failed":
        return now >= received_at + total
    if status == "retrying":  # claimed by a scheduler that died while processing it
        return now >= received_at + total + webhook_backoff(attempts + 1) + timedelta(minutes=10)
    return False


# --- what the jobs do ---------------------------------------------------------------

_current: "Scheduler | None" = None


def scheduled_job(shop_id: int, flow: str) -> None:
    """The interval job (stored in the shared job store): queue a run of the flow."""
    sched = _current
    if sched is None:
        log.warning("scheduled job for shop %s %s fired with no scheduler", shop_id, flow)
        return
    with sched.app.app_context():
        try:
            enqueue_scheduled(shop_id, flow)
        finally:
            db.session.remove()


def enqueue_scheduled(shop_id: int, flow: str, now: datetime | None = None) -> SyncRun | None:
    """Queue the scheduled run of a shop's flow (a reconciliation once a day), if it may run."""
    now = now or datetime.now(UTC)
    shop = db.session.get(Shop, shop_id)
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
    ).scalar_one_or_none()
    if skip_reason(shop, state, flow) is not None:
        return None  # the next sweep removes the job
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


def settings_signature() -> tuple:
    """A cheap summary of what decides the jobs: it changes when a shop or a flow setting does."""
    shops = db.session.execute(select(func.count(Shop.id), func.max(Shop.updated_at))).one()
    states = db.session.execute(
        select(
            func.count(FlowState.id),
            func.sum(case((FlowState.enabled.is_(False), FlowState.id), else_=0)),
            func.sum(func.coalesce(FlowState.interval_minutes, 0) * FlowState.id),
        )
    ).one()
    return (tuple(shops), tuple(states), tuple(sorted(FLOWS)))


def recover_stale_runs(now: datetime | None = None) -> int:
    """Runs left `running` by a worker that died (their lease expired, or was never
    taken): recorded as interrupted, and their flow queued again so that the work
    resumes from its checkpoint (a bulk download picks its operation up) at once."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(SyncRun.id, SyncRun.shop_id, SyncRun.flow, SyncRun.trigger, SyncRun.started_at,
               FlowState.lease_owner, FlowState.lease_expires_at)
        .join(FlowState, and_(FlowState.shop_id == SyncRun.shop_id, FlowState.flow == SyncRun.flow), isouter=True)
        .where(SyncRun.status == "running")
    ).all()
    recovered = []
    for row in rows:
        if run_is_alive(row.id, row.started_at, row.lease_owner, row.lease_expires_at, now, STALE_RUN_GRACE):
            continue
        result = db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == row.id, SyncRun.status == "running")
            .values(status="failed", finished_at=now, error=ABANDONED_ERROR)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount == 1:
            recovered.append(row)
    for row in recovered:
        resume_abandoned(row.shop_id, row.flow, row.trigger)
    if recovered:
        log.warning("marked %d abandoned run(s) interrupted, and queued their resumption", len(recovered))
    return len(recovered)


def resume_abandoned(shop_id: int, flow: str, trigger: str) -> SyncRun | None:
    """Queue the resumption of an abandoned run, unless its flow may not run or another
    run of it is already queued or running (that one resumes from the checkpoint)."""
    shop = db.session.get(Shop, shop_id)
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
    ).scalar_one_or_none()
    if skip_reason(shop, state, flow) is not None:
        return None
    busy = db.session.execute(
        select(SyncRun.id).where(SyncRun.shop_id == shop_id, SyncRun.flow == flow,
                                 SyncRun.status.in_(("queued", "running"))).limit(1)
    ).first()
    if busy is not None:
        return None
    return queue_run(shop_id, flow, trigger)[0]


def retry_webhooks(now: datetime | None = None, limit: int = WEBHOOK_BATCH) -> int:
    """Process again deliveries left failed (or never processed), with back-off; returns how many."""
    now = now or datetime.now(UTC)
    candidates = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.received_at)
        .where(
            WebhookDelivery.status.in_(("failed", "received", "retrying")),
            WebhookDelivery.attempts < WEBHOOK_MAX_ATTEMPTS,
            WebhookDelivery.payload.is_not(None),
        )
        .order_by(WebhookDelivery.id)
        .limit(limit * 4)
    ).all()
    done = 0
    for delivery_id, status, attempts, received_at in candidates:
        if done >= limit or shutdown_event.is_set():
            break
        if not webhook_retry_due(status, attempts or 0, received_at, now):
            continue
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == status,
                   WebhookDelivery.attempts == attempts)
            .values(status="retrying")
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        delivery = db.session.get(WebhookDelivery, delivery_id)
        db.session.refresh(delivery)
        topics.process(delivery)
        # process() rolls back a failed handler's transaction, attempt count included:
        # count the attempt here so that the retries stay bounded.
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.attempts == (attempts or 0))
            .values(attempts=(attempts or 0) + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        db.session.refresh(delivery)
        done += 1
        log.info("webhook %s (%s) retried: %s", delivery.webhook_id, delivery.topic, delivery.status)
    return done


def claim_queued_runs(limit: int, worker: str = WORKER_ID, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` queued runs whose shop+flow lease is free; one process gets each."""
    if limit <= 0:
        return []
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(SyncRun.id)
        .join(FlowState, and_(FlowState.shop_id == SyncRun.shop_id, FlowState.flow == SyncRun.flow), isouter=True)
        .where(
            SyncRun.status == "queued",
            or_(FlowState.id.is_(None), FlowState.lease_owner.is_(None), FlowState.lease_expires_at < now),
        )
        .order_by(SyncRun.queued_at, SyncRun.id)
        .limit(limit * 3)
    ).scalars().all()
    claimed, flows_taken = [], set()
    for run_id in rows:
        if len(claimed) >= limit:
            break
        run = db.session.get(SyncRun, run_id)
        if run is None or (run.shop_id, run.flow) in flows_taken:
            continue
        result = db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id, SyncRun.status == "queued")
            .values(status="running", worker=worker, started_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount == 1:
            claimed.append(run_id)
            flows_taken.add((run.shop_id, run.flow))
    return claimed


def release_claim(run_id: int) -> None:
    """Give a claimed run back to the queue (this process will not carry it out)."""
    run = db.session.get(SyncRun, run_id)
    if run is not None and run.status == "running" and run.finished_at is None:
        requeue_claimed(run)
        db.session.commit()


def execute_run(run_id: int) -> SyncRun | None:
    """Carry out a claimed run (in a pool thread, inside an app context)."""
    run = db.session.get(SyncRun, run_id)
    if run is None:
        return None
    if run.flow not in FLOWS:
        run.status = "skipped"
        run.error = f"no {run.flow} flow in this version"
        run.finished_at = datetime.now(UTC)
        db.session.commit()
        return run
    if shutdown_event.is_set():
        release_claim(run_id)
        return run
    return run_flow(run.shop_id, run.flow, run.trigger, run=run, requeue_if_busy=True)


# --- the leadership ------------------------------------------------------------------

def take_leadership(owner: str, now: datetime | None = None, ttl: timedelta | None = None) -> bool:
    """Take or renew the leader lock; True when this process leads."""
    now = now or datetime.now(UTC)
    ttl = ttl or LEADER_TTL
    table = SchedulerLock.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.name == LEADER_LOCK,
               or_(table.c.owner.is_(None), table.c.expires_at < now, table.c.owner == owner))
        .values(owner=owner, expires_at=now + ttl)
    )
    db.session.commit()
    if result.rowcount == 1:
        return True
    if db.session.get(SchedulerLock, LEADER_LOCK) is None:
        db.session.add(SchedulerLock(name=LEADER_LOCK, owner=owner, acquired_at=now, expires_at=now + ttl))
        try:
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
    return False


def release_leadership(owner: str) -> None:
    table = SchedulerLock.__table__
    db.session.execute(
        update(table).where(table.c.name == LEADER_LOCK, table.c.owner == owner).values(owner=None, expires_at=None)
    )
    db.session.commit()


# --- the scheduler -------------------------------------------------------------------

class Scheduler:
    """One scheduler process's machinery (see the module's docstring)."""

    def __init__(self, app, *, threads: int = 8, tick_seconds: float = TICK_SECONDS, blocking: bool = True,
                 worker_id: str = WORKER_ID):
        self.app = app
        self.threads = threads
        self.tick_seconds = tick_seconds
        self.worker_id = worker_id
        self.is_leader = False
        self._known_jobs: dict[str, int] | None = None  # job id -> interval in the shared store
        self._signature: tuple | None = None
        self._last_full_sweep = 0.0
        self._last_sweep = 0.0
        self._last_webhooks = 0.0
        self._last_purge: float | None = None
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._tick_lock = threading.Lock()
        self._stopping = False
        cls = BlockingScheduler if blocking else BackgroundScheduler
        self.scheduler = cls(
            timezone=UTC,
            jobstores={"default": MemoryJobStore()},
            executors={
                "default": ThreadPoolExecutor(max_workers=threads),  # runs
                "control": ThreadPoolExecutor(max_workers=2),  # the tick, and queuing scheduled runs
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )

    # lifecycle
    def start(self) -> None:
        global _current
        _current = self
        shutdown_event.clear()
        self.scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, id="tick", executor="control",
                               next_run_time=datetime.now(UTC), misfire_grace_time=None)
        log.info("scheduler %s starting (%d threads)", self.worker_id, self.threads)
        self.scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Stop claiming, let running flows reach a checkpoint, give up the leadership."""
        global _current
        shutdown_event.set()
        with self._tick_lock:  # never shut down in the middle of a tick (it adds jobs)
            self._stopping = True
        if self.is_leader:
            self._drop_shared_store()
        with self.app.app_context():
            try:
                release_leadership(self.worker_id)
            except SQLAlchemyError:
                log.exception("could not release the leadership")
            finally:
                db.session.remove()
        self.is_leader = False
        try:
            self.scheduler.shutdown(wait=wait)
        except Exception:  # not running
            pass
        if _current is self:
            _current = None
        log.info("scheduler %s stopped", self.worker_id)

    def run_forever(self, grace_seconds: float = 60.0) -> None:
        """The CLI's loop: blocks until SIGTERM/SIGINT, then shuts down gracefully."""
        stopper: dict[str, threading.Thread] = {}

        def on_signal(signum, frame):
            if "thread" in stopper:
                return
            log.info("signal %s: stopping (running flows stop at their next checkpoint)", signum)
            shutdown_event.set()
            thread = threading.Thread(target=self.stop, name="scheduler-stop")
            stopper["thread"] = thread
            thread.start()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        # Every run is recorded in sync_runs; APScheduler's per-job lines would only repeat it.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self.start()  # returns once stop() shut the scheduler down
        thread = stopper.get("thread")
        if thread is not None:
            thread.join(timeout=grace_seconds)
            if thread.is_alive():
                log.error("runs still busy after %.0fs; exiting anyway (their leases expire)", grace_seconds)

    # the tick
    def tick(self) -> None:
        with self._tick_lock:
            if self._stopping:
                return
            with self.app.app_context():
                try:
                    self._tick()
                except Exception:
                    log.exception("scheduler tick failed")
                    db.session.rollback()
                finally:
                    db.session.remove()

    def _tick(self) -> None:
        leading = take_leadership(self.worker_id)
        if leading and not self.is_leader:
            self._become_leader()
        elif not leading and self.is_leader:
            log.warning("scheduler %s lost the leadership", self.worker_id)
            self._drop_shared_store()
        if self.is_leader:
            # An activated shop's kept webhooks, applied before its catch-up runs start.
            apply_kept_webhooks()
            now = time.monotonic()
            if now - self._last_sweep >= SWEEP_EVERY.total_seconds():
                self._last_sweep = now
                self.sweep()
                recover_stale_runs()
            if now - self._last_webhooks >= WEBHOOK_RETRY_EVERY.total_seconds():
                self._last_webhooks = now
                retry_webhooks()
            if self._last_purge is None or now - self._last_purge >= PURGE_EVERY.total_seconds():
                self._last_purge = now
                purge_expired(self.app.config.get("DATA_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
        self.start_queued_runs()

    def _become_leader(self) -> None:
        log.info("scheduler %s is the leader", self.worker_id)
        store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
        self.scheduler.add_jobstore(store, SHARED_STORE)
        self.is_leader = True
        self._known_jobs = None
        self._last_sweep = 0.0

    def _drop_shared_store(self) -> None:
        self.is_leader = False
        self._known_jobs = None
        try:
            self.scheduler.remove_jobstore(SHARED_STORE, shutdown=False)
        except KeyError:
            pass

    def _load_known_jobs(self) -> dict[str, int]:
        known = {}
        for job in self.scheduler.get_jobs(jobstore=SHARED_STORE):
            interval = getattr(job.trigger, "interval", None)
            known[job.id] = int(interval.total_seconds() // 60) if interval else 0
        return known

    def sweep(self, now: datetime | None = None) -> dict[str, int]:
        """Bring the shared store's interval jobs in step with the shops and their settings."""
        now = now or datetime.now(UTC)
        if self._known_jobs is None:
            self._known_jobs = self._load_known_jobs()
            self._signature = None
        signature = settings_signature()
        if signature == self._signature and time.monotonic() - self._last_full_sweep < FULL_SWEEP_EVERY.total_seconds():
            return {"added": 0, "removed": 0, "total": len(self._known_jobs)}
        self._signature = signature
        self._last_full_sweep = time.monotonic()
        shops = db.session.execute(
            select(Shop.id, Shop.status, Shop.access_level, Shop.needs_reauth).where(Shop.status == "active")
        ).all()
        states = {
            (s.shop_id, s.flow): s
            for s in db.session.execute(
                select(FlowState.shop_id, FlowState.flow, FlowState.enabled, FlowState.interval_minutes,
                       FlowState.last_started_at)
            )
        }
        wanted = desired_jobs(shops, states)
        added = removed = 0
        for job_key in sorted(set(self._known_jobs) - set(wanted)):
            try:
                self.scheduler.remove_job(job_key, jobstore=SHARED_STORE)
            except JobLookupError:
                pass
            del self._known_jobs[job_key]
            removed += 1
        for job_key, spec in wanted.items():
            if self._known_jobs.get(job_key) == spec.interval_minutes:
                continue
            state = states.get((spec.shop_id, spec.flow))
            start = first_run_time(now, state.last_started_at if state else None, spec.interval_minutes, job_key)
            self.scheduler.add_job(
                JOB_FUNC,
                trigger=IntervalTrigger(minutes=spec.interval_minutes, start_date=start, timezone=UTC),
                args=[spec.shop_id, spec.flow],
                id=job_key,
                name=f"{spec.flow} for shop {spec.shop_id}",
                jobstore=SHARED_STORE,
                executor="control",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=misfire_grace_seconds(spec.interval_minutes),
            )
            self._known_jobs[job_key] = spec.interval_minutes
            added += 1
        if added or removed:
            log.info("sweep: %d job(s) added or changed, %d removed, %d in all", added, removed, len(wanted))
        return {"added": added, "removed": removed, "total": len(wanted)}

    # runs
    def free_slots(self) -> int:
        with self._inflight_lock:
            return self.threads - self._inflight

    def start_queued_runs(self) -> list[int]:
        if shutdown_event.is_set():
            return []
        claimed = claim_queued_runs(self.free_slots(), self.worker_id)
        for run_id in claimed:
            with self._inflight_lock:
                self._inflight += 1
            try:
                self.scheduler.add_job(self._execute, args=[run_id], id=f"run-{run_id}", executor="default",
                                       misfire_grace_time=None)
            except Exception:
                log.exception("could not start run %s", run_id)
                with self._inflight_lock:
                    self._inflight -= 1
                release_claim(run_id)
        return claimed

    def _execute(self, run_id: int) -> None:
        try:
            with self.app.app_context():
                try:
                    execute_run(run_id)
                except Exception:
                    log.exception("run %s crashed", run_id)
                    db.session.rollback()
                finally:
                    db.session.remove()
        finally:
            with self._inflight_lock:
                self._inflight -= 1
