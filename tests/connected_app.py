"""pytest plugin (listed in tests/conftest.py): the app on a real port, wired to the real
devstore process of `devstore.testing`, HTTP only between them. Integration and browser
tests ask for `connected_app`."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
import requests

from shopify_app import create_app
from shopify_app.extensions import db

from tests.conftest import base_env, free_port


@dataclass
class ConnectedApp:
    app: object
    url: str
    devstore: object  # devstore.testing.DevstoreProcess
    http: requests.Session

    @property
    def ds(self):
        return self.devstore.client

    def wait_for(self, predicate, timeout: float = 15.0, interval: float = 0.1):
        """Poll until predicate() is truthy (e.g. a webhook has been applied)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.app.app_context():
                db.session.expire_all()
                value = predicate()
                if value:
                    return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")

    def wait_webhooks_applied(self, timeout: float = 15.0):
        """Wait until every delivery in the ledger has been through its task (the receiver
        acknowledges at the door; a worker thread applies it a moment later)."""
        from sqlalchemy import func, select

        from shopify_app.models import WebhookDelivery

        self.wait_for(lambda: db.session.execute(
            select(func.count()).select_from(WebhookDelivery)
            .where(WebhookDelivery.status.in_(("received", "retrying")))).scalar_one() == 0 or None,
            timeout=timeout)


@pytest.fixture
def connected_app_env() -> dict:
    """Extra settings for the connected app (a module overrides it: a broker, say)."""
    return {}


@pytest.fixture
def connected_app(devstore, database_url, live_server_factory, connected_app_env):
    ds = devstore
    port = free_port()
    env = base_env(
        DATABASE_URL=database_url,
        SHOPIFY_API_KEY=ds.api_key,
        SHOPIFY_API_SECRET=ds.api_secret,
        SHOPIFY_APP_URL=f"http://127.0.0.1:{port}",
        SHOPIFY_SHOP_ORIGIN=ds.shop_origin,
        APP_BRIDGE_URL=f"{ds.url}/cdn/shopifycloud/app-bridge.js",
        SCOPES="",  # the toml's scopes, as Shopify CLI would set them
        **connected_app_env,
    )
    app = create_app(env)
    server = live_server_factory(app, port)
    app_url_before = ds.client.config()["app_url"]
    ds.client.set_config(app_url=server.url)
    with requests.Session() as http:
        yield ConnectedApp(app=app, url=server.url, devstore=ds, http=http)
    ds.client.set_config(app_url=app_url_before)  # the shared devstore sends nothing to a stopped app
    with app.app_context():
        db.engine.dispose()
