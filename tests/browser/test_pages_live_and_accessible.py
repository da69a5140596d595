"""Every page, audited (axe-core), at 360 px, by keyboard; live state (a run queued by a
click, progress as done of total); and the merchant's journey from install to a first push."""
from datetime import datetime, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Shop, SyncRun, Variant
from shopify_app.sync.runner import run_flow
from tests.browser.admin_pages import (NAV, app_frame, axe_violations, go_to, horizontal_overflow,
                                       open_installed_app, save_bar)

PAGES = [("Overview", "overview")] + NAV
INTERNAL_WORDS = ("placeholder_lines", "bulk_status", "bulk_objects", "null for the default", "Exception",
                  "ShopifyUnavailable", "Traceback", "undefined", "NaN", "nullnull", "[object Object]")


def shop_id(c, domain):
    with c.app.app_context():
        return db.session.execute(select(Shop.id).where(Shop.domain == domain)).scalar_one()


def headers(c, domain):
    return {"Authorization": f"Bearer {c.ds.session_token(domain)}"}


def with_data(c, domain):
    """What a merchant's first minutes leave: products and orders down, locations and values found."""
    sid = shop_id(c, domain)
    with c.app.app_context():
        for flow in ("locations", "products"):
            assert run_flow(sid, flow, "manual").status == "succeeded"
        sku = db.session.execute(select(Variant.sku).where(Variant.shop_id == sid, Variant.sku.is_not(None))).scalars().first()
    for gateway in ("manual", "shopify_payments"):  # open orders of today, to be imported
        c.ds.create_order(domain, [{"sku": sku, "quantity": 1}], source_name="web", gateway=gateway,
                          shipping={"title": "Standard", "code": "STD", "price": "5.00"})
    with c.app.app_context():
        assert run_flow(sid, "orders", "manual").status == "succeeded"
    assert c.http.post(c.url + "/api/mappings/import", headers=headers(c, domain)).status_code == 200
    return sid


def test_every_page_has_no_serious_or_critical_accessibility_violation(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser, products=8, orders=6)
    try:
        with_data(c, domain)
        for label, slug in PAGES:
            go_to(page, app, label)
            app.locator(".skeleton-row, .skeleton-block").first.wait_for(state="detached", timeout=10000)
            assert axe_violations(page) == [], slug
            if slug == "overview":  # the chart: a bar a day, in the shop's days
                expect(app.locator("[data-testid=orders-chart] svg rect")).to_have_count(14)
            if slug == "orders":  # nothing mapped yet: the recent orders say so
                expect(app.locator("#recent-body [data-testid=unmapped]").first).to_be_visible()
            text = app_frame(page).evaluate("document.body.innerText")
            assert not [w for w in INTERNAL_WORDS if w in text], (slug, text)
        assert page.script_errors == []
    finally:
        page.close()


def test_every_page_fits_360_px_without_horizontal_overflow(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser, viewport={"width": 360, "height": 800}, products=8, orders=6)
    try:
        with_data(c, domain)
        assert app_frame(page).evaluate("innerWidth") <= 360
        for label, slug in PAGES:
            go_to(page, app, label)
            app.locator(".skeleton-row, .skeleton-block").first.wait_for(state="detached", timeout=10000)
            assert horizontal_overflow(page) == 0, slug
    finally:
        page.close()


def test_mappings_by_keyboard_only(connected_app, browser):
    """Tabs by arrow keys, a value picked, the row's menu opened and used, saved: no mouse."""
    c = connected_app
    domain, page, app = open_installed_app(c, browser, products=8, orders=6)
    try:
        with_data(c, domain)
        go_to(page, app, "Mappings")
        app.locator("#mappings-body tr[data-value]").first.wait_for(timeout=10000)
        app.locator("#tab-sales_channel").focus()
        page.keyboard.press("ArrowRight")
        expect(app.locator("#tab-product_type")).to_be_focused()
        expect(app.locator("#tab-product_type")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("End")
        expect(app.locator("#tab-payment_method")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("ArrowRight")  # wraps around
        expect(app.locator("#tab-sales_channel")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("ArrowRight")
        expect(app.locator("#mappings-head")).to_contain_text("Shopify product type", timeout=10000)
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        value = rows.first.get_attribute("data-value")
        page.keyboard.press("Tab")  # into the panel
        page.keyboard.press("Tab")  # the bulk bar is off until a row is selected: the select-all box
        expect(app.locator("[data-testid=select-all]")).to_be_focused()
        page.keyboard.press("Tab")
        expect(rows.first.locator("[data-testid=select-row]")).to_be_focused()
        page.keyboard.press("Tab")
        expect(rows.first.locator("[data-testid=oms-value]")).to_be_focused()
        page.keyboard.press("ArrowDown")  # "Not mapped" -> the first OMS value
        picked = rows.first.locator("[data-testid=oms-value]").input_value()
        assert picked
        save_bar(page).wait_for(state="visible", timeout=5000)
        menu_button = app.locator(f'#mappings-body tr[data-value="{value}"] [data-testid=row-menu]')
        menu_button.focus()
        page.keyboard.press("Enter")
        items = app.locator(f'#mappings-body tr[data-value="{value}"] [role=menuitem]')
        expect(items.first).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(items.nth(1)).to_be_focused()
        page.keyboard.press("Escape")
        expect(menu_button).to_be_focused()
        page.locator("[data-testid=save-bar-save]").focus()
        page.keyboard.press("Enter")
        save_bar(page).wait_for(state="hidden", timeout=10000)
        body = c.http.get(c.url + "/api/mappings/product_type", headers=headers(c, domain)).json()
        assert {v["shopify_value"]: v["oms_value"] for v in body["values"]}[value] == picked
    finally:
        page.close()


def test_a_run_queued_by_a_click_shows_until_its_result_and_progress_is_done_of_total(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        sid = shop_id(c, domain)
        go_to(page, app, "Products")
        card = app.locator("[data-testid=sync-products]")
        app.get_by_role("button", name="Sync now: products").click(timeout=20000)
        expect(card.locator("[data-testid=state]")).to_have_text("Queued", timeout=5000)
        with c.app.app_context():
            queued = db.session.execute(select(SyncRun).where(SyncRun.shop_id == sid, SyncRun.flow == "products",
                                                              SyncRun.status == "queued")).scalars().one()
            assert run_flow(sid, "products", "manual", run=queued).status == "succeeded"  # short: a poll may miss it
        expect(card.locator("[data-testid=last-run-status]")).to_have_text("Finished", timeout=6000)
        expect(card.locator("[data-testid=state]")).to_have_text("On")

        with c.app.app_context():  # a download in progress, as a worker reports it
            db.session.add(SyncRun(shop_id=sid, flow="products", trigger="manual", status="running",
                                   started_at=datetime.now(timezone.utc), counts={},
                                   progress={"objects": 40, "bulk_objects": 100, "bulk_status": "completed"}))
            db.session.commit()
        bar = card.locator("[data-testid=progress]")
        expect(bar).to_have_attribute("aria-valuenow", "40", timeout=20000)  # within a poll
        expect(bar).to_have_attribute("aria-valuemax", "100")
        expect(card).to_contain_text("40 of 100")
        expect(card.locator("[data-testid=state]")).to_have_text("Running")
    finally:
        page.close()


def test_times_show_in_the_shops_time_zone(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        zone = app.locator("[data-testid=timezone]").inner_text()
        assert zone == "America/New_York"  # devstore's shops
        frame = app_frame(page)
        frame.wait_for_function("() => typeof omsUi !== 'undefined'")  # the frame's scripts have run
        shown = frame.evaluate("omsUi.when('2026-01-15T17:30:00Z')")
        assert "12:30" in shown  # 17:30 UTC is 12:30 in New York in January, whatever the browser's zone
    finally:
        page.close()


def test_the_merchants_journey_from_install_to_a_first_push(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser, products=6, orders=4)
    try:
        sid = with_data(c, domain)
        checklist = app.locator("[data-testid=checklist]")
        expect(checklist.locator("[data-step=types]")).to_have_attribute("data-done", "false", timeout=10000)
        # The checklist leads to the product types.
        checklist.locator("[data-testid=checklist-types]").click()
        app.locator("[data-testid=page-mappings]").wait_for(timeout=15000)
        expect(app.locator("#tab-product_type")).to_have_attribute("aria-selected", "true")
        rows = app.locator("#mappings-body tr[data-value]")
        rows.first.wait_for(timeout=10000)
        app.locator("[data-testid=select-all]").check()
        app.locator("[data-testid=bulk-value]").select_option("FINISHED_GOOD")
        app.locator("[data-testid=bulk-apply]").click()
        assert all(v == "FINISHED_GOOD" for v in rows.locator("[data-testid=oms-value]").evaluate_all("s => s.map(x => x.value)"))
        app.get_by_role("tab", name="Sales channels").click()  # the types' edits stay while the channels are mapped
        channel_rows = app.locator("#mappings-body tr[data-value]")
        channel_rows.first.wait_for(timeout=10000)
        app.locator("[data-testid=select-all]").check()
        first_channel = app.locator("[data-testid=bulk-value] option").nth(1).get_attribute("value")
        app.locator("[data-testid=bulk-value]").select_option(first_channel)
        app.locator("[data-testid=bulk-apply]").click()
        page.locator("[data-testid=save-bar-save]").click()
        save_bar(page).wait_for(state="hidden", timeout=15000)
        for kind in ("product_type", "sales_channel"):
            body = c.http.get(c.url + f"/api/mappings/{kind}", headers=headers(c, domain)).json()
            assert body["unmapped"] == 0, kind

        go_to(page, app, "Locations")
        rows = app.locator("#locations-body tr[data-location]")
        rows.first.wait_for(timeout=10000)
        online = rows.filter(has_text="Yes")
        for i in range(online.count()):
            row = online.nth(i)
            row.get_by_role("button", name="More actions").click()
            row.get_by_role("menuitem", name="Create a facility from this location").click()
            expect(row.locator("[data-testid=facility]")).not_to_have_value("", timeout=10000)
        default = online.first
        if default.locator("[data-testid=default-badge]").count() == 0:
            default.get_by_role("button", name="More actions").click()
            default.get_by_role("menuitem", name="Make the default location", exact=True).click()
            default.locator("[data-testid=default-badge]").wait_for(timeout=10000)

        # The OMS sends stock; the merchant pushes it from the Inventory page's title bar.
        with c.app.app_context():
            _record, key = create_api_key("journey")
            db.session.commit()
        facilities = c.http.get(c.url + "/api/facilities", headers=headers(c, domain)).json()["facilities"]
        skus = [v["sku"] for p in c.http.get(c.url + f"/oms/v1/products?shop={domain}",
                                              headers={"Authorization": f"Bearer {key}"}).json()["items"]
                for v in p.get("variants", []) if v.get("sku")][:3]
        assert skus and facilities
        put = c.http.put(c.url + "/oms/v1/inventory", headers={"Authorization": f"Bearer {key}"},
                         json=[{"facility_id": facilities[0]["id"], "sku": s, "atp": 7} for s in skus])
        assert put.status_code == 200, put.text
        go_to(page, app, "Inventory")
        page.locator("[data-testid=title-bar-action]").click(timeout=10000)
        card = app.locator("[data-testid=sync-inventory]")
        expect(card.locator("[data-testid=state]")).to_have_text("Queued", timeout=5000)
        with c.app.app_context():
            queued = db.session.execute(select(SyncRun).where(SyncRun.shop_id == sid, SyncRun.flow == "inventory",
                                                              SyncRun.status == "queued")).scalars().one()
            run = run_flow(sid, "inventory", "manual", run=queued)
            assert run.status == "succeeded", run.error
        expect(card.locator("[data-testid=last-run-status]")).to_have_text("Finished", timeout=6000)
        expect(app.locator("[data-testid=last-push]").first).to_contain_text("stock levels", timeout=10000)
        go_to(page, app, "Overview")
        expect(checklist.locator("[data-step=push]")).to_have_attribute("data-done", "true", timeout=10000)
        for step in ("access", "types", "channels", "locations"):
            expect(checklist.locator(f"[data-step={step}]")).to_have_attribute("data-done", "true")
        assert page.script_errors == []
    finally:
        page.close()


def test_runs_and_errors_are_told_in_merchant_words(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser)
    try:
        frame = app_frame(page)
        frame.wait_for_function("() => typeof omsUi !== 'undefined'")  # the frame's scripts have run
        words = lambda expr: frame.evaluate(expr)  # noqa: E731
        assert words("omsUi.errorWords({error: 'ShopifyUnavailable: GraphQL call orders failed after 6 attempts'})") == \
            "Shopify did not answer in time. The app tries again at the next sync; nothing was lost."
        assert words("omsUi.errorWords({error: 'mappings[1]: a carrier needs an oms_value'})") == "A carrier needs an OMS value."
        assert "null for the default" not in words(
            "omsUi.errorWords({error: 'interval_minutes must be a whole number from 1 to 1440 (null for the default)'})")
        assert words("omsUi.errorWords({error: 'x', error_message: 'Shopify refused the token.'})") == "Shopify refused the token."
        assert words("omsUi.countWords({placeholder_lines: 369, bulk_objects: 3160, orders: 3})") == "3 orders"
        assert words("omsUi.valueLabel({shopify_value: 'shopify_payments'})") == "Shopify payments"
        assert words("omsUi.valueLabel({shopify_value: 'web', label: 'Online Store'})") == "Online Store"
        assert words("omsUi.statusWord('succeeded')") == "Finished"
    finally:
        page.close()
