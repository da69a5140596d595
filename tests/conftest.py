"""Fixtures every kind of test shares: the environment, the app on a migrated database,
session tokens and Shopify's signatures, shops, a live server.

Tests are laid out by kind, and the directory gives the marker (see
`pytest_collection_modifyitems`): `unit/` (no network, no devstore), `integration/`
(devstore over real HTTP), `browser/` (headless Chromium, over devstore), `postgres/`
(PostgreSQL), `devstore/` (devstore's own tests). Each level's conftest holds the
fixtures only that level needs; fixtures two levels share come from a plugin listed here.

Databases: SQLite by default (a migrated template copied per test). Tests that
ask for `pg_app` (or `pg_database_url`) run on PostgreSQL when TEST_DATABASE_URL is set,
and skip otherwise.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import shutil
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from shopify_app import create_app
from shopify_app.config import DEFAULT_API_VERSION
from shopify_app.extensions import db

from . import write_lock_guard

# devstore.testing: the devstore process (`devstore`, `devstore_factory`, `devstore_shop`);
# tests.connected_app: the app on a real port wired to it (integration and browser tests).
pytest_plugins = ["devstore.testing", "tests.connected_app"]

API_KEY = "test-api-key"
API_SECRET = "test-api-secret-0123456789abcdef0123"
SHOP = "test-shop.myshopify.com"
# The Admin API version (shopify.app.toml's [webhooks] api_version) and its schema.
API_VERSION = DEFAULT_API_VERSION
ADMIN_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "shopify" / f"admin-{API_VERSION}.graphql"


TESTS = Path(__file__).resolve().parent
# The first directory under tests/ says what a test needs; `-m "not browser"` and the like select on it.
MARKERS_OF_DIRECTORY = {
    "integration": ("integration",),
    "browser": ("integration", "browser"),
    "postgres": ("postgres",),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve()
        kind = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else None
        for marker in MARKERS_OF_DIRECTORY.get(kind, ()):
            item.add_marker(marker)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**overrides) -> dict:
    env = {
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_APP_URL": "https://app.example.com",
        "SCOPES": "read_products,read_orders,write_inventory,read_locations,write_merchant_managed_fulfillment_orders",
        "SECRET_KEY": "test-secret-key",
        "TOKEN_ENCRYPTION_KEY": "n0wu0D5x4W4mJ6rK6O0u2vXkR2H1bq9d1N1p6rj6b3E=",
        "SHOPIFY_SHOP_ORIGIN": "https://{shop}",
    }
    env.update(overrides)
    return env


def upgrade_database(url: str) -> None:
    app = create_app(base_env(DATABASE_URL=url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(autouse=True)
def no_shopify_call_inside_a_write_transaction():
    write_lock_guard.install()
    write_lock_guard.violations.clear()
    yield
    found = list(write_lock_guard.violations)
    write_lock_guard.violations.clear()
    assert not found, "a Shopify call was made while holding a database write:\n" + found[0]


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Each test has its own database, and shop ids repeat: forget what the previous test
    cached by shop id (mappings and the values known recorded, throttle buckets), and the
    mappings again on the way out, so nothing run after a test reads its cache."""
    from shopify_app.shopify.throttle import buckets
    from shopify_app.sync import mappings

    mappings.invalidate()
    buckets.clear()
    yield
    mappings.invalidate()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_env(database_url) -> dict:
    return base_env(DATABASE_URL=database_url)


def in_app_context(app):
    """For an app fixture (`yield from in_app_context(app)`): the test runs inside the app's
    context; after it, its session is removed and its connections closed, so that no
    connection outlives the test's database."""
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(app_env):
    # Tasks run at once, in the caller (the in-process path, synchronous): a webhook
    # posted through the test client is applied when the answer comes back.
    yield from in_app_context(create_app(app_env, TESTING=True, TASKS_EAGER=True))


# --- PostgreSQL -------------------------------------------------------------

def _pg_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def pg_database_url() -> str:
    url = _pg_url()
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(url)
    return url


def truncate_all(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


# Here rather than in postgres/conftest.py: a test anywhere may run on both databases
# (a fixture parametrized over "app" and "pg_app", picked with request.getfixturevalue).
@pytest.fixture
def pg_app(pg_database_url):
    truncate_all(pg_database_url)
    yield from in_app_context(create_app(base_env(DATABASE_URL=pg_database_url), TESTING=True, TASKS_EAGER=True))


# --- Session tokens, Shopify's signatures, shops ----------------------------------

def make_session_token(shop: str = SHOP, *, secret: str = API_SECRET, aud: str = API_KEY, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": aud,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 1,
        "iat": now - 1,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm="HS256")


def webhook_hmac(body: bytes, secret: str = API_SECRET) -> str:
    """X-Shopify-Hmac-Sha256 as Shopify computes it: base64 of the HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def independent_query_hmac(params: dict, secret: str) -> str:
    """The `hmac` Shopify adds to a redirect's query: hex HMAC-SHA256 of the sorted k=v pairs."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(params: dict, secret: str = API_SECRET) -> dict:
    return {**params, "hmac": independent_query_hmac(params, secret)}


@pytest.fixture
def session_token():
    return make_session_token


@pytest.fixture
def auth_headers():
    def headers(shop: str = SHOP, **overrides) -> dict:
        return {"Authorization": f"Bearer {make_session_token(shop, **overrides)}"}

    return headers


def create_shop(domain: str = SHOP, *, access: str = "read_write", scopes: str | None = None,
                status: str = "active", token: str = "shpat_test", expires_in: int | None = 3600,
                refresh_token: str = "shprt_test"):
    from shopify_app.crypto import encrypt_token
    from shopify_app.models import Shop

    now = datetime.now(timezone.utc)
    shop = Shop(
        domain=domain,
        status=status,
        access_level=access,
        granted_scopes=scopes or base_env()["SCOPES"],
        access_token_encrypted=encrypt_token(token),
        access_token_expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
        refresh_token_encrypted=encrypt_token(refresh_token),
        refresh_token_expires_at=now + timedelta(days=90),
        installed_at=now,
        name="Test Shop",
        settings={},
    )
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def shop(app):
    return create_shop()


# --- A live server --------------------------------------------------------------

class LiveServer:
    """The app served over real HTTP on a free port, in a thread."""

    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server_factory():
    servers: list[LiveServer] = []

    def start(app, port: int | None = None) -> LiveServer:
        server = LiveServer(app, port or free_port()).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def reconfigure(app, **fields) -> None:
    """The app as if restarted with other settings (Settings field names): the typed
    settings that sync/ reads and Flask's config that web/ reads, kept in step."""
    from dataclasses import replace

    from shopify_app.extensions import app_settings

    with app.app_context():
        settings = replace(app_settings.current, **fields)
    app.extensions[app_settings.KEY] = settings
    app.config.update(settings.as_flask_config())
