"""Unit tests: pure logic, and the app on SQLite through the Flask test client; no devstore,
no PostgreSQL, no browser."""
from __future__ import annotations

import pytest

from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import flows
from shopify_app.sync.flows import shutdown_event


@pytest.fixture
def only_flows():
    """Replace the registered flows with test flows for the length of a test."""
    saved = dict(flows.FLOWS)
    flows.FLOWS.clear()
    shutdown_event.clear()

    def register(name, fn, min_level=AccessLevel.READ, interval=5):
        flows.register_flow(name, min_level=min_level, default_interval_minutes=interval)(fn)

    yield register
    shutdown_event.clear()
    flows.FLOWS.clear()
    flows.FLOWS.update(saved)
