"""Running one flow for one shop: the lease, the run record, the outcome.

`run_flow` is what the scheduler calls (and what tests call directly). It never
runs a flow for a shop that is uninstalled, inactive, below the flow's access
level, or with the flow switched off: such a run is recorded as skipped.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import FlowState, Shop, SyncRun
from ..shopify.access import AccessLevel
from .connection import client_for
from .flows import FLOWS, RunContext

log = logging.getLogger(__name__)

LEASE_DURATION = timedelta(minutes=10)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


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


def skip_reason(shop: Shop, state: FlowState, flow_name: str) -> str | None:
    """Why this shop must not run this flow now, or None. A pure decision."""
    flow = FLOWS[flow_name]
    if shop.status != "active":
        return f"shop is {shop.status}"
    if shop.needs_reauth:
        return "shop needs re-authentication"
    if not state.enabled:
        return f"{flow_name} is switched off"
    if not AccessLevel(shop.access_level).allows(flow.min_level):
        return f"access level {shop.access_level} does not allow {flow_name}"
    return None


def acquire_lease(state_id: int, owner: str = WORKER_ID, duration: timedelta = LEASE_DURATION) -> bool:
    """Take the shop+flow lease: one conditional UPDATE, atomic on SQLite and PostgreSQL."""
    now = datetime.now(timezone.utc)
    result = db.session.execute(
        update(FlowState)
        .where(
            FlowState.id == state_id,
            or_(FlowState.lease_owner.is_(None), FlowState.lease_expires_at < now, FlowState.lease_owner == owner),
        )
        .values(lease_owner=owner, lease_expires_at=now + duration)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def renew_lease(state_id: int, owner: str = WORKER_ID, duration: timedelta = LEASE_DURATION) -> bool:
    return acquire_lease(state_id, owner, duration)


def release_lease(state_id: int, owner: str = WORKER_ID) -> None:
    db.session.execute(
        update(FlowState)
        .where(FlowState.id == state_id, FlowState.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_flow(shop_id: int, flow_name: str, trigger: str = "manual", run: SyncRun | None = None) -> SyncRun:
    """Run a flow now, in this thread, and return its recorded run.

    `run` is a queued SyncRun to carry out (from "sync now"); otherwise one is created.
    """
    if flow_name not in FLOWS:
        raise KeyError(f"unknown flow {flow_name!r}")
    shop = db.session.get(Shop, shop_id)
    state = flow_state(shop_id, flow_name)
    now = datetime.now(timezone.utc)
    if run is None:
        run = SyncRun(shop_id=shop_id, flow=flow_name, trigger=trigger, status="queued", queued_at=now)
        db.session.add(run)
    run.cursor_before = state.cursor
    run.worker = WORKER_ID

    reason = skip_reason(shop, state, flow_name)
    if reason is None and not acquire_lease(state.id):
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
    ctx = RunContext(
        shop=shop,
        run=run,
        state=state,
        trigger=trigger,
        client_factory=lambda: client_for(shop, min_level=FLOWS[flow_name].min_level),
    )
    try:
        FLOWS[flow_name].run(ctx)
    except Exception as exc:
        db.session.rollback()
        log.exception("%s run %s for %s failed", flow_name, run.id, shop.domain)
        run = db.session.merge(run)
        run.status = "failed"
        run.error = f"{exc.__class__.__name__}: {exc}"[:4000]
    else:
        run.status = "succeeded"
    finally:
        run.finished_at = datetime.now(timezone.utc)
        state = db.session.merge(state)
        state.last_finished_at = run.finished_at
        run.cursor_after = state.cursor
        db.session.commit()
        release_lease(state.id)
    return run
