"""The flow registry: what each flow is, and the context a run gets.

A flow module registers itself:

    @register_flow("products", min_level=AccessLevel.READ, default_interval_minutes=15)
    def run_products(ctx: RunContext) -> None:
        ...

The runner (shopify_app.sync.runner) takes the lease, records the SyncRun,
builds the RunContext and calls the flow. A flow raises to fail the run; it
never reports success for work it did not do.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..extensions import db
from ..models import FlowState, Shop, SyncRun
from ..shopify.access import AccessLevel
from ..shopify.graphql_client import GraphQLClient


@dataclass
class RunContext:
    shop: Shop
    run: SyncRun
    state: FlowState
    trigger: str
    _client: GraphQLClient | None = field(default=None, repr=False)
    client_factory: Callable[[], GraphQLClient] | None = field(default=None, repr=False)

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
        counts = dict(self.run.counts or {})
        counts[key] = counts.get(key, 0) + n
        self.run.counts = counts

    def report_progress(self, **values) -> None:
        """Live progress, committed at once so `GET /api/sync` shows it."""
        self.run.progress = {**(self.run.progress or {}), **values}
        db.session.commit()

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


FLOWS: dict[str, Flow] = {}

# The flows the UI shows, in order (DESIGN.md, GET /api/sync).
FLOW_NAMES = ("products", "orders", "inventory", "fulfillments", "locations")


def register_flow(
    name: str,
    *,
    min_level: AccessLevel,
    default_interval_minutes: int,
    description: str = "",
    stats: Callable[[Shop], dict] | None = None,
):
    def decorator(fn: Callable[[RunContext], None]) -> Callable[[RunContext], None]:
        FLOWS[name] = Flow(
            name, fn, min_level, default_interval_minutes, description or (fn.__doc__ or "").strip(), stats
        )
        return fn

    return decorator
