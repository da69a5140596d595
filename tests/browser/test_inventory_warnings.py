"""The Inventory page's warnings come with their way out: a location that fulfils online
orders beside the default one can be stopped from selling online, after the merchant
confirms, and Shopify (devstore) then has it so."""
from playwright.sync_api import expect
from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.runner import run_flow
from tests.browser.admin_pages import go_to, open_installed_app


def test_stop_online_selling_from_the_inventory_warning_after_confirming(connected_app, browser):
    c = connected_app
    domain, page, app = open_installed_app(c, browser, products=4, orders=2, locations=3)
    try:
        with c.app.app_context():
            sid = db.session.execute(select(Shop.id).where(Shop.domain == domain)).scalar_one()
            assert run_flow(sid, "locations", "manual").status == "succeeded"
        headers = {"Authorization": f"Bearer {c.ds.session_token(domain)}"}
        assert c.http.patch(f"{c.url}/api/shop", json={"access": "read_write"}, headers=headers).status_code == 200
        listed = c.http.get(f"{c.url}/api/locations", headers=headers).json()
        online = [l for l in listed if l["fulfills_online_orders"] and l["active"]]
        assert len(online) >= 2, listed
        default, other = online[0], online[1]
        answer = c.http.put(f"{c.url}/api/locations/{default['id']}", json={"default": True}, headers=headers)
        assert answer.status_code == 200, answer.text

        go_to(page, app, "Inventory")
        fix = app.locator("[data-testid=fix-stop_online_selling]")
        expect(fix).to_have_count(1, timeout=15000)
        assert other["name"] in fix.inner_text()
        fix.click()
        app.locator("[data-testid=dialog]").wait_for()
        app.get_by_role("button", name="Cancel").click()  # nothing happens without the merchant's yes
        assert any(l["fulfillsOnlineOrders"] for l in c.ds.locations(domain) if l["id"] == other["id"])
        fix.click()
        app.locator("[data-testid=confirm]").click()
        expect(app.locator("[data-testid=fix-stop_online_selling]")).to_have_count(0, timeout=15000)
        shopify = {l["id"]: l for l in c.ds.locations(domain)}
        assert shopify[other["id"]]["fulfillsOnlineOrders"] is False
        assert shopify[default["id"]]["fulfillsOnlineOrders"] is True
    finally:
        page.close()
