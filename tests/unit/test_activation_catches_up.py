"""Deactivate / activate (sync/activation.py) and `flask --app wsgi shop deactivate|activate`:
queued runs dropped on the way off; on the way on, a catch-up run per flow the shop may
run and the kept webhooks applied in the order Shopify triggered them, each once."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import AuditEntry, FlowState, Product, Shop, SyncRun, WebhookDelivery
from shopify_app.sync.activation import (ActivationError, activate_shop, apply_kept_webhooks,
                                         deactivate_shop)
from shopify_app.sync.run_queue import queue_run

from tests.conftest import SHOP, create_shop
from tests.unit.test_webhooks import deliver

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "shopify" / "webhooks"


def product_update(title: str, updated_at: str) -> dict:
    payload = json.loads((SAMPLES / "products/update.json").read_text())
    return {**copy.deepcopy(payload), "title": title, "updated_at": updated_at}


def runs(shop_id: int) -> list[SyncRun]:
    db.session.expire_all()
    return list(db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.flow)).scalars())


def test_deactivating_drops_the_queued_runs_and_says_whether_it_changed(app):
    shop = create_shop()
    queue_run(shop.id, "products", "manual")
    assert deactivate_shop(shop) is True
    db.session.commit()
    [run] = runs(shop.id)
    assert run.status == "skipped" and "deactivated" in run.error
    assert deactivate_shop(shop) is False


def test_activating_queues_a_catch_up_run_of_every_flow_the_shop_may_run(app):
    shop = create_shop(status="inactive", access="read")
    db.session.add(FlowState(shop_id=shop.id, flow="locations", enabled=False, state={}))
    db.session.commit()
    assert activate_shop(shop) is True
    db.session.commit()
    # read: no pushes; locations switched off.
    assert [(r.flow, r.trigger, r.status) for r in runs(shop.id)] == [
        ("mappings", "activation", "queued"), ("orders", "activation", "queued"), ("products", "activation", "queued")]
    assert activate_shop(shop) is False


def test_an_uninstalled_shop_can_be_neither_deactivated_nor_activated(app):
    shop = create_shop(status="uninstalled")
    with pytest.raises(ActivationError, match="uninstalled"):
        deactivate_shop(shop)
    with pytest.raises(ActivationError, match="install the app again"):
        activate_shop(shop)


def test_kept_webhooks_are_applied_in_the_order_shopify_triggered_them_once_and_newest_wins(client, app):
    shop = create_shop(status="inactive")
    # Arrived out of order: the later change first (all within Shopify's retry window).
    for title, hours_ago in (("Second", 2), ("First", 3), ("Third", 1)):
        at = (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).replace(microsecond=0)
        deliver(client, "products/update", product_update(title, at.isoformat()),
                triggered_at=(at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert apply_kept_webhooks() == 0  # still inactive: kept
    activate_shop(shop)
    db.session.commit()
    assert apply_kept_webhooks() == 3
    assert apply_kept_webhooks() == 0  # each once
    db.session.expire_all()
    assert db.session.execute(select(Product.title)).scalar_one() == "Third"
    ledger = db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.processed_at)).scalars().all()
    assert [d.status for d in ledger] == ["processed"] * 3 and all(d.attempts == 1 for d in ledger)
    assert [d.triggered_at for d in ledger] == sorted(d.triggered_at for d in ledger)
    assert [d.id for d in ledger] == [2, 1, 3]  # the order triggered, not the order received


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_cli_deactivates_and_activates_with_a_clear_last_line_and_an_audit_entry(app):
    shop = create_shop()
    result = cli(app, "shop", "deactivate", SHOP)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"{SHOP}: inactive"
    again = cli(app, "shop", "deactivate", SHOP.upper())
    assert again.exit_code == 0 and "already inactive" in again.output
    result = cli(app, "shop", "activate", SHOP)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"{SHOP}: active, catching up"
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status == "active"
    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.actor_kind, e.actor, e.action, e.shop_domain, e.before, e.after) for e in entries] == [
        ("cli", "cli", "shop.deactivate", SHOP, {"status": "active"}, {"status": "inactive"}),
        ("cli", "cli", "shop.activate", SHOP, {"status": "inactive"}, {"status": "active"}),
    ]


@pytest.mark.parametrize("command", ["deactivate", "activate"])
def test_the_cli_refuses_an_unknown_or_uninstalled_shop(app, command):
    result = cli(app, "shop", command, "nobody.myshopify.com")
    assert result.exit_code != 0 and "no shop 'nobody.myshopify.com'" in result.output
    create_shop(status="uninstalled")
    result = cli(app, "shop", command, SHOP)
    assert result.exit_code != 0 and "uninstalled" in result.output
    assert db.session.execute(select(AuditEntry)).first() is None
