"""Shopify's timestamps: parsed once, written once.

Shopify sends ISO 8601 with `Z` or an offset (GraphQL `DateTime`, webhook payloads,
`X-Shopify-Triggered-At`); its search syntax takes UTC with `Z`.
"""
from __future__ import annotations

from datetime import datetime, timezone


def parse_time(value) -> datetime | None:
    """A Shopify timestamp as an aware UTC datetime; None for None or ''. Naive values
    are taken as UTC. Raises ValueError for text that is no timestamp."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def parse_time_or_none(value) -> datetime | None:
    """parse_time, but None for anything that does not parse (untrusted input)."""
    try:
        return parse_time(value)
    except (TypeError, ValueError, OverflowError):
        return None


def search_time(moment: datetime) -> str:
    """A moment as Shopify's search syntax takes it: '2026-01-02T03:04:05Z'."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_time(moment: datetime | None) -> str | None:
    """A stored moment as our JSON APIs write it (ISO 8601, UTC, 'Z'); None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
