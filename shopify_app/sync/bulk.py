"""A bulk download as a run: start or resume it, wait with checkpoints, ingest in batches.

Carried out as tasks (a `stepped` run), it is start -> wait -> ingest in resumable steps:
a poll that finds the operation still running ends the step (StepLater: the task comes
back after the poll delay, or at once when the bulk_operations/finish webhook arrives),
and ingesting ends its step after a time budget at a committed batch. No task sleeps
or runs for hours; a task redelivered after its worker died resumes from the last
committed batch. Called directly (run_flow), the same code waits in place.

Shopify's side of it (starting an operation, its state, the JSONL file) is
`shopify_app.shopify.bulk_operations`. Here the lines are handed to a sink in
batches; each batch is one transaction, and the number of lines committed is saved
in the flow's state with it. A process killed mid-download picks the same operation
up on its next run and skips what it committed: no duplicates, no gaps. A failed or
partial operation never moves the cursor. The run's lease is kept by the runner's
LeaseKeeper; waiting and every committed batch are checkpoints (report_progress),
where a run whose lease was lost stops.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select, update

from ..extensions import db
from ..models import FlowState
from ..shopify import bulk_operations
from ..shopify.bulk_operations import BulkOperationFailed
from ..shopify.times import parse_time, search_time
from ..extensions import task_queue
from .flows import RunContext, StepLater
from .shop import find_shop

__all__ = ["BATCH_LINES", "BulkOperationFailed", "BulkResult", "Sink", "ingest", "mark_finished",
           "run", "wait", "window_start"]

log = logging.getLogger(__name__)

BATCH_LINES = 5000
POLL_MIN, POLL_MAX = 1.0, 10.0
DEFAULT_TIMEOUT = 6 * 3600


def window_start(cursor: str | None, overlap: timedelta) -> datetime | None:
    """Where an incremental fetch starts: the cursor minus the overlap, so records
    committed late in Shopify (stamped before the cursor) are not skipped."""
    at = parse_time(cursor)
    return None if at is None else at - overlap


class Sink:
    """Receives the objects of one download; `flush` writes what it holds (no commit)."""

    def add(self, obj: dict) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def flush(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class BulkResult:
    operation: dict
    lines: int
    complete: bool


def _bulk_state(ctx: RunContext) -> dict | None:
    return (ctx.state.state or {}).get("bulk")


def _set_bulk_state(ctx: RunContext, value: dict | None) -> None:
    ctx.save_state(bulk=value)


def _webhook_finished(state_id: int) -> bool:
    """The bulk_operations/finish webhook marked our operation finished (any process)."""
    with db.engine.connect() as conn:
        row = conn.execute(select(FlowState.state).where(FlowState.id == state_id)).scalar_one_or_none()
    bulk = (row or {}).get("bulk") if isinstance(row, dict) else None
    return bool(bulk and bulk.get("finished"))


def wait(ctx: RunContext, op_id: str, *, sleep: Callable[[float], None] = time.sleep,
         timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Poll `bulkOperation(id:)` until it is final (the finish webhook cuts a wait short)."""
    started = time.monotonic()
    delay = POLL_MIN
    while True:
        op = bulk_operations.fetch(ctx.client, op_id)
        if op is None:  # gone (or never ours): start afresh next time
            _set_bulk_state(ctx, None)
            raise BulkOperationFailed(f"bulk operation {op_id} not found")
        status = bulk_operations.status_of(op)
        # The checkpoint of a long wait: a run whose lease was lost stops here.
        ctx.report_progress(bulk_status=status.lower(), bulk_objects=bulk_operations.object_count(op))
        if bulk_operations.is_final(op):
            return op
        if ctx.stepped:
            polls = int((ctx.run.progress or {}).get("bulk_polls") or 0)
            begun = parse_time((_bulk_state(ctx) or {}).get("started_at"))
            if begun is not None and (datetime.now(timezone.utc) - begun).total_seconds() > timeout:
                raise BulkOperationFailed(f"bulk operation {op_id} still {status} after {timeout:.0f}s")
            ctx.report_progress(bulk_polls=polls + 1)
            raise StepLater(poll_delay(polls), f"bulk operation {op_id} is {status.lower()}")
        if time.monotonic() - started > timeout:
            raise BulkOperationFailed(f"bulk operation {op_id} still {status} after {timeout:.0f}s")
        slept = 0.0
        while slept < delay:  # wake early when the finish webhook arrives
            step = min(0.5, delay - slept)
            sleep(step)
            slept += step
            if _webhook_finished(ctx.state.id):
                break
        delay = min(delay * 1.5, POLL_MAX)


def poll_delay(polls: int) -> float:
    """Seconds before the next look at a running operation: 1 s, then growing to 10 s."""
    return min(POLL_MIN * (1.5 ** max(0, polls)), POLL_MAX)


def ingest(ctx: RunContext, lines: Iterable[bytes | str], sink: Sink, *, skip: int = 0,
           batch_lines: int | None = None, on_commit: Callable[[int], None] | None = None) -> int:
    """Feed JSONL lines to the sink; commit every `batch_lines`; return the lines read.

    The first `skip` lines (committed by an earlier, interrupted run) are passed over.
    `on_commit(lines_done)` runs right after each commit (it saves the resume point).
    """
    batch_lines = batch_lines or BATCH_LINES
    done = 0
    pending = 0
    for line in bulk_operations.records(lines):
        done += 1
        if done <= skip:
            continue
        sink.add(bulk_operations.parse_record(line))
        pending += 1
        if pending >= batch_lines:
            sink.flush()
            db.session.commit()
            pending = 0
            if on_commit:
                on_commit(done)
    sink.flush()
    db.session.commit()
    if on_commit:
        on_commit(done)
    return done


def run(ctx: RunContext, query: str, sink: Sink, *, kind: str, sleep: Callable[[float], None] = time.sleep,
        http: requests.Session | None = None, batch_lines: int | None = None,
        extra: dict | None = None) -> BulkResult:
    """Run (or resume) a bulk download into `sink`.

    Returns when every line of a COMPLETED operation is committed. A FAILED,
    CANCELED or EXPIRED operation: its partial data (if any) is committed, the
    state is cleared, and BulkOperationFailed is raised, so the run fails and the
    caller's cursor stays where it was.
    """
    state = _bulk_state(ctx)
    if state and state.get("kind") != kind:
        state = None
    if state:
        op_id = state["id"]
        if state.get("run_id") != ctx.run.id:
            # Another run started it (it was interrupted): resumed, counted once per run.
            # A stepped run coming back for its next step is not a resumption.
            log.info("resuming bulk operation %s for %s at line %s", op_id, ctx.shop.domain,
                     state.get("lines_done", 0))
            ctx.count("bulk_resumed")
            state = {**state, "run_id": ctx.run.id}
            _set_bulk_state(ctx, state)
    else:
        now = datetime.now(timezone.utc)
        started_at = search_time(now)
        op_id = bulk_operations.start(ctx.client, query, since=now)  # adopts ours if the answer is lost
        state = {"id": op_id, "kind": kind, "started_at": started_at, "lines_done": 0, "run_id": ctx.run.id,
                 **(extra or {})}
        _set_bulk_state(ctx, state)
    ctx.run.bulk_operation_id = op_id
    db.session.commit()

    op = wait(ctx, op_id, sleep=sleep)
    status = bulk_operations.status_of(op)
    url = bulk_operations.result_url(op)
    skip = int(state.get("lines_done") or 0)

    def saved(lines_done: int) -> None:
        state["lines_done"] = lines_done
        _set_bulk_state(ctx, dict(state))
        # The checkpoint after each committed batch (the resume point is saved first).
        ctx.report_progress(objects=lines_done, bulk_objects=bulk_operations.object_count(op))
        ctx.step_point()

    lines = 0
    if url:
        try:
            lines = ingest(ctx, bulk_operations.stream_url(url, http), sink, skip=skip, batch_lines=batch_lines,
                           on_commit=saved)
        except requests.HTTPError as exc:
            if bulk_operations.file_expired(exc):
                _set_bulk_state(ctx, None)  # the file expired: start over next time
            raise
    if status != "COMPLETED":
        _set_bulk_state(ctx, None)
        raise BulkOperationFailed(
            f"bulk operation {op_id} {status.lower()} ({op.get('errorCode') or 'no error code'}); "
            f"{lines} partial lines kept, cursor not moved"
        )
    _set_bulk_state(ctx, None)
    return BulkResult(operation={**op, "started_at": state["started_at"]}, lines=lines, complete=True)


def mark_finished(shop_id: int, op_gid: str, status: str) -> bool:
    """bulk_operations/finish: tell the run waiting on this operation, and send its next
    step now rather than at its next poll. True if one was waiting.

    The run may be clearing its bulk state at this very moment (it polled and ingested
    before this webhook was applied). Reading a stale state and writing it back would
    bring the finished operation back to life, and the next run would ingest it again.
    So the shop's flow states are write-locked first (a row lock on PostgreSQL, the
    database's write lock on SQLite) and read afresh under that lock."""
    db.session.execute(update(FlowState).where(FlowState.shop_id == shop_id).values(id=FlowState.id))
    fresh = select(FlowState).where(FlowState.shop_id == shop_id).execution_options(populate_existing=True)
    for fs in db.session.execute(fresh).scalars():
        bulk = (fs.state or {}).get("bulk")
        if bulk and bulk.get("id") == op_gid:
            fs.state = {**fs.state, "bulk": {**bulk, "finished": status}}
            db.session.commit()
            if bulk.get("run_id"):
                # A duplicate of the step already sent is a no-op (sync/run_steps.py).
                task_queue.enqueue("sync_run", int(bulk["run_id"]))
            return True
    db.session.commit()  # nothing was waiting: let the lock go
    return False


def bulk_operation_finished(shop_domain: str, payload: dict) -> None:
    """`bulk_operations/finish`: the waiting download stops polling and ingests."""
    shop = find_shop(shop_domain)
    op_gid = payload.get("admin_graphql_api_id")
    if shop is not None and op_gid:
        mark_finished(shop.id, op_gid, str(payload.get("status") or "completed"))
