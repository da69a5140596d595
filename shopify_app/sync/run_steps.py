"""A sync run carried out as tasks, in resumable steps (the `sync_run` task).

A queued run's task takes the shop+flow lease (the runner's conditional UPDATE: one
run at a time per shop and flow, whatever the number of workers), marks the run
running, and runs the flow `stepped`: a bulk operation still running in Shopify, or a
step past its time budget, ends the step at a checkpoint (StepLater). Between steps
the lease is handed to the run itself (`waiting_owner`), for the step's delay plus
the lease's duration; the next step's task takes it back, on any worker.

Every task is idempotent, since the broker may deliver it twice:
- a run already finished, or a step already taken by another task: nothing to do;
- a queued run whose flow is busy (another run holds the lease): tried again later;
- a run left `running` by a worker that died: once its lease expired it is recorded
  interrupted and a run resuming it (from the flow's checkpoint) is queued and sent.
  A task redelivered after its worker died waits for that expiry; any other
  duplicate of a live step is a no-op.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from ..extensions import db, task_queue
from ..models import FlowState, Shop, SyncRun
from .connection import client_for
from .flows import RunContext, RunInterrupted, StepLater, shutdown_event
from .instrumentation import observed_step
from .registry import FLOWS
from .run_queue import queue_run
from .runner import (ABANDONED_ERROR, LEASE_DURATION, WORKER_ID, LeaseKeeper, acquire_lease, flow_state,
                     lease_update, release_lease, run_id_of_owner, skip_reason)

log = logging.getLogger(__name__)

# A step ends at its first checkpoint after this long: no task runs for hours.
STEP_BUDGET = timedelta(seconds=60)
# A queued run whose flow is busy is looked at again after the busy lease's remaining
# time, within these bounds.
BUSY_RETRY_MIN, BUSY_RETRY_MAX = 1.0, 15.0
FINAL = frozenset({"succeeded", "failed", "skipped"})


@dataclass(frozen=True)
class Step:
    """What a step's task does next: nothing (`delay` None), or come back in `delay` seconds."""
    delay: float | None = None


def step_owner(run_id: int) -> str:
    """The lease owner of one task carrying a step out: unique, so that two tasks of the
    same run in one worker (a duplicate delivery) never mistake each other's lease for
    their own."""
    return f"{WORKER_ID}:{uuid.uuid4().hex[:12]}:run-{run_id}"


def waiting_owner(run_id: int) -> str:
    """The lease owner of a run between two steps (no worker holds it)."""
    return f"waiting:run-{run_id}"


@observed_step
def carry_out(run_id: int, redelivered: bool = False) -> Step:
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status in FINAL:
        return Step()
    if run.flow not in FLOWS:
        _finish_skipped(run, f"no {run.flow} flow in this version")
        return Step()
    if run.status == "queued":
        return start_queued(run)
    return continue_running(run, redelivered)


def start_queued(run: SyncRun) -> Step:
    shop = db.session.get(Shop, run.shop_id)
    state = flow_state(run.shop_id, run.flow)
    reason = skip_reason(shop, state, run.flow)
    if reason is not None:
        _finish_skipped(run, reason)
        return Step()
    if shutdown_event.is_set():
        return Step(BUSY_RETRY_MIN)
    owner = step_owner(run.id)
    if not acquire_lease(state.id, owner):
        # The flow is busy: this run stays queued, and its task comes back. The clock
        # sends a queued run again only when its task went quiet (dispatched_at).
        db.session.execute(update(SyncRun).where(SyncRun.id == run.id, SyncRun.status == "queued")
                           .values(dispatched_at=datetime.now(timezone.utc))
                           .execution_options(synchronize_session=False))
        db.session.commit()
        return Step(_busy_delay(state))
    now = datetime.now(timezone.utc)
    taken = db.session.execute(
        update(SyncRun).where(SyncRun.id == run.id, SyncRun.status == "queued")
        .values(status="running", started_at=now, worker=WORKER_ID, cursor_before=state.cursor)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:  # another task started it a moment ago
        release_lease(state.id, owner)
        return Step()
    db.session.refresh(run)
    db.session.refresh(state)
    state.last_started_at = now
    db.session.commit()
    return _step(run, shop, state, owner)


def continue_running(run: SyncRun, redelivered: bool) -> Step:
    shop = db.session.get(Shop, run.shop_id)
    state = flow_state(run.shop_id, run.flow)
    db.session.refresh(state)
    now = datetime.now(timezone.utc)
    owner = step_owner(run.id)
    if state.lease_owner == waiting_owner(run.id):
        if shutdown_event.is_set():
            return Step(BUSY_RETRY_MIN)
        taken = db.session.execute(lease_update(state.id, owner, LEASE_DURATION, now,
                                                handoff_from=waiting_owner(run.id))).rowcount
        db.session.commit()
        if taken != 1:
            return Step()  # another task took this step
        db.session.execute(update(SyncRun).where(SyncRun.id == run.id).values(worker=WORKER_ID)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        db.session.refresh(run)
        return _step(run, shop, state, owner)
    expires = state.lease_expires_at
    if run_id_of_owner(state.lease_owner) == run.id and expires is not None and expires >= now:
        if redelivered:  # its worker died (or lost the broker): take over once the lease expires
            return Step(max(BUSY_RETRY_MIN, (expires - now).total_seconds() + 0.5))
        return Step()  # a duplicate of a step that is running
    resumed = abandon(run.id, now)
    if resumed is not None:  # carried on here and now (its flow's lease is free)
        send(resumed, start_queued(resumed).delay)
    return Step()


def abandon(run_id: int, now: datetime | None = None) -> SyncRun | None:
    """A run left `running` with no live lease: record it interrupted and queue the run
    that resumes it from the flow's checkpoint (the clock sends its task, unless the
    caller carries it on). Safe to call from several processes at once: one of them
    records it. Returns the resuming run, if any."""
    now = now or datetime.now(timezone.utc)
    run = db.session.get(SyncRun, run_id)
    recorded = db.session.execute(
        update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "running")
        .values(status="failed", finished_at=now, error=ABANDONED_ERROR)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if recorded != 1 or run is None:
        return None
    log.warning("run %s (%s) was abandoned by its worker; queueing its resumption", run_id, run.flow)
    shop = db.session.get(Shop, run.shop_id)
    state = flow_state(run.shop_id, run.flow)
    if skip_reason(shop, state, run.flow) is not None:
        return None
    resumed, _ = queue_run(run.shop_id, run.flow, run.trigger)
    return resumed


def send(run: SyncRun, countdown: float | None = 0.0) -> None:
    """Send a queued run's task (in `countdown` seconds; None: no need, it is done)."""
    if countdown is None:
        return
    db.session.execute(update(SyncRun).where(SyncRun.id == run.id, SyncRun.status == "queued")
                       .values(dispatched_at=datetime.now(timezone.utc))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    task_queue.enqueue("sync_run", run.id, countdown=countdown)


def _busy_delay(state: FlowState) -> float:
    db.session.refresh(state)
    if state.lease_expires_at is None:
        return BUSY_RETRY_MIN
    remaining = (state.lease_expires_at - datetime.now(timezone.utc)).total_seconds()
    return min(BUSY_RETRY_MAX, max(BUSY_RETRY_MIN, remaining))


def _finish_skipped(run: SyncRun, reason: str) -> None:
    now = datetime.now(timezone.utc)
    db.session.execute(update(SyncRun).where(SyncRun.id == run.id, SyncRun.status.in_(("queued", "running")))
                       .values(status="skipped", error=reason, started_at=run.started_at or now, finished_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _step(run: SyncRun, shop: Shop, state: FlowState, owner: str) -> Step:
    """One step of a running run that holds its lease as `owner`."""
    flow_name = run.flow
    keeper = LeaseKeeper(db.engine, state.id, owner, flow=flow_name).start()
    ctx = RunContext(shop=shop, run=run, state=state, trigger=run.trigger,
                     client_factory=lambda: client_for(shop, min_level=FLOWS[flow_name].min_level),
                     lease=keeper, stepped=True, step_deadline=time.monotonic() + STEP_BUDGET.total_seconds())
    ctx.write_counts_on_commit(db.session())
    later: float | None = None
    try:
        FLOWS[flow_name].run(ctx)
        if keeper.lost:
            raise RunInterrupted("the lease on this shop and flow was lost")
    except StepLater as exc:
        db.session.commit()
        later = exc.delay
    except RunInterrupted as exc:
        db.session.rollback()
        run = db.session.merge(run)
        if shutdown_event.is_set() and not keeper.lost:
            later = 0.0  # the worker stops: another one takes the next step
        else:
            log.warning("%s run %s for %s interrupted: %s", flow_name, run.id, shop.domain, exc)
            run.status, run.error = "failed", f"interrupted: {exc}"
    except Exception as exc:
        db.session.rollback()
        log.exception("%s run %s for %s failed", flow_name, run.id, shop.domain)
        run = db.session.merge(run)
        run.status, run.error = "failed", f"{exc.__class__.__name__}: {exc}"[:4000]
    else:
        run.status = "succeeded"
    finally:
        keeper.stop()
    try:
        return _after_step(run, state, owner, keeper, later)
    finally:
        ctx.stop_writing_counts()  # after the step's last commit, which writes its counts


def _after_step(run: SyncRun, state: FlowState, owner: str, keeper: LeaseKeeper, later: float | None) -> Step:
    state = db.session.merge(state)
    if later is not None and keeper.lost:
        run.status, run.error, later = "failed", "interrupted: the lease on this shop and flow was lost", None
    if later is not None:
        # Hand the lease to the run itself until its next step takes it back; if that
        # step never comes (its message lost), the lease expires and the run is resumed.
        now = datetime.now(timezone.utc)
        db.session.execute(
            update(FlowState).where(FlowState.id == state.id, FlowState.lease_owner == owner)
            .values(lease_owner=waiting_owner(run.id),
                    lease_expires_at=now + timedelta(seconds=later) + LEASE_DURATION)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return Step(later)
    run.finished_at = datetime.now(timezone.utc)
    if not keeper.lost:
        state.last_finished_at = run.finished_at
    run.cursor_after = state.cursor
    db.session.commit()
    release_lease(state.id, owner)
    return Step()
