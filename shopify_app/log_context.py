"""What a log line is about: the shop, flow, run and webhook delivery being worked on.

Set where a run starts and where a delivery is handled (`scope`, `bind`), read by
`ContextFilter` into every record logged meanwhile, in that thread (contextvars: a thread
or a task starts empty, so nothing leaks from one unit of work into the next). The JSON
log lines carry them as fields (`shop`, `flow`, `run_id`, `delivery_id`, `topic`); the
text lines end with them.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FIELDS = ("shop", "flow", "run_id", "delivery_id", "topic")
_values: ContextVar[dict | None] = ContextVar("oms_log_context", default=None)


def current() -> dict:
    """The fields known now (only those set)."""
    return dict(_values.get() or {})


def bind(**fields) -> None:
    """Add fields to the current context (None values are ignored; unknown names refused)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown log context field(s): {', '.join(sorted(unknown))}")
    merged = current()
    merged.update({name: value for name, value in fields.items() if value is not None})
    _values.set(merged)


def clear() -> None:
    _values.set(None)


@contextmanager
def scope(**fields) -> Iterator[None]:
    """The fields hold inside the block (and whatever is bound in it); the outer ones after."""
    token = _values.set(current())
    try:
        bind(**fields)
        yield
    finally:
        _values.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current context's fields onto each record (never overwriting one given)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_values.get() or {}).items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
