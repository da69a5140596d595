"""The embedded UI in a real browser, inside devstore's Shopify-admin stand-in."""
import uuid

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Shop

def test_install_and_change_the_access_level_inside_admin(connected_app, browser):
    c = connected_app
    domain = f"br-{uuid.uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, products=5, orders=3)
    page = browser.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    blocked = []  # what the pages' Content-Security-Policy refused (a script, a frame...)
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(f"{c.devstore.url}/{domain}/admin/apps/{c.devstore.api_key}")
        page.get_by_role("button", name="Install").first.click()
        app = page.frame_locator("iframe").first
        summary = app.locator("[data-testid=connection-summary]")
        summary.wait_for(timeout=15000)
        assert app.locator("[data-testid=shop-domain]").inner_text() == domain
        assert app.locator("[data-testid=status]").inner_text() == "Active"
        assert app.locator("[data-testid=currency]").inner_text() not in ("", "—")

        app.locator("[data-testid=access-level]").select_option("read")
        page.locator("[data-testid=save-bar-save]").click(timeout=5000)  # saved with the admin's save bar
        app.locator("[data-testid=access-message]").filter(has_text="Access level saved").wait_for(timeout=10000)
        with c.app.app_context():
            shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one()
            assert shop.access_level == "read"
        assert outside == []  # nothing loaded from a CDN
        assert blocked == []
    finally:
        page.close()
