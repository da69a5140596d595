"""Tests that need PostgreSQL (TEST_DATABASE_URL): `pg_app`, the app on a migrated PostgreSQL
database emptied before each test. Skipped when TEST_DATABASE_URL is not set. Marked
`postgres` by directory (tests/conftest.py)."""
from __future__ import annotations

import pytest

from shopify_app import create_app
from shopify_app.extensions import db
from tests.conftest import base_env, truncate_all


@pytest.fixture
def pg_app(pg_database_url):
    truncate_all(pg_database_url)
    app = create_app(base_env(DATABASE_URL=pg_database_url), TESTING=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
