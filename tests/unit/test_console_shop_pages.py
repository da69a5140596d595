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
                        active=True, fulfills_online_orders=True)  # only such a location can be the default
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


def super_user_actions(ids) -> list[tuple[str, dict]]:
    """Every console POST of these pages only super users may make, with a valid body."""
    return [
        (f"/console/shops/{SHOP}/settings/upload-refunds", {"upload_refunds": "on"}),
        (f"/console/shops/{SHOP}/settings/access", {"access": "read"}),
        (f"/console/shops/{SHOP}/settings/product-store", {"product_store": str(ids["store"])}),
        (f"/console/shops/{SHOP}/scopes/refresh", {}),
        (f"/console/shops/{SHOP}/token/refresh", {}),
        (f"/console/shops/{SHOP}/locations/{ids['loc2']}", {"facility_id": "WH1"}),
        (f"/console/shops/{SHOP}/locations/{ids['loc2']}/facility", {}),
        (f"/console/shops/{SHOP}/mappings/payment_method", {"shopify_value": "manual", "oms_value": "EXT_OFFLINE"}),
        (f"/console/shops/{SHOP}/clone", {"source": OTHER, "parts": "flows"}),
        (f"/console/shops/{SHOP}/clone/confirm", {"source": OTHER, "parts": "flows", "plan": "x"}),
        ("/console/stores/new", {"name": "Brand B", "identifier": "sku"}),
        (f"/console/stores/{ids['store']}/link", {"shop": SHOP}),
        (f"/console/stores/{ids['store']}/unlink", {"shop": SHOP}),
        ("/console/keys/new", {"name": "k", "product_store": str(ids["store"]), "permissions": "read"}),
        ("/console/keys/1/revoke", {}),
        (f"/console/shops/{SHOP}/credentials", {"password": "x"}),
    ]


def snapshot(app) -> tuple:
    """Everything these actions could change."""
    with app.app_context():
        db.session.expire_all()
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        return (shop.settings, shop.access_level, shop.product_store_id, shop.granted_scopes,
                shop.access_token_encrypted, shop.needs_reauth,
                [(l.facility_id, l.is_default) for l in db.session.execute(select(Location).order_by(Location.id)).scalars()],
                [(m.shopify_value, m.oms_value) for m in db.session.execute(select(MappingValue)).scalars()],
                db.session.execute(select(func.count()).select_from(Facility)).scalar_one(),
                db.session.execute(select(func.count()).select_from(ProductStore)).scalar_one(),
                [(k.id, k.revoked_at) for k in db.session.execute(select(ApiKey)).scalars()],
                [(s.flow, s.enabled, s.interval_minutes) for s in db.session.execute(select(FlowState)).scalars()],
                db.session.execute(select(func.count()).select_from(SyncRun)).scalar_one(),
                db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_staff_get_403_on_every_super_user_action_and_nothing_changes(app, console):
    with app.app_context():
        api_keys.create_api_key("old key")
    client, token = signed_in(app, STAFF)
    for path in ("/console/keys", "/console/audit", f"/console/shops/{SHOP}/clone", f"/console/shops/{SHOP}/credentials"):
        assert client.get(path).status_code == 403, path
    before = snapshot(app)
    for path, body in super_user_actions(console):
        answer = client.post(path, data={**body, "csrf_token": token})
        assert answer.status_code == 403, (path, answer.status_code)
    assert snapshot(app) == before


@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_a_missing_or_wrong_csrf_token_changes_nothing(app, console, csrf):
    with app.app_context():
        api_keys.create_api_key("old key")
    client, _ = signed_in(app, SUPER)
    before = snapshot(app)
    staff_actions = [(f"/console/shops/{SHOP}/sync/orders", {}), (f"/console/shops/{SHOP}/orders/retry", {"order": "#1001"}),
                     (f"/console/shops/{SHOP}/reconcile", {})]
    for path, body in super_user_actions(console) + staff_actions:
        data = dict(body) if csrf is None else {**body, "csrf_token": csrf}
        answer = client.post(path, data=data)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "Nothing was changed" in answer.text
    assert snapshot(app) == before


def test_upload_refunds_is_switched_by_a_super_user_and_audited(app, console):
    client, token = signed_in(app, SUPER)
    answer = client.post(f"/console/shops/{SHOP}/settings/upload-refunds", data={"upload_refunds": "on", "csrf_token": token})
    assert answer.status_code == 303
    assert "Refunds are uploaded to Shopify" in client.get(answer.headers["Location"]).text
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        assert shop.settings["upload_refunds"] is True
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "shop.upload_refunds")).scalar_one()
        assert (entry.actor_kind, entry.actor, entry.shop_domain) == ("operator", SUPER, SHOP)
        assert (entry.before, entry.after) == ({"upload_refunds": False}, {"upload_refunds": True})
    assert client.post(f"/console/shops/{SHOP}/settings/upload-refunds",
                       data={"upload_refunds": "maybe", "csrf_token": token}).status_code == 400


def test_access_level_never_goes_above_the_granted_scopes(app, console):
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        shop.granted_scopes, shop.access_level = "read_products,read_orders", "read"
        db.session.commit()
    client, token = signed_in(app, SUPER)
    answer = client.post(f"/console/shops/{SHOP}/settings/access", data={"access": "read_write", "csrf_token": token},
                         follow_redirects=True)
    assert "above what the granted scopes allow" in answer.text
    answer = client.post(f"/console/shops/{SHOP}/settings/access", data={"access": "bogus", "csrf_token": token},
                         follow_redirects=True)
    assert "access must be one of" in answer.text
    client.post(f"/console/shops/{SHOP}/settings/access", data={"access": "none", "csrf_token": token})
    with app.app_context():
        assert db.session.execute(select(Shop.access_level).where(Shop.domain == SHOP)).scalar_one() == "none"
    assert "shop.access_level" in audit_actions(app)


def test_refreshing_a_token_that_does_not_expire_is_a_message_and_leaves_the_shop_alone(app, console):
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        shop.refresh_token_encrypted = None
        db.session.commit()
    client, token = signed_in(app, SUPER)
    answer = client.post(f"/console/shops/{SHOP}/token/refresh", data={"csrf_token": token}, follow_redirects=True)
    assert answer.status_code == 200
    assert "The token was not refreshed: this shop&#39;s token does not expire" in answer.text
    with app.app_context():
        assert db.session.execute(select(Shop.needs_reauth).where(Shop.domain == SHOP)).scalar_one() is False


def test_an_inactive_shop_gets_no_call_from_retry_reconcile_or_scopes(app, console):
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        shop.status = "inactive"
        db.session.commit()
    client, token = signed_in(app, SUPER)
    for path, body in ((f"/console/shops/{SHOP}/orders/retry", {"order": "#1001"}), (f"/console/shops/{SHOP}/reconcile", {}),
                       (f"/console/shops/{SHOP}/scopes/refresh", {}), (f"/console/shops/{SHOP}/sync/orders", {})):
        answer = client.post(path, data={**body, "csrf_token": token}, follow_redirects=True)
        assert answer.status_code == 200
        assert "inactive" in answer.text, path
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SyncRun).where(SyncRun.status == "queued")).scalar_one() == 0


def test_reconcile_now_at_access_none_is_refused_with_the_reason(app, console):
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        shop.access_level = "none"
        db.session.commit()
    client, token = signed_in(app, STAFF)
    answer = client.post(f"/console/shops/{SHOP}/reconcile", data={"csrf_token": token}, follow_redirects=True)
    assert "The reconciliation was not queued: the orders flow cannot run" in answer.text
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SyncRun).where(SyncRun.status == "queued")).scalar_one() == 0


def test_sync_now_and_reconcile_now_queue_runs_for_staff(app, console):
    client, token = signed_in(app, STAFF)
    answer = client.post(f"/console/shops/{SHOP}/sync/products", data={"csrf_token": token}, follow_redirects=True)
    assert "is queued" in answer.text
    answer = client.post(f"/console/shops/{SHOP}/reconcile", data={"csrf_token": token}, follow_redirects=True)
    assert "reconciliation is queued" in answer.text
    with app.app_context():
        queued = {r.flow: r.trigger for r in db.session.execute(select(SyncRun).where(SyncRun.status == "queued")).scalars()}
    assert queued == {"products": "manual", "orders": "reconcile"}
    assert client.post(f"/console/shops/{SHOP}/sync/nothing", data={"csrf_token": token}).status_code == 404
    assert {"run.queue", "reconcile.queue"} <= set(audit_actions(app))


def test_locations_and_mappings_change_as_the_merchant_s_save_does(app, console):
    client, token = signed_in(app, SUPER)
    base = f"/console/shops/{SHOP}"
    client.post(f"{base}/locations/{console['loc2']}", data={"facility_id": "WH1", "csrf_token": token})
    client.post(f"{base}/locations/{console['loc2']}", data={"default": "1", "csrf_token": token})
    answer = client.post(f"{base}/locations/{console['loc']}", data={"facility_id": "NOPE", "csrf_token": token},
                         follow_redirects=True)
    assert "unknown facility" in answer.text
    client.post(f"{base}/locations/{console['loc']}/facility", data={"csrf_token": token})
    client.post(f"{base}/mappings/payment_method", data={"shopify_value": "manual", "oms_value": "EXT_OFFLINE",
                                                          "csrf_token": token})
    answer = client.post(f"{base}/mappings/payment_method", data={"shopify_value": "manual", "oms_value": "NOT_A_VALUE",
                                                                   "csrf_token": token}, follow_redirects=True)
    assert "is not an OMS payment method" in answer.text
    assert client.post(f"{base}/locations/999999", data={"default": "1", "csrf_token": token}).status_code == 404
    with app.app_context():
        locs = {l.name: l for l in db.session.execute(select(Location)).scalars()}
        wh1 = db.session.execute(select(Facility).where(Facility.external_id == "WH1")).scalar_one()
        assert locs["Shop floor"].facility_id == wh1.id and locs["Shop floor"].is_default
        assert not locs["Warehouse"].is_default and locs["Warehouse"].facility_id not in (None, wh1.id)
        assert db.session.execute(select(MappingValue.oms_value)).scalar_one() == "EXT_OFFLINE"
    assert {"location.update", "location.create_facility", "mapping.update"} <= set(audit_actions(app))


def test_clone_previews_before_and_after_and_applies_only_what_was_previewed(app, console):
    with app.app_context():
        other = db.session.execute(select(Shop).where(Shop.domain == OTHER)).scalar_one()
        db.session.add(MappingValue(shop_id=other.id, kind="payment_method", shopify_value="manual", source="order",
                                    oms_value="EXT_OFFLINE"))
        db.session.add(FlowState(shop_id=other.id, flow="orders", enabled=False, interval_minutes=30, state={}))
        db.session.commit()
    client, token = signed_in(app, SUPER)
    base = f"/console/shops/{SHOP}/clone"
    parts = ["payment_method", "flows"]
    preview = client.post(base, data={"source": OTHER, "parts": parts, "csrf_token": token})
    assert preview.status_code == 200
    assert "EXT_OFFLINE" in preview.text and "orders: interval (minutes)" in preview.text
    plan = preview.text.split('name="plan" value="')[1].split('"')[0]
    stale = client.post(f"{base}/confirm", data={"source": OTHER, "parts": parts, "plan": "0" * 32, "csrf_token": token})
    assert stale.status_code == 409
    done = client.post(f"{base}/confirm", data={"source": OTHER, "parts": parts, "plan": plan, "csrf_token": token},
                       follow_redirects=True)
    assert "3 values cloned" in done.text
    with app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == SHOP)).scalar_one()
        assert db.session.execute(select(MappingValue.oms_value).where(MappingValue.shop_id == shop.id)).scalar_one() == "EXT_OFFLINE"
        state = db.session.execute(select(FlowState).where(FlowState.shop_id == shop.id, FlowState.flow == "orders")).scalar_one()
        assert (state.enabled, state.interval_minutes) == (False, 30)
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "settings.clone")).scalar_one()
        assert ["payment_method", "manual", None] in entry.before["values"]
        assert ["payment_method", "manual", "EXT_OFFLINE"] in entry.after["values"]
    assert client.post(base, data={"source": SHOP, "parts": parts, "csrf_token": token}).status_code == 422
    assert client.post(base, data={"source": "nowhere.myshopify.com", "parts": parts, "csrf_token": token}).status_code == 422
    assert client.post(base, data={"source": OTHER, "parts": ["bogus"], "csrf_token": token}).status_code == 422


def test_product_stores_are_created_and_shops_linked_and_unlinked(app, console):
    client, token = signed_in(app, SUPER)
    client.post("/console/stores/new", data={"name": "Brand B", "identifier": "barcode", "csrf_token": token})
    answer = client.post("/console/stores/new", data={"name": "brand b", "identifier": "sku", "csrf_token": token},
                         follow_redirects=True)
    assert "exists already" in answer.text
    answer = client.post("/console/stores/new", data={"name": "C", "identifier": "color", "csrf_token": token},
                         follow_redirects=True)
    assert "identifier must be one of" in answer.text
    with app.app_context():
        brand_b = db.session.execute(select(ProductStore).where(ProductStore.name == "Brand B")).scalar_one()
        assert brand_b.identifier == "barcode"
        store_id = brand_b.id
    client.post(f"/console/stores/{store_id}/link", data={"shop": SHOP.upper(), "csrf_token": token})
    page = client.get("/console/stores").text
    assert f'data-domain="{SHOP}"' in page
    answer = client.post(f"/console/stores/{store_id}/link", data={"shop": "nowhere.myshopify.com", "csrf_token": token},
                         follow_redirects=True)
    assert "no shop" in answer.text
    client.post(f"/console/stores/{store_id}/unlink", data={"shop": SHOP, "csrf_token": token})
    with app.app_context():
        assert db.session.execute(select(Shop.product_store_id).where(Shop.domain == SHOP)).scalar_one() is None
    assert {"product_store.create", "product_store.link", "product_store.unlink"} <= set(audit_actions(app))
    staff, _ = signed_in(app, STAFF)
    assert "Brand B" in staff.get("/console/stores").text


def test_a_key_is_shown_once_never_cached_never_audited_and_revoked(app, console):
    with app.app_context():
        api_keys.create_api_key("legacy")
    client, token = signed_in(app, SUPER)
    page = client.get("/console/keys").text
    assert "All stores — made before product stores; replace it" in page
    answer = client.post("/console/keys/new", data={"name": "OMS prod", "product_store": str(console["store"]),
                                                    "permissions": ["read", "write_inventory"], "csrf_token": token})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    key = answer.text.split('data-testid="new-key">')[1].split("<")[0]
    assert key.startswith("oms_")
    with app.app_context():
        record = api_keys.find_active_key(key)
        assert record.product_store_id == console["store"] and record.permissions == "read write_inventory"
        entries = db.session.execute(select(AuditEntry)).scalars().all()
        assert all(key not in str(e.before) + str(e.after) and record.prefix not in str(e.after) for e in entries)
        key_id = record.id
    assert key not in client.get("/console/keys").text
    for bad in ({"name": "", "product_store": str(console["store"]), "permissions": "read"},
                {"name": "x", "product_store": "", "permissions": "read"},
                {"name": "x", "product_store": str(console["store"]), "permissions": "sudo"}):
        assert client.post("/console/keys/new", data={**bad, "csrf_token": token}).status_code == 422
    client.post(f"/console/keys/{key_id}/revoke", data={"csrf_token": token})
    with app.app_context():
        assert api_keys.find_active_key(key) is None
    assert client.post("/console/keys/999999/revoke", data={"csrf_token": token}).status_code == 404
    assert {"api_key.create", "api_key.revoke"} <= set(audit_actions(app))


def test_the_audit_log_filters_pages_and_never_shows_a_secret(app, console):
    client, token = signed_in(app, SUPER)
    client.post(f"/console/shops/{SHOP}/settings/upload-refunds", data={"upload_refunds": "on", "csrf_token": token})
    client.post(f"/console/shops/{OTHER}/settings/upload-refunds", data={"upload_refunds": "on", "csrf_token": token})
    reveal = client.post(f"/console/shops/{SHOP}/credentials", data={"password": "correct horse battery staple 42",
                                                                     "csrf_token": token})
    assert reveal.status_code == 200 and "shpat_test" in reveal.text
    page = client.get(f"/console/audit?shop={SHOP}").text
    assert "credentials.reveal" in page and "shop.upload_refunds" in page
    assert OTHER not in page.split('data-testid="audit"')[1]
    for secret in ("shpat_test", "shprt_test", app.config["SHOPIFY_API_SECRET"]):
        assert secret not in client.get("/console/audit").text
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "credentials.reveal")).scalar_one()
        assert entry.after == {"revealed": ["access_token", "client_id", "client_secret"]}
        assert "shpat_test" not in str(entry.before) + str(entry.after)
    only = client.get(f"/console/audit?action=credentials.reveal&actor={SUPER.upper()}").text
    assert only.count('data-testid="audit-entry"') == 1
    assert client.get("/console/audit?from=2999-01-01").text.count('data-testid="audit-entry"') == 0
    assert client.get("/console/audit?from=nope").status_code == 400
    assert client.get("/console/audit?from=2026-02-01&to=2026-01-01").status_code == 400
    assert client.get("/console/audit?page=0").status_code == 400
