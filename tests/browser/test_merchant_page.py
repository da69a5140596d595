"""The merchant's pages in a real browser, inside devstore's admin: reached from the admin's
nav menu, saving with the save bar, syncs, locations and mappings."""
from playwright.sync_api import expect
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import FlowState, Shop, SyncRun
from tests.browser.admin_pages import NAV, go_to, open_installed_app, save_bar


def shop_id(c, domain):
    with c.app.app_context():
        return db.session.execute(select(Shop.id).where(Shop.domain == domain)).scalar_one()


def test_the_nav_menu_opens_every_page_without_reloading_the_admin(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        nav = page.locator("#ds-app-nav a")
        nav.first.wait_for(timeout=10000)
        assert nav.all_inner_texts() == [label for label, _ in NAV]  # "Overview" is the home: the app's name
        page.evaluate("window.__adminStayed = true")
        for label, slug in NAV + [("Overview", "overview")]:
            go_to(page, app, label)
            expect(page.locator("[data-testid=title-bar]")).to_have_text("Overview" if slug == "overview" else label)
            if slug != "overview":
                assert page.url.endswith(f"/apps/{c.devstore.api_key}/{'shipping' if slug == 'shipping' else slug}")
        assert page.evaluate("window.__adminStayed") is True  # the admin page around the app never reloaded
        assert page.evaluate("window.devstoreAdmin.frameLoads") == len(NAV) + 1
        assert page.script_errors == []
    finally:
        page.close()


def test_sync_switch_saved_with_the_save_bar_and_sync_now_queues_a_run(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Orders")
        switch = app.locator("[data-testid=sync-orders] [data-testid=enabled]")
        switch.wait_for(timeout=10000)
        assert app.locator("[data-testid=sync-orders] label", has_text="Sync orders automatically").count() == 1
        expect(app.locator("[data-testid=sync-orders] [data-testid=switch-state]")).to_have_text("On")
        switch.uncheck()
        expect(app.locator("[data-testid=sync-orders] [data-testid=switch-state]")).to_have_text("Off")
        save_bar(page).wait_for(state="visible", timeout=5000)
        page.locator("[data-testid=save-bar-save]").click()
        c.wait_for(lambda: db.session.execute(
            select(FlowState.enabled).where(FlowState.shop_id == shop_id(c, domain), FlowState.flow == "orders")
        ).scalar_one_or_none() is False)
        save_bar(page).wait_for(state="hidden", timeout=5000)

        go_to(page, app, "Products")
        button = app.get_by_role("button", name="Sync now: products")
        button.click(timeout=20000)
        app.locator("[data-testid=sync-products] [data-testid=state]", has_text="Queued").wait_for(timeout=10000)
        queued = c.wait_for(lambda: db.session.execute(
            select(SyncRun).where(SyncRun.flow == "products", SyncRun.status == "queued",
                                  SyncRun.shop_id == shop_id(c, domain))).scalars().first())
        assert queued.trigger == "manual"
    finally:
        page.close()


def test_the_title_bar_main_action_runs_from_the_admins_top_bar(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Locations")
        action = page.locator("[data-testid=title-bar-action]")
        action.wait_for(timeout=10000)
        assert action.inner_text() == "Import locations"
        action.click(timeout=10000)
        app.locator("#locations-body tr[data-location]").first.wait_for(timeout=15000)
    finally:
        page.close()


def test_locations_import_create_a_facility_and_choose_the_default(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Locations")
        app.get_by_role("button", name="Import locations").first.click(timeout=10000)
        rows = app.locator("#locations-body tr[data-location]")
        rows.first.wait_for(timeout=10000)
        assert rows.count() >= 3
        first = rows.first
        assert "/admin/settings/locations/" in first.locator("a").first.get_attribute("href")
        first.get_by_role("button", name="More actions").click()
        first.get_by_role("menuitem", name="Create a facility from this location").click()
        c.wait_for(lambda: app.locator("#locations-body tr[data-location]").first.locator(
            "[data-testid=facility]").input_value() != "")
        online = app.locator("#locations-body tr[data-location]").filter(has_text="Yes").first
        online.get_by_role("button", name="More actions").click()
        online.get_by_role("menuitem", name="Make the default location", exact=True).click()
        online.locator("[data-testid=default-badge]").wait_for(timeout=10000)
        headers = lambda: {"Authorization": f"Bearer {c.ds.session_token(domain)}"}  # noqa: E731
        locations = c.http.get(c.url + "/api/locations", headers=headers()).json()
        locations = locations if isinstance(locations, list) else locations["locations"]
        assert len(locations) >= 3 and any(l["facility_id"] for l in locations)
    finally:
        page.close()


def test_mappings_find_values_in_shopify_and_map_one_with_the_save_bar(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Mappings")
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/import"), timeout=45000):
            page.locator("[data-testid=title-bar-action]").click(timeout=10000)
        app.get_by_role("tab", name="Product types").click()
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        shopify_value = rows.first.get_attribute("data-value")
        rows.first.locator("[data-testid=oms-value]").select_option("FINISHED_GOOD")
        save_bar(page).wait_for(state="visible", timeout=5000)
        page.locator("[data-testid=save-bar-save]").click()
        headers = lambda: {"Authorization": f"Bearer {c.ds.session_token(domain)}"}  # noqa: E731
        c.wait_for(lambda: any(
            v["shopify_value"] == shopify_value and v["oms_value"] == "FINISHED_GOOD"
            for v in c.http.get(c.url + "/api/mappings/product_type", headers=headers()).json()["values"]))
        save_bar(page).wait_for(state="hidden", timeout=5000)
    finally:
        page.close()


def test_an_edit_not_yet_saved_survives_a_reload_and_a_tab_switch(connected_app, browser):
    """"Find values in Shopify" reloads the lists when it finishes, and the merchant moves
    between tabs: a value picked meanwhile stays picked, and the save bar stays."""
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Mappings")
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/import"), timeout=45000):
            page.locator("[data-testid=title-bar-action]").click(timeout=10000)
        app.get_by_role("tab", name="Product types").click()
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        rows.first.locator("[data-testid=oms-value]").select_option("FINISHED_GOOD")
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/product_type"), timeout=45000):
            page.locator("[data-testid=title-bar-action]").click()  # the lists reload when it is done
        assert rows.first.locator("[data-testid=oms-value]").input_value() == "FINISHED_GOOD"
        app.get_by_role("tab", name="Sales channels").click()
        app.get_by_role("tab", name="Product types").click()
        assert rows.first.locator("[data-testid=oms-value]").input_value() == "FINISHED_GOOD"
        assert save_bar(page).is_visible()
    finally:
        page.close()


def test_leaving_with_unsaved_edits_asks_first(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        app.locator("[data-testid=access-level]").select_option("read")
        save_bar(page).wait_for(state="visible", timeout=5000)
        page.locator("#ds-app-nav a", has_text="Products").click()
        dialog = page.locator("[data-testid=leave-dialog]")
        dialog.wait_for(state="visible", timeout=5000)
        page.locator("[data-testid=leave-stay]").click()
        assert app.locator("[data-testid=page-overview]").is_visible()
        assert app.locator("[data-testid=access-level]").input_value() == "read"
        page.locator("#ds-app-nav a", has_text="Products").click()
        page.locator("[data-testid=leave-confirm]").click()
        app.locator("[data-testid=page-products]").wait_for(timeout=15000)
        assert not save_bar(page).is_visible()
        with c.app.app_context():
            assert db.session.execute(select(Shop.access_level).where(Shop.domain == domain)).scalar_one() == "read_write"
    finally:
        page.close()


def test_a_shipping_mapping_refused_marks_its_row(connected_app, browser):
    """A carrier without a shipment method is refused: the row says why, the edit stays."""
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Shipping methods")
        with page.expect_response(lambda r: r.url.endswith("/api/mappings/import"), timeout=45000):
            page.locator("[data-testid=title-bar-action]").click(timeout=10000)
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        carrier = rows.first.locator("[data-testid=carrier]")
        carrier.select_option(index=1)
        page.locator("[data-testid=save-bar-save]").click(timeout=5000)
        app.locator("#mappings-body tr[data-value] [data-testid=row-error]").first.wait_for(timeout=10000)
        assert save_bar(page).is_visible()  # nothing lost: still to save
        assert app.locator("#mappings-body tr[data-value]").first.locator("[data-testid=carrier]").input_value() != ""
    finally:
        page.close()


def test_privacy_shows_no_email_of_a_customer_whose_redaction_was_applied(connected_app, browser):
    from datetime import datetime, timezone

    from shopify_app.models import ComplianceRequest

    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        now = datetime.now(timezone.utc)
        with c.app.app_context():
            db.session.add_all([
                ComplianceRequest(shop_domain=domain, topic="customers/data_request", customer_id="7",
                                  customer_email="gone@example.com", orders_requested=[1], completed_at=now),
                ComplianceRequest(shop_domain=domain, topic="customers/redact", customer_id="7",
                                  customer_email="gone@example.com", orders_requested=[1], completed_at=now),
                ComplianceRequest(shop_domain=domain, topic="customers/data_request", customer_id="8",
                                  customer_email="kept@example.com", orders_requested=[], completed_at=now),
            ])
            db.session.commit()
        go_to(page, app, "Privacy")
        rows = app.locator("#privacy-body tr[data-request]")
        expect(rows).to_have_count(3, timeout=10000)
        text = app.locator("#privacy-body").inner_text()
        assert "gone@example.com" not in text and "Redacted customer" in text
        assert "kept@example.com" in text
    finally:
        page.close()


def test_a_facility_mapped_elsewhere_is_taken_only_after_confirming(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Locations")
        page.locator("[data-testid=title-bar-action]").click(timeout=10000)
        rows = app.locator("#locations-body tr[data-location]")
        rows.first.wait_for(timeout=15000)
        first, second = rows.nth(0), rows.nth(1)
        first.get_by_role("button", name="More actions").click()
        first.get_by_role("menuitem", name="Create a facility from this location").click()
        expect(first.locator("[data-testid=facility]")).not_to_have_value("", timeout=10000)
        taken = first.locator("[data-testid=facility]").input_value()
        second.locator("[data-testid=facility]").select_option(taken)
        page.locator("[data-testid=save-bar-save]").click(timeout=5000)
        dialog = app.locator("[data-testid=dialog]")
        expect(dialog).to_contain_text(f"Take {taken} from", timeout=5000)
        dialog.locator("[data-testid=cancel]").click()
        assert save_bar(page).is_visible()  # not saved: still to save or discard
        headers = {"Authorization": f"Bearer {c.ds.session_token(domain)}"}
        body = c.http.get(c.url + "/api/locations", headers=headers).json()
        listed = body if isinstance(body, list) else body["locations"]
        assert [l["facility_id"] for l in listed].count(taken) == 1
        page.locator("[data-testid=save-bar-discard]").click()
        save_bar(page).wait_for(state="hidden", timeout=5000)
        # Confirmed: the facility moves (the page tells the API the merchant said yes).
        second.locator("[data-testid=facility]").select_option(taken)
        page.locator("[data-testid=save-bar-save]").click(timeout=5000)
        dialog.locator("[data-testid=confirm]").click()
        save_bar(page).wait_for(state="hidden", timeout=10000)
        body = c.http.get(c.url + "/api/locations", headers=headers).json()
        listed = body if isinstance(body, list) else body["locations"]
        holders = [l["id"] for l in listed if l["facility_id"] == taken]
        assert holders == [second.get_attribute("data-location")], listed
        # A location that takes no online orders cannot be the default.
        offline = rows.filter(has_text="point of sale")
        if offline.count():
            offline.first.get_by_role("button", name="More actions").click()
            item = offline.first.get_by_role("menuitem", name="Make the default location (it must fulfil online orders)")
            assert item.get_attribute("aria-disabled") == "true"
    finally:
        page.close()


def test_an_interval_must_be_whole_minutes(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        go_to(page, app, "Products")
        interval = app.locator("[data-testid=sync-products] [data-testid=interval]")
        interval.wait_for(timeout=10000)
        interval.fill("1.5")
        page.locator("[data-testid=save-bar-save]").click(timeout=5000)
        expect(app.locator("#interval-products-help")).to_have_text("Enter whole minutes from 1 to 1440.", timeout=5000)
        assert save_bar(page).is_visible()
        with c.app.app_context():
            state = db.session.execute(select(FlowState.interval_minutes).where(
                FlowState.shop_id == shop_id(c, domain), FlowState.flow == "products")).scalar_one_or_none()
            assert state in (None, 15)  # nothing saved
    finally:
        page.close()
