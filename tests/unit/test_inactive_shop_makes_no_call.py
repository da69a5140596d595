"""An inactive shop (switched off by the OMS operator) makes no call to Shopify, at the one
choke point (sync/shop_gate.py, asked by sync/connection.py, sync/oauth_install.py and
queue_run): no GraphQL request, no token refresh, no OAuth exchange, no job queued. The
"Shopify" here is a real HTTP server on 127.0.0.1 that counts what reaches it."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest, Product, Shop, SyncRun, WebhookDelivery
from shopify_app.sync import scheduler
from shopify_app.sync.activation import activate_shop, apply_kept_webhooks
from shopify_app.sync.connection import access_token, client_for, probe_client
from shopify_app.sync.oauth_install import connect_by_token_exchange, install_from_authorization_code
from shopify_app.sync.retention import EXPIRED_NOTE, purge_expired
from shopify_app.sync.run_queue import queue_run
from shopify_app.sync.shop_gate import ShopInactive
from shopify_app.sync.webhooks.apply import held_while_inactive

from tests.conftest import API_VERSION, SHOP, create_shop, reconfigure
from tests.unit.test_webhooks import deliver

ANSWER = {"data": {"shop": {"id": "gid://shopify/Shop/1", "name": "Test Shop"}},
          "extensions": {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1,
                                  "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 999,
                                                     "restoreRate": 50}}}}
TOKEN_ANSWER = {"access_token": "shpat_new", "scope": "read_products", "expires_in": 3600,
                "refresh_token": "shprt_new", "refresh_token_expires_in": 86400}


@pytest.fixture
def shopify(app):
    """A stand-in Shopify that answers every POST and records its path; the app points at it."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(self.path)
            body = json.dumps(TOKEN_ANSWER if "oauth" in self.path else ANSWER).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    reconfigure(app, shop_origin=f"http://127.0.0.1:{server.server_port}/{{shop}}")
    yield received
    server.shutdown()
    thread.join(timeout=5)


def test_an_inactive_shop_gets_no_client_no_probe_and_no_token(app, shopify):
    shop = create_shop(status="inactive")
    with pytest.raises(ShopInactive):
        client_for(shop)
    with pytest.raises(ShopInactive):
        probe_client(shop, timeout=1, max_attempts=1)
    with pytest.raises(ShopInactive):
        access_token(shop.id)
    assert shopify == []


def test_a_client_made_while_active_sends_nothing_more_once_the_shop_is_inactive(app, shopify):
    shop = create_shop()
    client = client_for(shop)
    assert client.execute("shop_summary")["shop"]["name"] == "Test Shop"
    assert len(shopify) == 1
    shop.status = "inactive"  # as the operator's button does, mid-run
    db.session.commit()
    with pytest.raises(ShopInactive):
        client.execute("shop_summary")
    assert len(shopify) == 1


def test_an_expiring_token_of_an_inactive_shop_is_not_refreshed(app, shopify):
    shop = create_shop(status="inactive", expires_in=60)  # inside the refresh margin
    with pytest.raises(ShopInactive):
        access_token(shop.id)
    active = create_shop("other-shop.myshopify.com", expires_in=60)
    assert access_token(active.id) == "shpat_new"  # the same token, active: refreshed
    assert [p for p in shopify if "oauth" in p] == ["/other-shop.myshopify.com/admin/oauth/access_token"]


def test_no_oauth_exchange_for_an_inactive_shop(app, shopify):
    create_shop(status="inactive")
    with pytest.raises(ShopInactive):
        install_from_authorization_code(SHOP, "a-code")
    with pytest.raises(ShopInactive):
        connect_by_token_exchange(SHOP, "an-id-token")
    assert shopify == []


def test_an_inactive_shop_gets_no_job_queued(app):
    shop = create_shop(status="inactive")
    with pytest.raises(ShopInactive):
        queue_run(shop.id, "products", "manual")
    assert scheduler.enqueue_scheduled(shop.id, "orders", now=datetime.now(timezone.utc)) is None
    assert db.session.execute(select(func.count()).select_from(SyncRun)).scalar_one() == 0


def test_sync_now_of_an_inactive_shop_is_a_clear_403(client, app, auth_headers):
    create_shop(status="inactive")
    resp = client.post("/api/sync/products/run", headers=auth_headers())
    assert resp.status_code == 403
    assert "inactive" in resp.json["error"]
    assert "X-Shopify-Retry-Invalid-Session-Request" not in resp.headers
    assert db.session.execute(select(func.count()).select_from(SyncRun)).scalar_one() == 0


@pytest.mark.parametrize("topic, status, held", [
    ("orders/create", "inactive", True),
    ("products/update", "inactive", True),
    ("bulk_operations/finish", "inactive", True),
    ("customers/redact", "inactive", False),
    ("customers/data_request", "inactive", False),
    ("shop/redact", "inactive", False),
    ("app/uninstalled", "inactive", False),
    ("app/scopes_update", "inactive", False),
    ("orders/create", "active", False),
    ("orders/create", "uninstalled", False),
])
def test_which_deliveries_wait_for_activation(topic, status, held):
    assert held_while_inactive(topic, Shop(domain=SHOP, status=status)) is held


# --- webhooks of an inactive shop: acknowledged, kept, not applied -------------------------

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks"


def sample(topic: str) -> dict:
    return json.loads((SAMPLES / f"{topic}.json").read_text().replace("{shop}.myshopify.com", SHOP))


def ledger() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def test_an_inactive_shops_webhook_is_acknowledged_and_kept_not_applied(client, app):
    create_shop(status="inactive")
    resp = deliver(client, "products/update", sample("products/update"))
    assert resp.status_code == 200 and resp.json["status"] == "accepted"
    [delivery] = ledger()
    assert delivery.status == "held" and delivery.payload["title"] == "Example T-Shirt"
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 0
    # Neither the scheduler's retries nor the retention purge (within the period) touch a kept delivery.
    assert scheduler.sweep_webhooks(now=datetime.now(timezone.utc) + timedelta(days=1)) == 0
    purge_expired(days=30, now=datetime.now(timezone.utc) + timedelta(days=29))
    [delivery] = ledger()
    assert delivery.status == "held" and delivery.payload is not None


def test_a_kept_delivery_past_the_retention_period_is_purged_and_no_longer_applied(client, app):
    shop = create_shop(status="inactive")
    deliver(client, "products/update", sample("products/update"))
    counts = purge_expired(days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    assert counts["webhook_payloads"] == 1
    [delivery] = ledger()
    assert delivery.payload is None and delivery.error == EXPIRED_NOTE and delivery.status == "ignored"
    activate_shop(shop)
    db.session.commit()
    assert apply_kept_webhooks() == 0  # nothing left to apply


def test_a_deferred_topic_of_an_inactive_shop_is_kept_too(client, app):
    from shopify_app.sync.registry import TOPICS, Topic

    called = []
    TOPICS["test/refetch"] = Topic(lambda domain, payload: called.append(payload), deferred=True)
    try:
        create_shop(status="inactive")
        assert deliver(client, "test/refetch", {"id": 1}).status_code == 200
        deadline = time.time() + 5
        while time.time() < deadline and ledger()[0].status != "held":
            time.sleep(0.05)
        assert ledger()[0].status == "held" and called == []
    finally:
        TOPICS.pop("test/refetch", None)


def test_compliance_webhooks_of_an_inactive_shop_are_honoured_at_once(client, app):
    create_shop(status="inactive")
    assert deliver(client, "customers/data_request", sample("customers/data_request")).status_code == 200
    assert deliver(client, "customers/redact", sample("customers/redact")).status_code == 200
    assert [d.status for d in ledger()] == ["processed", "processed"]
    topics = {r.topic for r in db.session.execute(select(ComplianceRequest)).scalars()}
    assert topics == {"customers/data_request", "customers/redact"}


def test_app_uninstalled_of_an_inactive_shop_holding_a_token_waits_for_shopify_to_refuse_it(client, app, shopify):
    shop = create_shop(status="inactive")
    deliver(client, "products/update", sample("products/update"))
    assert deliver(client, "app/uninstalled", sample("app/uninstalled")).status_code == 200
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.status == "inactive" and shop.access_token_encrypted is not None  # kept
    kept, uninstall = ledger()
    assert uninstall.status == "rejected"
    assert kept.status == "held" and kept.payload is not None  # still waiting for the activation
    assert shopify == [f"/{SHOP}/admin/api/{API_VERSION}/graphql.json"]  # the probe, the one question asked

    # A shop holding no token has nothing to ask with: applied on the delivery's own checks
    # (its body naming the shop by the id the probe recorded).
    assert shop.shopify_id == "gid://shopify/Shop/1"
    shop.access_token_encrypted = shop.refresh_token_encrypted = None
    db.session.commit()
    assert deliver(client, "app/uninstalled", {**sample("app/uninstalled"), "id": 1}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status == "uninstalled"
    kept, _refused, uninstall = ledger()
    assert uninstall.status == "processed"
    assert kept.status == "ignored" and kept.payload is None  # never applied, its personal data gone
    assert len(shopify) == 1  # no second call


def test_a_run_in_progress_stops_at_its_next_call_once_the_shop_is_deactivated(app, shopify, only_flows):
    from shopify_app.sync.activation import deactivate_shop
    from shopify_app.sync.runner import run_flow

    def flow(ctx):
        ctx.client.execute("shop_summary")  # reaches Shopify
        deactivate_shop(db.session.get(Shop, ctx.shop.id))  # the operator's button, meanwhile
        db.session.commit()
        ctx.client.execute("shop_summary")  # refused before it leaves

    only_flows("probe", flow)
    shop = create_shop()
    run = run_flow(shop.id, "probe", "manual")
    assert run.status == "failed" and run.error.startswith("interrupted: shop test-shop.myshopify.com is inactive")
    assert len(shopify) == 1
