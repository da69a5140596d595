"""Webhooks are acknowledged within a second even while a sync is busy with a slow Shopify.

On SQLite one write lock serves the whole database: a sync that kept a write open
across its Shopify calls made the webhook receiver wait for it (seen in the demo:
devstore gave up on `bulk_operations/finish` after 5 s).
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.sync.runner import run_flow

from tests.conftest import create_shop

SLOW_SHOPIFY_MS = 1500


def test_the_app_database_runs_in_write_ahead_log_mode(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_webhook_is_acknowledged_within_a_second_while_a_sync_waits_on_shopify(connected_app):
    c = connected_app
    handle = new_shop(c.devstore, products=20, orders=30)
    with c.app.app_context():
        shop_id = create_shop(handle.domain, access="read", token=handle.token, expires_in=None).id
    product_id = c.ds.products(handle.domain, limit=1)[0]["id"]

    # Every Admin API call now takes 1.5 s; the mapping import makes several, writing between them.
    c.ds.faults(latency_ms=SLOW_SHOPIFY_MS, paths=r"graphql\.json$")
    outcome = {}

    def sync():
        with c.app.app_context():
            outcome["run"] = run_flow(shop_id, "mappings", "manual")
            outcome["status"], outcome["error"] = outcome["run"].status, outcome["run"].error

    worker = threading.Thread(target=sync)
    try:
        worker.start()
        time.sleep(SLOW_SHOPIFY_MS / 1000 + 1.0)  # past the first answer: its values are being written
        c.ds.update_product(handle.domain, product_id, title="Edited while a sync runs")
        c.ds.wait_webhooks(timeout=10)
        worker.join(timeout=60)
    finally:
        c.ds.clear_faults()
    deliveries = [d for d in c.ds.all_webhooks(topic="products/update")
                  if d["shop"] == handle.domain]
    assert deliveries, "devstore delivered no products/update webhook"
    first = deliveries[0]
    assert first["ok"], first
    assert first["duration_ms"] < 1000, f"acknowledged after {first['duration_ms']} ms"
    assert outcome.get("status") == "succeeded", outcome.get("error")
