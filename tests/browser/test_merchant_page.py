"""The merchant's page in a real browser: sync cards and locations, inside devstore's admin."""
import uuid

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import FlowState, Shop, SyncRun


def open_installed_app(c, browser):
    domain = f"mp-{uuid.uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, products=5, orders=3, locations=3)
    page = browser.new_page()
    page.goto(f"{c.devstore.url}/{domain}/admin/apps/{c.devstore.api_key}")
    page.get_by_role("button", name="Install").first.click()
    app = page.frame_locator("iframe").first
    app.locator("[data-testid=connection-summary]").wait_for(timeout=15000)
    return domain, page, app


def shop_id(c, domain):
    with c.app.app_context():
        return db.session.execute(select(Shop.id).where(Shop.domain == domain)).scalar_one()


def test_sync_cards_switch_a_flow_off_and_queue_a_run(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        for flow in ("products", "orders", "inventory", "fulfillments", "locations"):
            app.locator(f"[data-testid=sync-{flow}]").wait_for(timeout=10000)
        app.locator("[data-testid=sync-orders] [data-testid=enabled]").uncheck()
        c.wait_for(lambda: db.session.execute(
            select(FlowState.enabled).where(FlowState.shop_id == shop_id(c, domain), FlowState.flow == "orders")
        ).scalar_one_or_none() is False)

        app.locator("[data-testid=sync-products] [data-testid=sync-now]").click()
        app.locator("[data-testid=sync-products] [data-testid=queued]").wait_for(timeout=10000)
        queued = c.wait_for(lambda: db.session.execute(
            select(SyncRun).where(SyncRun.flow == "products", SyncRun.status == "queued")).scalars().first())
        assert queued.trigger == "manual"
    finally:
        page.close()


def test_locations_import_create_a_facility_and_choose_the_default(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        app.locator("[data-testid=import-locations]").click()
        rows = app.locator("#locations-body tr[data-location]")
        rows.first.wait_for(timeout=10000)
        assert rows.count() >= 3
        # Only a location that fulfils online orders can be the default: take the first such row.
        listed = c.http.get(c.url + "/api/locations",
                            headers={"Authorization": f"Bearer {c.ds.session_token(domain)}"}).json()
        online = next(l["id"] for l in listed if l["fulfills_online_orders"] and l["active"])
        first = app.locator(f'#locations-body tr[data-location="{online}"]')
        assert "/admin/settings/locations/" in first.locator("a").get_attribute("href")
        first.locator("[data-testid=create-facility]").click()
        first.locator("[data-testid=facility-id]").filter(has_not_text="").wait_for(timeout=10000)
        c.wait_for(lambda: first.locator("[data-testid=facility-id]").input_value() != "")
        first.locator("[data-testid=default]").check()
        token = c.ds.session_token(domain)
        locations = c.http.get(c.url + "/api/locations", headers={"Authorization": f"Bearer {token}"}).json()
        c.wait_for(lambda: any(l["default"] and l["facility_id"] for l in c.http.get(
            c.url + "/api/locations", headers={"Authorization": f"Bearer {c.ds.session_token(domain)}"}).json()))
        assert len(locations) >= 3
    finally:
        page.close()


def test_mappings_find_values_in_shopify_and_map_one(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        app.locator("[data-testid=import-mappings]").click()
        app.get_by_role("tab", name="Product types").click()
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        shopify_value = rows.first.get_attribute("data-value")
        rows.first.locator("[data-testid=oms-value]").select_option("FINISHED_GOOD")
        app.locator("[data-testid=save-mappings]").click()
        headers = lambda: {"Authorization": f"Bearer {c.ds.session_token(domain)}"}  # noqa: E731
        c.wait_for(lambda: any(
            v["shopify_value"] == shopify_value and v["oms_value"] == "FINISHED_GOOD"
            for v in c.http.get(c.url + "/api/mappings/product_type", headers=headers()).json()["values"]))
    finally:
        page.close()


def test_an_edit_not_yet_saved_survives_the_list_reloading(connected_app, browser):
    """"Find values in Shopify" reloads the list when it finishes: a value picked
    meanwhile stays picked, and Save stays on."""
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/import"), timeout=20000):
            app.locator("[data-testid=import-mappings]").click()
        app.get_by_role("tab", name="Product types").click()
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        rows.first.locator("[data-testid=oms-value]").select_option("FINISHED_GOOD")
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/product_type"), timeout=20000):
            app.locator("[data-testid=import-mappings]").click()  # the list reloads when it is done
        assert rows.first.locator("[data-testid=oms-value]").input_value() == "FINISHED_GOOD"
        assert app.locator("[data-testid=save-mappings]").is_enabled()
    finally:
        page.close()
