"""Bulk operations: start one, follow it, stream its JSONL into batched upserts.

The JSONL holds one object per line; objects of nested connections come on their
own lines with `__parentId`, after their parent but not always right after. The
file is read as a stream (`requests` with `stream=True`, `iter_lines`) and handed
to a sink in batches; each batch is one transaction, and the number of lines
committed is saved in the flow's state with it. A process killed mid-download
picks the same operation up on its next run and skips what it committed: no
duplicates, no gaps. A failed or partial operation never moves the cursor.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select

from ..extensions import db
from ..models import FlowState
from ..shopify.graphql_client import GraphQLError
from ..shopify.times import parse_time
from .flows import RunContext

log = logging.getLogger(__name__)

BATCH_LINES = 5000
POLL_MIN, POLL_MAX = 1.0, 10.0
DEFAULT_TIMEOUT = 6 * 3600
FINAL = {"COMPLETED", "FAILED", "CANCELED", "CANCELLED", "EXPIRED"}


class BulkOperationFailed(Exception):
    """The bulk operation did not complete; what it delivered (if anything) was kept."""


def window_start(cursor: str | None, overlap: timedelta) -> datetime | None:
    """Where an incremental fetch starts: the cursor minus the overlap, so records
    committed late in Shopify (stamped before the cursor) are not skipped."""
    at = parse_time(cursor)
    return None if at is None else at - overlap


def is_newer(incoming, stored) -> bool:
    """Does an incoming version replace the stored one? Equal versions re-apply (idempotent);
    an unversioned incoming record never replaces a versioned one."""
    incoming, stored = parse_time(incoming), parse_time(stored)
    if stored is None:
        return True
    if incoming is None:
        return False
    return incoming >= stored


def parse_lines(lines: Iterable[bytes | str]) -> Iterator[dict]:
    """JSON objects from JSONL lines (bytes or text); blank lines are skipped."""
    loads = json.loads
    for line in lines:
        if line and not line.isspace():
            yield loads(line)


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


def start(client, query: str) -> str:
    data = client.execute("bulk_run_query", {"query": query})
    payload = data.get("bulkOperationRunQuery") or {}
    errors = payload.get("userErrors") or []
    if errors:
        raise BulkOperationFailed("bulk operation refused: " + "; ".join(e.get("message", "") for e in errors))
    op = payload.get("bulkOperation") or {}
    if not op.get("id"):
        raise BulkOperationFailed("bulk operation not started (no id returned)")
    return op["id"]


def fetch(client, op_id: str) -> dict | None:
    return (client.execute("bulk_operation", {"id": op_id}) or {}).get("bulkOperation")


def stream_url(url: str, session: requests.Session | None = None, timeout: float = 60.0) -> Iterator[bytes]:
    """The lines of a JSONL file, read as a stream: memory stays flat whatever its size."""
    http = session or requests.Session()
    with http.get(url, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        yield from resp.iter_lines(chunk_size=256 * 1024)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_RENEW_EVERY = 60.0
_last_renewal: dict[int, float] = {}


def keep_lease(ctx: RunContext) -> None:
    """Long downloads outlive the lease: renew it now and then (at most once a minute)."""
    now = time.monotonic()
    if now - _last_renewal.get(ctx.state.id, 0.0) < _RENEW_EVERY:
        return
    _last_renewal[ctx.state.id] = now
    from .runner import renew_lease

    try:
        renew_lease(ctx.state.id)
    except Exception:  # never fail a download over bookkeeping
        log.exception("could not renew the lease of %s", ctx.state.flow)


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
        op = fetch(ctx.client, op_id)
        if op is None:  # gone (or never ours): start afresh next time
            _set_bulk_state(ctx, None)
            raise BulkOperationFailed(f"bulk operation {op_id} not found")
        status = (op.get("status") or "").upper()
        ctx.report_progress(bulk_status=status.lower(), bulk_objects=int(op.get("objectCount") or 0))
        keep_lease(ctx)
        if status in FINAL:
            return op
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


def ingest(ctx: RunContext, lines: Iterable[bytes | str], sink: Sink, *, skip: int = 0,
           batch_lines: int | None = None, on_commit: Callable[[int], None] | None = None) -> int:
    """Feed JSONL lines to the sink; commit every `batch_lines`; return the lines read.

    The first `skip` lines (committed by an earlier, interrupted run) are passed over.
    `on_commit(lines_done)` runs right after each commit (it saves the resume point).
    """
    batch_lines = batch_lines or BATCH_LINES
    done = 0
    pending = 0
    for line in lines:
        if not line or line.isspace():
            continue
        done += 1
        if done <= skip:
            continue
        sink.add(json.loads(line))
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
        log.info("resuming bulk operation %s for %s at line %s", op_id, ctx.shop.domain, state.get("lines_done", 0))
        ctx.count("bulk_resumed")
    else:
        started_at = _now_iso()
        try:
            op_id = start(ctx.client, query)
        except GraphQLError as exc:
            raise BulkOperationFailed(f"could not start the bulk operation: {exc}") from exc
        state = {"id": op_id, "kind": kind, "started_at": started_at, "lines_done": 0, **(extra or {})}
        _set_bulk_state(ctx, state)
    ctx.run.bulk_operation_id = op_id
    db.session.commit()

    op = wait(ctx, op_id, sleep=sleep)
    status = (op.get("status") or "").upper()
    url = op.get("url") if status == "COMPLETED" else op.get("partialDataUrl")
    skip = int(state.get("lines_done") or 0)

    def saved(lines_done: int) -> None:
        keep_lease(ctx)
        state["lines_done"] = lines_done
        _set_bulk_state(ctx, dict(state))
        ctx.report_progress(objects=lines_done, bulk_objects=int(op.get("objectCount") or 0))

    lines = 0
    if url:
        try:
            lines = ingest(ctx, stream_url(url, http), sink, skip=skip, batch_lines=batch_lines, on_commit=saved)
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code in (403, 404, 410):
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
    """bulk_operations/finish: tell the run waiting on this operation. True if one was."""
    for fs in db.session.execute(select(FlowState).where(FlowState.shop_id == shop_id)).scalars():
        bulk = (fs.state or {}).get("bulk")
        if bulk and bulk.get("id") == op_gid:
            fs.state = {**fs.state, "bulk": {**bulk, "finished": status}}
            db.session.commit()
            return True
    return False


def _register_webhooks() -> None:
    from .shop import find_shop
    from .webhooks import handles

    @handles("bulk_operations/finish")
    def bulk_finished(shop_domain: str, payload: dict) -> None:
        shop = find_shop(shop_domain)
        op_gid = payload.get("admin_graphql_api_id")
        if shop is not None and op_gid:
            mark_finished(shop.id, op_gid, str(payload.get("status") or "completed"))


_register_webhooks()
