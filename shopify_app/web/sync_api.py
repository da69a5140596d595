"""The sync cards' JSON API: state of each flow, "sync now", switches and intervals.

GET   /api/sync               {flow: {enabled, interval_minutes, running, last_run, ...stats}}
POST  /api/sync/<flow>/run    queue a run (the scheduler starts it within seconds): 202
PATCH /api/sync/<flow>        {"enabled": bool} and/or {"interval_minutes": 1..1440 whole minutes | null}
Runs carry `error_message` and `summary`: the error and counts in the merchant's words.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import FlowState, Shop, SyncRun
from ..shopify.times import json_time
from ..sync.flows import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES
from ..sync.registry import FLOWS, default_interval, interval_for
from ..sync.run_queue import queue_run
from ..sync.runner import ABANDONED_ERROR, flow_state, reschedule, run_is_alive, skip_reason
from .errors import json_error
from .page_figures import done_of_total
from .run_words import counts_summary, error_in_words, progress_summary
from .session import session_token_required

log = logging.getLogger(__name__)

bp = Blueprint("sync_api", __name__, url_prefix="/api/sync")

# The flows the merchant's page shows, in order (DESIGN.md, GET /api/sync): `Flow.card`.
FLOW_NAMES = tuple(name for name, flow in FLOWS.items() if flow.card)


def run_json(run: SyncRun) -> dict:
    return {
        "id": run.id,
        "flow": run.flow,
        "trigger": run.trigger,
        "status": run.status,
        "queued_at": json_time(run.queued_at),
        "started_at": json_time(run.started_at),
        "finished_at": json_time(run.finished_at),
        "counts": run.counts or {},
        "progress": run.progress or {},
        "error": run.error,
        "bulk_operation_id": run.bulk_operation_id,
        # The same in the merchant's words (the technical `error` and `counts` stay beside).
        "error_message": error_in_words(run.error),
        "summary": counts_summary(run.counts, run.flow) or progress_summary(run.progress),
    }


def last_run_json(run: SyncRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "trigger": run.trigger,
        "started_at": json_time(run.started_at),
        "finished_at": json_time(run.finished_at),
        "status": run.status,
        "counts": run.counts or {},
        "error": run.error,
        "error_message": error_in_words(run.error),
        "summary": counts_summary(run.counts, run.flow),
    }


def _latest_runs(shop_id: int) -> tuple[dict, dict, dict]:
    """Per flow: the latest finished run, the running run, the queued run."""
    finished, running, queued = {}, {}, {}
    # The newest run per flow and status group, in one query per group.
    for status_group, target in ((("succeeded", "failed", "skipped"), finished), (("running",), running),
                                 (("queued",), queued)):
        newest = (
            select(SyncRun.flow, func.max(SyncRun.id).label("id"))
            .where(SyncRun.shop_id == shop_id, SyncRun.status.in_(status_group))
            .group_by(SyncRun.flow)
            .subquery()
        )
        for run in db.session.execute(select(SyncRun).join(newest, SyncRun.id == newest.c.id)).scalars():
            target[run.flow] = run
    return finished, running, queued


def _stats(name: str, shop: Shop) -> dict:
    flow = FLOWS.get(name)
    stats = dict(flow.blank_stats) if flow is not None else {}
    if flow is not None and flow.stats is not None:
        try:
            stats.update(flow.stats(shop) or {})
        except Exception:  # the cards still show the rest
            log.exception("stats of %s for %s failed", name, shop.domain)
            db.session.rollback()
    return stats


def abandoned_run_json(run: SyncRun, state: FlowState | None) -> dict:
    """A run still recorded `running` whose worker died (its lease expired): shown as the
    scheduler's recovery records it moments later, interrupted (its flow resumes)."""
    body = last_run_json(run)
    expired_at = state.lease_expires_at if state is not None else None
    body.update(status="failed", error=ABANDONED_ERROR, error_message=error_in_words(ABANDONED_ERROR),
                finished_at=json_time(expired_at or run.started_at))
    return body


def _is_alive(run: SyncRun, state: FlowState | None) -> bool:
    return run_is_alive(run.id, run.started_at, state.lease_owner if state is not None else None,
                        state.lease_expires_at if state is not None else None, datetime.now(timezone.utc))


def flow_json(name: str, shop: Shop, state: FlowState | None, finished, running, queued) -> dict:
    flow = FLOWS.get(name)
    current = running.get(name)
    waiting = queued.get(name)
    last_run = last_run_json(finished.get(name))
    if current is not None and not _is_alive(current, state):
        # Never "running" once its lease expired: its worker is gone.
        if last_run is None or current.id > last_run["id"]:
            last_run = abandoned_run_json(current, state)
        current = None
    entry = {
        "enabled": state.enabled if state is not None else True,
        "interval_minutes": interval_for(name, state),
        "default_interval_minutes": default_interval(name),
        # A run in progress is truthy even before it reports progress (an empty {} is not).
        "running": {**(current.progress or {}), **done_of_total(current.progress)} if current is not None else False,
        "last_run": last_run,
        "current_run": {"id": current.id, "trigger": current.trigger, "started_at": json_time(current.started_at),
                        "summary": progress_summary(current.progress)}
        if current is not None else None,
        "queued": {"id": waiting.id, "trigger": waiting.trigger, "queued_at": json_time(waiting.queued_at)}
        if waiting is not None else False,
        "available": flow is not None,
        "min_access": flow.min_level.value if flow is not None else None,
        # Why it would not run now (null: it runs on schedule).
        "blocked": skip_reason(shop, state, name) if flow is not None else "not available in this version",
    }
    entry.update(_stats(name, shop))
    return entry


def sync_summary(shop: Shop) -> dict:
    states = {
        s.flow: s for s in db.session.execute(select(FlowState).where(FlowState.shop_id == shop.id)).scalars()
    }
    finished, running, queued = _latest_runs(shop.id)
    return {name: flow_json(name, shop, states.get(name), finished, running, queued) for name in FLOW_NAMES}


def _known(name: str) -> bool:
    return name in FLOW_NAMES or name in FLOWS


@bp.get("")
@session_token_required
def get_sync():
    return jsonify(sync_summary(g.shop))


@bp.post("/<flow>/run")
@session_token_required
def run_now(flow: str):
    if not _known(flow):
        return json_error(404, f"unknown flow {flow!r}; one of {', '.join(FLOW_NAMES)}")
    shop: Shop = g.shop
    state = flow_state(shop.id, flow)
    reason = skip_reason(shop, state, flow)
    if reason is not None:
        return json_error(409, f"{flow} cannot run: {reason}")
    run, created = queue_run(shop.id, flow, "manual")
    body = run_json(run)
    body["created"] = created
    return jsonify(body), 202


class IntervalRefused(ValueError):
    """A well-formed interval the app cannot take (a fraction, out of range): 422."""


def _validate_patch(body) -> dict:
    if not isinstance(body, dict) or not body:
        raise ValueError('send a JSON object with "enabled" and/or "interval_minutes"')
    unknown = sorted(set(body) - {"enabled", "interval_minutes"})
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    changes = {}
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise ValueError("enabled must be true or false")
        changes["enabled"] = body["enabled"]
    if "interval_minutes" in body:
        value = body["interval_minutes"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError("interval_minutes must be a number of minutes, or null for the flow's default")
        if isinstance(value, float):
            if not value.is_integer():
                raise IntervalRefused(f"The interval is in whole minutes: {value:g} is not one. Choose a whole "
                                      f"number from {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES}.")
            value = int(value)
        if value is not None and not MIN_INTERVAL_MINUTES <= value <= MAX_INTERVAL_MINUTES:
            raise IntervalRefused(f"The interval is from {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES} whole "
                                  f"minutes; {value} is outside it.")
        changes["interval_minutes"] = value
    return changes


@bp.patch("/<flow>")
@session_token_required
def patch_flow(flow: str):
    if not _known(flow):
        return json_error(404, f"unknown flow {flow!r}; one of {', '.join(FLOW_NAMES)}")
    try:
        changes = _validate_patch(request.get_json(silent=True))
    except IntervalRefused as exc:
        return json_error(422, str(exc))
    except ValueError as exc:
        return json_error(400, str(exc))
    shop: Shop = g.shop
    state = flow_state(shop.id, flow)
    before = {"flow": flow, **{key: getattr(state, key) for key in changes}}
    for key, value in changes.items():
        setattr(state, key, value)
    if "interval_minutes" in changes:
        reschedule(state)
    audit.record("flow.settings", actor_kind="merchant", actor=shop.domain, shop=shop, before=before,
                 after={"flow": flow, **changes})
    db.session.commit()
    finished, running, queued = _latest_runs(shop.id)
    return jsonify(flow_json(flow, shop, state, finished, running, queued))
