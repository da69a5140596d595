"""Running one flow for one shop: the lease, the run record, the outcome.

`run_flow` runs a flow now, in the calling thread (commands and tests call it); the
tasks carry runs out in steps with the same lease (shopify_app.sync.run_steps). It never
runs a flow for a shop that is uninstalled, inactive, below the flow's access
level, or with the flow switched off: such a run is recorded as skipped.

One run at a time per shop and flow, across threads, processes and machines: the
lease is a column pair on the flow's state row, taken by one conditional UPDATE
(atomic on SQLite and PostgreSQL), owned by one run (`lease_owner_for(run_id)`),
renewed in the background while the run lives and released when it ends. The
lease is short and renewed often (a heartbeat): a process killed outright leaves a
lease that expires within LEASE_DURATION, after which its redelivered task (or the
clock's sweep) records the run as interrupted and queues its resumption (from the
flow's committed checkpoint), and `GET /api/sync` no longer shows it running
(`run_is_alive`).

At most one queued run per shop and flow: a unique partial index on `sync_runs`
makes `queue_run` atomic across threads and processes.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from .. import log_context
from ..extensions import db
from ..models import FlowState, Shop, SyncRun
from ..shopify.access import AccessLevel
from .connection import client_for
from .flows import RunContext, RunInterrupted, shutdown_event
from .instrumentation import observed_run
from .registry import FLOWS, interval_for
from .run_queue import queue_run, requeue_claimed
from .shop_gate import ShopInactive

log = logging.getLogger(__name__)

# Short, so that a killed worker's flow is free again (and resumed) within a minute.
LEASE_DURATION = timedelta(seconds=30)
# How often a running run extends its lease: several renewals fit in LEASE_DURATION,
# so a slow database answer or two never lets a live run's lease expire.
LEASE_RENEW_EVERY = timedelta(seconds=5)
# A run marked running (claimed) takes its lease a moment later: until then it counts
# as alive for this long.
CLAIM_GRACE = timedelta(seconds=30)
# What a run left `running` by a dead worker is recorded with (and shown as meanwhile).
ABANDONED_ERROR = "interrupted: the worker running it stopped (its lease expired)"
# How often a running run checks that it may still run (shop uninstalled, access
# lowered to none, flow switched off...): it stops at its next checkpoint if not.
PERMISSION_CHECK_EVERY = timedelta(seconds=15)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def lease_owner_for(run_id: int) -> str:
    """The lease owner of one run: unique per run, so two threads of one process never share it."""
    return f"{WORKER_ID}:run-{run_id}"


def run_id_of_owner(owner: str | None) -> int | None:
    if not owner or ":run-" not in owner:
        return None
    try:
        return int(owner.rsplit(":run-", 1)[1])
    except ValueError:
        return None


def flow_state(shop_id: int, flow: str) -> FlowState:
    """The shop's state row for a flow, created on first use."""
    state = db.session.execute(
        select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
    ).scalar_one_or_none()
    if state is None:
        state = FlowState(shop_id=shop_id, flow=flow, enabled=True, state={})
        db.session.add(state)
        try:
            db.session.commit()
        except Exception:  # created concurrently by another process
            db.session.rollback()
            state = db.session.execute(
                select(FlowState).where(FlowState.shop_id == shop_id, FlowState.flow == flow)
            ).scalar_one()
    return state


def reschedule(state: FlowState) -> None:
    """A new interval counts from the flow's last start (the clock reads `next_due_at`)."""
    if state.last_started_at is not None:
        state.next_due_at = state.last_started_at + timedelta(minutes=interval_for(state.flow, state))


def skip_reason(shop: Shop | None, state: FlowState | None, flow_name: str) -> str | None:
    """Why this shop must not run this flow now, or None. A pure decision."""
    flow = FLOWS.get(flow_name)
    if flow is None:
        return f"no {flow_name} flow in this version"
    if shop is None:
        return "shop not found"
    if shop.status != "active":
        return f"shop is {shop.status}"
    if shop.needs_reauth:
        return "shop needs re-authentication"
    if state is not None and not state.enabled:
        return f"{flow_name} is switched off"
    if not AccessLevel(shop.access_level).allows(flow.min_level):
        if shop.access_level == AccessLevel.NONE.value:
            return "access level is none: the app calls Shopify for nothing on this shop"
        return f"access level {shop.access_level} does not allow {flow_name} (needs {flow.min_level.value})"
    return None


def lease_update(state_id: int, owner: str, duration: timedelta, now: datetime, handoff_from: str | None = None):
    """The conditional UPDATE that takes a lease: free, expired, already `owner`'s, or
    (a run's next step) handed over by `handoff_from`."""
    taken_from = [FlowState.lease_owner.is_(None), FlowState.lease_expires_at < now, FlowState.lease_owner == owner]
    if handoff_from is not None:
        taken_from.append(FlowState.lease_owner == handoff_from)
    return (
        update(FlowState)
        .where(FlowState.id == state_id, or_(*taken_from))
        .values(lease_owner=owner, lease_expires_at=now + duration)
        .execution_options(synchronize_session=False)
    )


def acquire_lease(state_id: int, owner: str, duration: timedelta | None = None) -> bool:
    """Take (or extend, for its owner) the shop+flow lease: one conditional UPDATE.

    `owner` is always a run's own (`lease_owner_for(run_id)`), never the worker's: a
    lease held by a run is extended only by that run's LeaseKeeper."""
    now = datetime.now(timezone.utc)
    result = db.session.execute(lease_update(state_id, owner, duration or LEASE_DURATION, now))
    db.session.commit()
    return result.rowcount == 1


def renew_lease(state_id: int, owner: str, duration: timedelta | None = None) -> bool:
    return acquire_lease(state_id, owner, duration)


def release_lease(state_id: int, owner: str) -> None:
    db.session.execute(
        update(FlowState)
        .where(FlowState.id == state_id, FlowState.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_is_alive(run_id: int, started_at: datetime | None, lease_owner: str | None,
                 lease_expires_at: datetime | None, now: datetime, grace: timedelta | None = None) -> bool:
    """Whether a run recorded `running` still has a live worker. A pure decision.

    A run holding its flow's lease lives while the lease is unexpired (its worker's
    LeaseKeeper renews it). A run not holding it was claimed a moment ago and is
    taking it (alive for `grace` after its start), or it lost it (to an expiry)."""
    if run_id_of_owner(lease_owner) == run_id:
        return lease_expires_at is not None and lease_expires_at >= now
    grace = CLAIM_GRACE if grace is None else grace
    return started_at is not None and started_at >= now - grace


class LeaseKeeper:
    """Renews a run's lease in a background thread, on its own connection.

    `lost` turns true when the lease was taken over (it had expired); `stop_reason`
    is set when the shop or flow may no longer run (uninstalled, access lowered,
    switched off). The run then stops at its next checkpoint. A database hiccup is
    not a loss: it is retried.
    """

    def __init__(self, engine, state_id: int, owner: str, duration: timedelta | None = None,
                 every: timedelta | None = None, flow: str | None = None):
        self.engine = engine
        self.state_id = state_id
        self.owner = owner
        self.duration = duration or LEASE_DURATION
        self.every = every or LEASE_RENEW_EVERY
        self.flow = flow
        self.lost = False
        self.stop_reason: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{owner}", daemon=True)

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def renew(self) -> bool:
        if self.lost:
            return False
        now = datetime.now(timezone.utc)
        try:
            with self.engine.begin() as conn:
                rowcount = conn.execute(lease_update(self.state_id, self.owner, self.duration, now)).rowcount
        except SQLAlchemyError as exc:
            log.warning("could not renew the lease %s (will retry): %s", self.owner, exc)
            return True
        if rowcount != 1:
            log.error("lease %s was lost", self.owner)
            self.lost = True
            return False
        return True

    def check_allowed(self) -> None:
        """Set stop_reason when the shop or flow may no longer run (a fresh look at the database)."""
        if self.flow is None or self.stop_reason:
            return
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(Shop.status, Shop.access_level, Shop.needs_reauth, FlowState.enabled)
                    .join(FlowState, FlowState.shop_id == Shop.id)
                    .where(FlowState.id == self.state_id)
                ).one_or_none()
        except SQLAlchemyError as exc:
            log.warning("could not check run %s (will retry): %s", self.owner, exc)
            return
        if row is None:
            self.stop_reason = "the shop was deleted"
            return
        shop = SimpleNamespace(status=row.status, access_level=row.access_level, needs_reauth=row.needs_reauth)
        reason = skip_reason(shop, SimpleNamespace(enabled=row.enabled), self.flow)
        if reason:
            log.warning("run %s stops: %s", self.owner, reason)
            self.stop_reason = reason

    def _loop(self) -> None:
        last_renewal = time.monotonic()
        while not self._stop.wait(min(self.every, PERMISSION_CHECK_EVERY).total_seconds()):
            if time.monotonic() - last_renewal >= self.every.total_seconds() * 0.999:
                if not self.renew():
                    return
                last_renewal = time.monotonic()
            self.check_allowed()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


@observed_run
def run_flow(shop_id: int, flow_name: str, trigger: str = "manual", run: SyncRun | None = None,
             *, requeue_if_busy: bool = False) -> SyncRun:
    """Run a flow now, in this thread, and return its recorded run.

    `run` is a queued SyncRun to carry out (from "sync now" or the schedule);
    otherwise one is created. With `requeue_if_busy`, a run that finds another run
    of the same shop and flow in progress goes back to the queue instead of being
    recorded as skipped.
    """
    if flow_name not in FLOWS:
        raise KeyError(f"unknown flow {flow_name!r}")
    shop = db.session.get(Shop, shop_id)
    state = flow_state(shop_id, flow_name)
    now = datetime.now(timezone.utc)
    if run is None:
        # Never `queued` (one queued run per shop and flow): this run starts here and now.
        run = SyncRun(shop_id=shop_id, flow=flow_name, trigger=trigger, status="running", queued_at=now,
                      started_at=now, counts={}, progress={})
        db.session.add(run)
    else:
        trigger = run.trigger
    run.cursor_before = state.cursor
    run.worker = WORKER_ID
    db.session.flush()
    owner = lease_owner_for(run.id)
    log_context.bind(shop=shop.domain if shop else None, run_id=run.id)  # the log lines from here on

    reason = skip_reason(shop, state, flow_name)
    if reason is None and shutdown_event.is_set():
        requeue_claimed(run)
        db.session.commit()
        return run
    if reason is None and not acquire_lease(state.id, owner):
        if requeue_if_busy:
            requeue_claimed(run)
            db.session.commit()
            return run
        reason = "another run of this flow is in progress"
    if reason is not None:
        run.status = "skipped"
        run.error = reason
        run.started_at = run.finished_at = datetime.now(timezone.utc)
        db.session.commit()
        return run

    run.status = "running"
    run.started_at = datetime.now(timezone.utc)
    state.last_started_at = run.started_at
    db.session.commit()
    keeper = LeaseKeeper(db.engine, state.id, owner, flow=flow_name).start()
    ctx = RunContext(
        shop=shop,
        run=run,
        state=state,
        trigger=trigger,
        client_factory=lambda: client_for(shop, min_level=FLOWS[flow_name].min_level),
        lease=keeper,
    )
    ctx.write_counts_on_commit(db.session())
    requeue = False
    try:
        FLOWS[flow_name].run(ctx)
        if keeper.lost:
            raise RunInterrupted("the lease on this shop and flow was lost")
    except (RunInterrupted, ShopInactive) as exc:  # ShopInactive: deactivated mid-run, at its next call
        db.session.rollback()
        log.warning("%s run %s for %s interrupted: %s", flow_name, run.id, shop.domain, exc)
        run = db.session.merge(run)
        run.status = "failed"
        run.error = f"interrupted: {exc}"
        requeue = shutdown_event.is_set() and not keeper.lost
    except Exception as exc:
        db.session.rollback()
        log.exception("%s run %s for %s failed", flow_name, run.id, shop.domain)
        run = db.session.merge(run)
        run.status = "failed"
        run.error = f"{exc.__class__.__name__}: {exc}"[:4000]
    else:
        run.status = "succeeded"
    finally:
        keeper.stop()
        try:
            run.finished_at = datetime.now(timezone.utc)
            state = db.session.merge(state)
            if not keeper.lost:
                state.last_finished_at = run.finished_at
            run.cursor_after = state.cursor
            db.session.commit()
        finally:
            ctx.stop_writing_counts()
            release_lease(state.id, owner)
    if requeue:
        # Stopped by a shutdown: the work resumes from its committed cursor soon after
        # (for a shop switched off meanwhile, from the run its activation queues).
        try:
            queue_run(shop_id, flow_name, trigger)
        except ShopInactive:
            pass
    return run
