"""The authorization-code install in a real browser, from the landing page's form: `/auth`
sets the state cookie at top level, Shopify's consent page, and the callback, which the
cookie binds to this browser."""
import uuid

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Shop


def state_cookies(context) -> list[dict]:
    return [k for k in context.cookies() if k["name"] == "shopify_app_state"]


def test_a_shop_installs_from_the_landing_page_through_the_consent_page(connected_app, browser):
    c = connected_app
    domain = f"br-{uuid.uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, products=3, orders=0)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(c.url + "/")
        page.locator("#shop").fill(domain)
        page.get_by_role("button", name="Install").click()
        page.locator("#install").wait_for(timeout=15000)  # Shopify's consent page
        cookie, = state_cookies(context)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.locator("#install").click()
        page.wait_for_url(f"{c.devstore.url}/{domain}/admin/apps/**", timeout=15000)
        with c.app.app_context():
            shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one()
            assert shop.status == "active"
        assert state_cookies(context) == []  # spent by the callback
    finally:
        context.close()
