"""What a flow is, and the context a run gets.

The flows themselves are listed in one table, `FLOWS` in shopify_app/sync/registry.py.
The runner (shopify_app.sync.runner) takes the lease, records the SyncRun,
builds the RunContext and calls the flow. A flow raises to fail the run; it
never reports success for work it did not do.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from ..extensions import db
from ..models import FlowState, Shop, SyncRun
from ..shopify.access import AccessLevel
from ..shopify.graphql_client import GraphQLClient


# Set when the process running the work (a worker, or the clock in-process) is asked to
# stop (SIGTERM): running flows stop at their next report_progress / check_interrupt /
# sleep, with their committed work kept.
shutdown_event = threading.Event()


class RunInterrupted(Exception):
    """The run must stop now: the worker is shutting down, the lease was lost, or the
    shop or flow may no longer run (uninstalled, access lowered, switched off)."""


class StepLater(Exception):
    """A run carried out in steps (a task each) ends this step here, at a checkpoint, and
    goes on in `delay` seconds: a bulk operation still running in Shopify, or a step that
    used its time budget. Only raised when the run is `stepped`."""

    def __init__(self, delay: float, why: str):
        super().__init__(why)
        self.delay = max(0.0, float(delay))


@dataclass
class RunContext:
    shop: Shop
    run: SyncRun
    state: FlowState
    trigger: str
    _client: GraphQLClient | None = field(default=None, repr=False)
    client_factory: Callable[[], GraphQLClient] | None = field(default=None, repr=False)
    # The runner's LeaseKeeper: the one thing that renews the shop+flow lease (in the background).
    lease: Any = field(default=None, repr=False)
    _pending_counts: dict[str, int] = field(default_factory=dict, repr=False)
    _bound_session: Any = field(default=None, repr=False)
    # Carried out as tasks (sync/run_steps.py): waits end the step instead of sleeping, and
    # a step ends at its first checkpoint past `step_deadline` (time.monotonic()).
    stepped: bool = False
    step_deadline: float | None = None

    def step_point(self) -> None:
        """A checkpoint where a stepped run may end its step (its work so far committed)."""
        if self.stepped and self.step_deadline is not None and time.monotonic() >= self.step_deadline:
            raise StepLater(0, "the step used its time budget")

    @property
    def should_stop(self) -> bool:
        lease = self.lease
        return shutdown_event.is_set() or bool(lease is not None and (lease.lost or lease.stop_reason))

    def check_interrupt(self) -> None:
        """Raise RunInterrupted when the run must stop (call it between batches)."""
        if shutdown_event.is_set():
            raise RunInterrupted("the worker is shutting down")
        if self.lease is not None and self.lease.lost:
            raise RunInterrupted("the lease on this shop and flow was lost")
        if self.lease is not None and self.lease.stop_reason:
            raise RunInterrupted(f"stopped: {self.lease.stop_reason}")

    def sleep(self, seconds: float) -> None:
        """Wait, but wake up (and raise RunInterrupted) when the run must stop."""
        shutdown_event.wait(max(0.0, seconds))
        self.check_interrupt()

    def set_bulk_operation(self, operation_id: str | None) -> None:
        self.run.bulk_operation_id = operation_id
        db.session.commit()

    @property
    def client(self) -> GraphQLClient:
        if self._client is None:
            assert self.client_factory is not None
            self._client = self.client_factory()
        return self._client

    @property
    def cursor(self) -> str | None:
        return self.state.cursor

    def count(self, key: str, n: int = 1) -> None:
        """Count work done; the count is written by the next commit, with the work.

        Kept off the ORM until then: a dirty run row would be autoflushed by the next
        query and hold a write transaction open through the flow's Shopify calls."""
        self._pending_counts[key] = self._pending_counts.get(key, 0) + n

    def write_counts_on_commit(self, session) -> None:
        """Publish pending counts in each commit of `session`; drop them on rollback
        (the work they counted was rolled back too)."""
        event.listen(session, "before_commit", self._publish_counts)
        event.listen(session, "after_rollback", self._drop_counts)
        self._bound_session = session

    def stop_writing_counts(self) -> None:
        session, self._bound_session = self._bound_session, None
        if session is not None:
            event.remove(session, "before_commit", self._publish_counts)
            event.remove(session, "after_rollback", self._drop_counts)

    def _publish_counts(self, session) -> None:
        if self._pending_counts:
            counts = dict(self.run.counts or {})
            for key, n in self._pending_counts.items():
                counts[key] = counts.get(key, 0) + n
            self.run.counts = counts
            self._pending_counts = {}

    def _drop_counts(self, session) -> None:
        self._pending_counts = {}

    def report_progress(self, **values) -> None:
        """Live progress, committed at once so `GET /api/sync` shows it.

        Also the run's checkpoint: raises RunInterrupted when the worker is
        stopping or the lease was lost (what was committed stays).
        """
        self.run.progress = {**(self.run.progress or {}), **values}
        db.session.commit()
        self.check_interrupt()

    def commit_cursor(self, cursor: str | None) -> None:
        """Advance the cursor. Call only after the data it covers is committed."""
        self.state.cursor = cursor
        self.run.cursor_after = cursor
        db.session.commit()

    def save_state(self, **values) -> None:
        self.state.state = {**(self.state.state or {}), **values}
        db.session.commit()


@dataclass(frozen=True)
class Flow:
    name: str
    run: Callable[[RunContext], None]
    min_level: AccessLevel
    default_interval_minutes: int
    description: str = ""
    # shop -> extra figures for GET /api/sync (e.g. products imported in the last 24 h)
    stats: Callable[[Shop], dict] | None = None
    # Those figures as the cards show them when `stats` fails (the keys always there).
    blank_stats: Mapping[str, object] = field(default_factory=dict)
    # A card on the merchant's pages (GET /api/sync lists it), in FLOWS' order.
    card: bool = False


MIN_INTERVAL_MINUTES = 1
MAX_INTERVAL_MINUTES = 1440
