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

import requests

from .graphql_client import GraphQLClient, GraphQLError

# The statuses after which an operation changes no more.
FINAL = {"COMPLETED", "FAILED", "CANCELED", "CANCELLED", "EXPIRED"}
# A result file Shopify answers with these is gone (its URL expired): start over.
EXPIRED_FILE_STATUSES = (403, 404, 410)


class BulkOperationFailed(Exception):
    """The bulk operation did not complete; what it delivered (if anything) was kept."""


def start(client: GraphQLClient, query: str) -> str:
    """Start a bulk query; its operation id. BulkOperationFailed when Shopify refuses it."""
    try:
        data = client.execute("bulk_run_query", {"query": query})
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
