"""Unit tests: pure logic, and the app on SQLite through the Flask test client; no devstore,
no PostgreSQL, no browser."""
from __future__ import annotations

import pytest

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.shopify.access import AccessLevel
from shopify_app.sync import registry
from shopify_app.sync.flows import Flow, shutdown_event


@pytest.fixture
def only_flows():
    """Replace the table of flows with test flows for the length of a test."""
    saved = dict(registry.FLOWS)
    registry.FLOWS.clear()
    shutdown_event.clear()

    def register(name, fn, min_level=AccessLevel.READ, interval=5):
        registry.FLOWS[name] = Flow(name, fn, min_level, interval)

    yield register
    shutdown_event.clear()
    registry.FLOWS.clear()
    registry.FLOWS.update(saved)


@pytest.fixture
def oms(app):
    """The headers the OMS sends: a new API key for every store, with every permission."""
    _record, key = create_api_key("oms")
    db.session.commit()
    return {"Authorization": f"Bearer {key}"}
