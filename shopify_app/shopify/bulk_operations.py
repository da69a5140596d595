"""Shopify's bulk-operations protocol: start a bulk query, read its state, stream its JSONL.

The JSONL holds one object per line; objects of nested connections come on their
own lines with `__parentId`, after their parent but not always right after. The
file is read as a stream (`requests` with `stream=True`, `iter_lines`): memory stays
flat whatever its size. What a run does with the lines (batches, checkpoints,
resuming) is `shopify_app.sync.bulk`'s business.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone

import requests

from .graphql_client import GraphQLClient, GraphQLError, OutcomeUnknown
from .times import parse_time_or_none, search_time

# The statuses after which an operation changes no more.
FINAL = {"COMPLETED", "FAILED", "CANCELED", "CANCELLED", "EXPIRED"}
# A result file Shopify answers with these is gone (its URL expired): start over.
EXPIRED_FILE_STATUSES = (403, 404, 410)
# How far Shopify's clock may be behind ours when we look for an operation we started.
CLOCK_SLACK = timedelta(minutes=2)
# Starts whose answer was lost and whose operation is nowhere in Shopify: tried again up to this.
START_ATTEMPTS = 2


class BulkOperationFailed(Exception):
    """The bulk operation did not complete; what it delivered (if anything) was kept."""


def start(client: GraphQLClient, query: str, since: datetime | None = None) -> str:
    """Start a bulk query; its operation id. BulkOperationFailed when Shopify refuses it.

    When the answer to `bulkOperationRunQuery` is lost (OutcomeUnknown), the shop's bulk
    queries created since `since` (default: just before this call) are read and the one
    with our query is adopted; only when there is none is the query started again.
    """
    since = since or datetime.now(timezone.utc)
    lost: OutcomeUnknown | None = None
    for _attempt in range(START_ATTEMPTS):
        try:
            return _start_once(client, query)
        except OutcomeUnknown as exc:
            adopted = find_started(client, query, since)
            if adopted:
                return adopted
            lost = exc  # Shopify has no operation of ours: that start did not land
    raise BulkOperationFailed(f"could not start the bulk operation: {lost}") from lost


def _start_once(client: GraphQLClient, query: str) -> str:
    try:
        data = client.execute("bulk_run_query", {"query": query})
    except OutcomeUnknown:
        raise
    except GraphQLError as exc:
        raise BulkOperationFailed(f"could not start the bulk operation: {exc}") from exc
    payload = data.get("bulkOperationRunQuery") or {}
    errors = payload.get("userErrors") or []
    if errors:
        raise BulkOperationFailed("bulk operation refused: " + "; ".join(e.get("message", "") for e in errors))
    op = payload.get("bulkOperation") or {}
    if not op.get("id"):
        raise BulkOperationFailed("bulk operation not started (no id returned)")
    return op["id"]


def find_started(client: GraphQLClient, query: str, since: datetime) -> str | None:
    """The newest bulk query with this query text created since `since`, or None."""
    search = f"operation_type:query created_at:>='{search_time(since - CLOCK_SLACK)}'"
    nodes = ((client.execute("bulk_operations_recent", {"query": search}) or {}).get("bulkOperations")
             or {}).get("nodes") or []
    return pick_started(nodes, query, since - CLOCK_SLACK)


def pick_started(operations: list[dict], query: str, since: datetime) -> str | None:
    """Of these operations, the newest with this query text created since `since` (pure)."""
    wanted = " ".join(query.split())
    floor = datetime.min.replace(tzinfo=timezone.utc)
    ours = [op for op in operations
            if op.get("id") and " ".join((op.get("query") or "").split()) == wanted
            and (parse_time_or_none(op.get("createdAt")) or floor) >= since]
    if not ours:
        return None
    return max(ours, key=lambda op: parse_time_or_none(op.get("createdAt")) or floor)["id"]


def fetch(client: GraphQLClient, op_id: str) -> dict | None:
    """The operation's current state, or None when Shopify does not know it (or not for us)."""
    return (client.execute("bulk_operation", {"id": op_id}) or {}).get("bulkOperation")


def status_of(op: dict) -> str:
    return (op.get("status") or "").upper()


def is_final(op: dict) -> bool:
    return status_of(op) in FINAL


def object_count(op: dict) -> int:
    return int(op.get("objectCount") or 0)


def result_url(op: dict) -> str | None:
    """Where a final operation's lines are: the whole file, or what a failed one delivered."""
    return op.get("url") if status_of(op) == "COMPLETED" else op.get("partialDataUrl")


def file_expired(exc: requests.HTTPError) -> bool:
    return exc.response is not None and exc.response.status_code in EXPIRED_FILE_STATUSES


def stream_url(url: str, session: requests.Session | None = None, timeout: float = 60.0) -> Iterator[bytes]:
    """The lines of a JSONL file, read as a stream: memory stays flat whatever its size."""
    http = session or requests.Session()
    with http.get(url, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        yield from resp.iter_lines(chunk_size=256 * 1024)


def records(lines: Iterable[bytes | str]) -> Iterator[bytes | str]:
    """The lines that hold an object (blank lines are skipped), not yet parsed."""
    for line in lines:
        if line and not line.isspace():
            yield line


parse_record = json.loads


def parse_lines(lines: Iterable[bytes | str]) -> Iterator[dict]:
    """JSON objects from JSONL lines (bytes or text); blank lines are skipped."""
    for line in records(lines):
        yield parse_record(line)
