"""Helpers of the browser tests: the app installed in devstore's admin, its pages
reached from the admin's nav menu, the save bar in the admin's top bar, axe-core."""
from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

AXE = Path(__file__).parent / "assets" / "axe.min.js"

# The pages of the app: nav label, slug (as shopify_app/web/pages.py lists them).
NAV = [("Products", "products"), ("Orders", "orders"), ("Inventory", "inventory"), ("Locations", "locations"),
       ("Mappings", "mappings"), ("Shipping methods", "shipping"), ("Privacy", "privacy")]


def open_installed_app(c, browser, prefix="mp", viewport=None, **shop):
    domain = f"{prefix}-{uuid.uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, **({"products": 5, "orders": 3, "locations": 3} | shop))
    page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
    page.script_errors = []
    page.on("pageerror", lambda e: page.script_errors.append(str(e)))
    page.goto(f"{c.devstore.url}/{domain}/admin/apps/{c.devstore.api_key}")
    page.get_by_role("button", name="Install").first.click()
    app = page.frame_locator("#app-iframe")
    app.locator("[data-testid=page-overview]").wait_for(timeout=15000)
    return domain, page, app


def go_to(page, app, label: str):
    """A click on the app's nav menu item in the admin's sidebar; waits for the page, and for the
    admin's title bar to show it: until then the title bar's button is the last page's, and a click
    on it reaches a page whose own button is not yet live."""
    slug = dict(NAV).get(label, "overview")
    if label == "Overview":
        page.locator("#ds-app-link").click()
    else:
        page.locator("#ds-app-nav a", has_text=label).click()
    app.locator(f"[data-testid=page-{slug}]").wait_for(timeout=15000)
    expect(page.locator("#ds-title-bar")).to_have_text(label, timeout=15000)


def save_bar(page):
    return page.locator("[data-testid=save-bar]")


def app_frame(page):
    return page.frame(name="app-iframe")


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's audit of the app's page (inside the iframe): the violations of those impacts."""
    frame = app_frame(page)
    # Evaluated through the DevTools protocol: the page's CSP (no inline script) stays on.
    frame.evaluate(AXE.read_text() + "\n;true")
    result = frame.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                            ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))")
    return [v for v in result if v["impact"] in impacts]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the app's page is wider than its iframe (0: nothing overflows)."""
    return app_frame(page).evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
