"""The operator's journeys through a connection's page, product stores, API keys and the
audit log, in Chromium against the app and devstore over HTTP. Every action is a plain
form post (no JavaScript on these pages)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from devstore.testing import new_shop
from shopify_app.extensions import db
from shopify_app.models import AuditEntry, MappingValue, Shop, SyncRun
from shopify_app.sync.orders.reconcile import latest_report
from shopify_app.sync.runner import flow_state, run_flow
from tests.conftest import create_shop
from tests.console_signin import make_operator, sign_in_browser

SUPER = "boss@example.com"
STAFF = "helper@example.com"
OTHER = "clone-source.myshopify.com"


def downloaded(shop_id: int) -> None:
    """The first order download, finished: its bulk operation may outlast the first run."""
    for _ in range(20):
        assert run_flow(shop_id, "orders", "schedule").status == "succeeded"
        db.session.expire_all()
        state = flow_state(shop_id, "orders")
        if state.cursor is not None and not (state.state or {}).get("bulk"):
            return
        time.sleep(0.5)
    raise AssertionError("the first order download did not finish")


@pytest.fixture
def console(connected_app, browser):
    """A devstore shop with orders, connected and downloaded once; another shop to clone
    from; a super user and a staff member; and a browser page at 360 px wide or more."""
    c = connected_app
    handle = new_shop(c.devstore, products=3, orders=3)
    with c.app.app_context():
        make_operator(SUPER, "super_user")
        make_operator(STAFF, "staff")
        shop = create_shop(handle.domain, access="read", token=handle.token, expires_in=None, refresh_token=None)
        shop.name = "Console Demo"
        other = create_shop(OTHER, token="shpat_other")
        other.name = "Clone Source"
        db.session.add(MappingValue(shop_id=other.id, kind="payment_method", shopify_value="manual", source="order",
                                    oms_value="EXT_OFFLINE"))
        db.session.commit()
        shop_id = shop.id
        downloaded(shop_id)
    page = browser.new_page()
    yield c, handle, shop_id, page
    page.close()


def assert_fits_phone_width(page, width: int = 360) -> None:
    """Nothing wider than the screen, but the tables' own scroll boxes."""
    wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll'))
        .map(e => `${e.tagName}.${e.className}#${e.id}`).slice(0, 10)""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, wide)


def flash_text(page) -> str:
    return page.locator("[data-testid=flashes]").inner_text()


def test_open_a_shop_from_the_list_see_its_runs_sync_now_and_retry_an_order(console):
    c, handle, shop_id, page = console
    sign_in_browser(page, c.url, STAFF)
    page.goto(f"{c.url}/console/?q={handle.domain}")
    page.locator(f"[data-testid=connection][data-domain='{handle.domain}'] [data-testid=shop-link]").click()
    page.wait_for_url(f"{c.url}/console/shops/{handle.domain}")
    assert page.locator("[data-testid=summary-domain]").inner_text() == handle.domain
    orders_runs = page.locator("[data-testid=flow-orders] [data-testid=run]")
    assert orders_runs.count() == 1 and orders_runs.first.get_attribute("data-status") == "succeeded"
    assert "orders" in page.locator("[data-testid=flow-orders]").inner_text()

    # Sync now, by keyboard: focus the button and press Enter.
    page.locator("[data-testid=sync-now-products]").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Products run" in flash_text(page) and "is queued" in flash_text(page)
    with c.app.app_context():
        queued = db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.flow == "products",
                                                          SyncRun.status == "queued")).scalar_one()
        assert queued.trigger == "manual"

    order = c.ds.orders(handle.domain)[0]
    page.get_by_label("Shopify order id or name (such as #1001)").fill(order["name"])
    page.locator("[data-testid=retry-order]").click()
    page.wait_for_load_state()
    assert f"Order {order['name']} was fetched again from Shopify" in flash_text(page)
    page.get_by_label("Shopify order id or name (such as #1001)").fill("#999999")
    page.locator("[data-testid=retry-order]").click()
    page.wait_for_load_state()
    assert "no order '#999999'" in flash_text(page)

    # Staff read the settings, never change them.
    assert page.locator("[data-testid=read-only-note]").is_visible()
    assert page.locator("[data-testid=save-upload-refunds]").count() == 0


def test_a_run_that_failed_on_an_order_offers_to_retry_that_order(console):
    c, handle, shop_id, page = console
    order = c.ds.orders(handle.domain)[1]
    with c.app.app_context():
        db.session.add(SyncRun(shop_id=shop_id, flow="orders", trigger="schedule", status="succeeded",
                               counts={"orders_failed": 1, "failed_orders": [
                                   {"id": order["id"], "name": order["name"], "error": "ValueError: poison"}]}))
        db.session.commit()
    sign_in_browser(page, c.url, STAFF)
    page.goto(f"{c.url}/console/shops/{handle.domain}")
    failed = page.locator("[data-testid=flow-orders] [data-testid=failed-order]")
    assert order["name"] in failed.first.inner_text()
    failed.first.get_by_role("button", name=f"Retry order {order['name']}").click()
    page.wait_for_load_state()
    assert f"Order {order['name']} was fetched again from Shopify" in flash_text(page)


def test_reconcile_now_then_see_the_report(console):
    c, handle, shop_id, page = console
    sign_in_browser(page, c.url, STAFF)
    page.goto(f"{c.url}/console/shops/{handle.domain}")
    assert page.locator("[data-testid=no-report]").is_visible()
    page.locator("[data-testid=reconcile-now]").click()
    page.wait_for_load_state()
    assert "reconciliation is queued" in flash_text(page)
    with c.app.app_context():  # the scheduler's tick, carried out here
        run = db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop_id, SyncRun.status == "queued")).scalar_one()
        assert (run.flow, run.trigger) == ("orders", "reconcile")
        assert run_flow(shop_id, "orders", run=run).status == "succeeded"
        assert latest_report(shop_id) is not None
    page.reload()
    assert int(page.locator("[data-testid=report-days_checked]").inner_text()) >= 1
    assert page.locator("[data-testid=report-missing]").inner_text() == "0"
    assert page.locator("[data-testid=report-still_wrong]").inner_text() == "0"


def test_super_user_switches_upload_refunds_refreshes_scopes_and_clones_settings(console):
    c, handle, shop_id, page = console
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in_browser(page, c.url, SUPER)
    page.goto(f"{c.url}/console/shops/{handle.domain}")
    # Readable at phone width: nothing wider than the screen but the tables' own scroll boxes.
    assert_fits_phone_width(page)

    page.get_by_label("Upload refunds to Shopify").select_option("on")
    page.locator("[data-testid=save-upload-refunds]").click()
    page.wait_for_load_state()
    assert "Refunds are uploaded to Shopify" in flash_text(page)
    assert page.locator("[data-testid=upload-refunds]").inner_text() == "On"

    page.locator("[data-testid=refresh-scopes]").click()
    page.wait_for_load_state()
    assert "Shopify grants" in flash_text(page) and "read_orders" in flash_text(page)

    page.locator("[data-testid=refresh-token]").click()
    page.wait_for_load_state()
    assert "does not expire and has no refresh token" in flash_text(page)

    page.locator("[data-testid=clone-link]").click()
    page.get_by_label("Clone from the shop (its domain)").fill(OTHER)
    for part in ("sales_channel", "product_type", "shipping_method", "flows"):
        page.locator(f"[data-testid=part-{part}]").uncheck()
    page.locator("[data-testid=clone-preview]").click()
    change = page.locator("[data-testid=clone-change]")
    assert change.count() == 1
    assert "manual" in change.inner_text() and "not mapped" in change.inner_text() and "EXT_OFFLINE" in change.inner_text()
    with c.app.app_context():
        assert db.session.execute(select(MappingValue).where(MappingValue.shop_id == shop_id)).first() is None
    page.locator("[data-testid=clone-confirm]").click()
    page.wait_for_url(f"{c.url}/console/shops/{handle.domain}#settings")
    assert "1 value cloned from" in flash_text(page)
    with c.app.app_context():
        assert db.session.execute(select(MappingValue.oms_value).where(MappingValue.shop_id == shop_id)).scalar_one() \
            == "EXT_OFFLINE"


def test_create_a_store_link_a_shop_then_create_and_revoke_a_key(console):
    c, handle, shop_id, page = console
    sign_in_browser(page, c.url, SUPER)
    page.locator("[data-testid=nav-stores]").click()
    page.get_by_label("Name").fill("Brand A")
    page.get_by_label("The OMS identifies products by").select_option("barcode")
    page.locator("[data-testid=store-create]").click()
    page.wait_for_load_state()
    assert "Product store Brand A" in flash_text(page)
    row = page.locator("[data-testid=store][data-name='Brand A']")
    row.get_by_label("Link a shop (its domain)").fill(handle.domain)
    row.locator("[data-testid=store-link]").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-testid=store][data-name='Brand A'] [data-testid=store-shop][data-domain='{handle.domain}']").count() == 1

    page.locator("[data-testid=nav-keys]").click()
    page.get_by_label("Name (who uses it)").fill("OMS production")
    page.get_by_label("Product store").select_option(label="Brand A")
    page.locator("[data-testid=perm-write_returns]").uncheck()
    with page.expect_response(lambda r: r.url.endswith("/console/keys/new")) as answer:
        page.locator("[data-testid=key-create]").click()
    assert answer.value.headers["cache-control"] == "no-store"
    key = page.locator("[data-testid=new-key]").inner_text()
    assert key.startswith("oms_")
    listed = c.http.get(f"{c.url}/oms/v1/orders", params={"shop": handle.domain}, headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200
    page.locator("[data-testid=back-to-keys]").click()
    assert key not in page.content()
    row = page.locator("[data-testid=key][data-name='OMS production']")
    assert row.locator("[data-testid=key-store-name]").inner_text() == "Brand A"
    row.locator("[data-testid=key-revoke]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=key][data-name='OMS production']").get_attribute("data-revoked") == "true"
    refused = c.http.get(f"{c.url}/oms/v1/orders", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401
    with c.app.app_context():
        for entry in db.session.execute(select(AuditEntry)).scalars():
            assert key not in f"{entry.before} {entry.after}"


def test_read_the_audit_log_filtered_by_shop(console):
    c, handle, shop_id, page = console
    sign_in_browser(page, c.url, SUPER)
    for domain in (handle.domain, OTHER):
        page.goto(f"{c.url}/console/shops/{domain}")
        page.get_by_label("Upload refunds to Shopify").select_option("on")
        page.locator("[data-testid=save-upload-refunds]").click()
        page.wait_for_load_state()
    page.locator("[data-testid=nav-audit]").click()
    assert page.locator("[data-testid=audit-entry][data-action='shop.upload_refunds']").count() == 2
    page.get_by_label("Shop (domain)").fill(handle.domain)
    page.locator("[data-testid=filter-apply]").click()
    page.wait_for_load_state()
    entries = page.locator("[data-testid=audit-entry]")
    assert entries.count() == 1
    assert entries.first.get_attribute("data-shop") == handle.domain
    assert SUPER in entries.first.inner_text() and '"upload_refunds": true' in entries.first.inner_text()


def test_staff_cannot_open_keys_or_the_audit_log(console):
    c, handle, shop_id, page = console
    sign_in_browser(page, c.url, STAFF)
    assert page.locator("[data-testid=nav-keys]").count() == 0
    assert page.goto(f"{c.url}/console/keys").status == 403
    assert page.goto(f"{c.url}/console/audit").status == 403
    assert page.goto(f"{c.url}/console/shops/{handle.domain}/clone").status == 403


def test_every_page_is_readable_at_phone_width_with_labelled_controls(console):
    c, handle, shop_id, page = console
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in_browser(page, c.url, SUPER)
    for path in (f"/console/shops/{handle.domain}", f"/console/shops/{handle.domain}/runs/orders",
                 f"/console/shops/{handle.domain}/clone", "/console/stores", "/console/keys", "/console/audit"):
        assert page.goto(f"{c.url}{path}").status == 200
        assert_fits_phone_width(page)
        unlabelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
