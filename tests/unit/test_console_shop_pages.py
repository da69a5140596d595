"""The console's connection page, product stores, API keys and audit log, server side:
every page renders for the roles that may see it, each action checks the role on the
server (staff: 403 and nothing changed), each POST without the right CSRF token changes
nothing, and the audit log records the actions and never a secret."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from shopify_app import api_keys
from shopify_app.extensions import db
from shopify_app.models import ApiKey, AuditEntry, Facility, FlowState, Location, MappingValue, ProductStore, Shop, SyncRun
from shopify_app.product_stores import create_store
from tests.conftest import SHOP, create_shop
from tests.console_signin import make_operator, sign_in_client

SUPER = "boss@example.com"
STAFF = "helper@example.com"
OTHER = "other-shop.myshopify.com"


@pytest.fixture
def console(app):
    with app.app_context():
        make_operator(SUPER, "super_user")
        make_operator(STAFF, "staff")
        create_shop()
        other = create_shop(OTHER)
        other.name = "Other Shop"
        store = create_store("Brand A", "sku")
        db.session.commit()
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        loc = Location(shop_id=shop.id, shopify_id="gid://shopify/Location/1", legacy_id="1", name="Warehouse",
                       active=True, is_default=True)
        loc2 = Location(shop_id=shop.id, shopify_id="gid://shopify/Location/2", legacy_id="2", name="Shop floor",
                        active=True)
        db.session.add_all([loc, loc2])
        db.session.flush()
        db.session.add(Facility(shop_id=shop.id, external_id="WH1", name="Warehouse one"))
        db.session.add(MappingValue(shop_id=shop.id, kind="payment_method", shopify_value="manual", source="order"))
        db.session.add(SyncRun(shop_id=shop.id, flow="orders", trigger="schedule", status="succeeded",
                               started_at=datetime.now(timezone.utc), finished_at=datetime.now(timezone.utc),
                               counts={"orders": 3, "orders_failed": 1,
                                       "failed_orders": [{"id": "gid://shopify/Order/77", "name": "#1077",
                                                          "error": "ValueError: bad"}]},
                               bulk_operation_id="gid://shopify/BulkOperation/9"))
        db.session.commit()
        ids = {"store": store.id, "loc": loc.id, "loc2": loc2.id}
    return ids


def signed_in(app, email):
    client = app.test_client()
    token = sign_in_client(client, email)
    return client, token


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_the_connection_page_shows_summary_runs_failed_orders_locations_and_mappings(app, console):
    client, _ = signed_in(app, STAFF)
    page = client.get(f"/console/shops/{SHOP}")
    assert page.status_code == 200, page.text[:2000]
    html = page.text
    for expected in ("Test Shop", "gid://shopify/BulkOperation/9", "#1077", "Retry this order", "Warehouse",
                     "manual", "Reconcile now", "Sync orders now", "Only super users change these settings"):
        assert expected in html
    assert 'data-testid="save-upload-refunds"' not in html  # staff read, never change
    assert 'data-testid="facility-select"' not in html
    assert client.get(f"/console/shops/{SHOP}/runs/orders").status_code == 200
    assert client.get(f"/console/shops/{SHOP}/runs/nothing").status_code == 404
    assert client.get(f"/console/shops/{SHOP}/runs/orders?page=x").status_code == 400
    assert client.get("/console/shops/nowhere.myshopify.com").status_code == 404


def test_super_user_pages_render(app, console):
    client, _ = signed_in(app, SUPER)
    for path in (f"/console/shops/{SHOP}", f"/console/shops/{SHOP}/clone", "/console/stores", "/console/keys",
                 "/console/audit", f"/console/audit?shop={SHOP}&from=2026-01-01&to=2027-01-01"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:2000])
    assert 'data-testid="save-upload-refunds"' in client.get(f"/console/shops/{SHOP}").text
