"""The operator console in Chromium: sign in by keyboard, find a shop, favorite it, filter
favorites, deactivate and activate it, reveal its credentials after the password; labelled
controls and no horizontal scrolling at phone width."""
from __future__ import annotations

import pyotp
import pytest

from shopify_app import create_app
from shopify_app.extensions import db
from shopify_app.models import AuditEntry, Shop
from tests.conftest import API_SECRET, base_env, create_shop, free_port
from tests.console_support import PASSWORD, cheap_password_hashing, make_operator  # noqa: F401

DEMO = "demo.myshopify.com"


@pytest.fixture
def console(database_url, live_server_factory):
    """The app on a real port, its URL plain http as in development (so the cookie is not Secure)."""
    port = free_port()
    app = create_app(base_env(DATABASE_URL=database_url, SHOPIFY_APP_URL=f"http://127.0.0.1:{port}"), TESTING=True)
    with app.app_context():
        make_operator("boss@example.com", "super_user", name="Boss")
        make_operator("staff@example.com", "staff")
        create_shop(DEMO, token="shpat_demo_token")
        db.session.query(Shop).filter_by(domain=DEMO).update({"name": "Demo Shop"})
        create_shop("other.myshopify.com").name = "Other Shop"
        for n in range(55):
            create_shop(f"filler-{n:02d}.myshopify.com").name = f"Filler {n:02d}"
        db.session.commit()
        server = live_server_factory(app, port)
        yield app, server.url
        db.session.remove()
        db.engine.dispose()


def sign_in_by_keyboard(page, url, email="boss@example.com"):
    page.goto(f"{url}/console/")
    assert "/console/login" in page.url
    # The email field takes the focus as the page loads; typing before it has it loses keys.
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'email'")
    page.keyboard.type(email)  # the email field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Find Shopify connections").wait_for()


def row(page, domain):
    return page.locator(f"tr[data-domain='{domain}']")


def test_an_operator_finds_favorites_switches_and_copies_credentials_of_a_shop(console, browser):
    app, url = console
    page = browser.new_page()
    try:
        sign_in_by_keyboard(page, url)
        assert page.locator("[data-testid=connection]").count() == 50  # a page of 57 shops
        assert page.get_by_text("Page 1 of 2").is_visible()

        page.get_by_label("Search by name or domain").fill("demo")
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/?q=demo**")
        assert page.locator("[data-testid=connection]").count() == 1

        row(page, DEMO).get_by_role("button", name="Add Demo Shop to favorites").click()
        page.get_by_text("Demo Shop (demo.myshopify.com) is one of your favorites.").wait_for()
        assert "q=demo" in page.url  # back to the list it came from
        page.goto(f"{url}/console/")
        assert page.locator("[data-testid=connection]").first.get_attribute("data-domain") == DEMO
        page.get_by_label("Favorites only").check()
        page.get_by_role("button", name="Find").click()
        page.wait_for_url("**favorites=1**")
        assert [page.locator("[data-testid=connection]").nth(i).get_attribute("data-domain")
                for i in range(page.locator("[data-testid=connection]").count())] == [DEMO]

        row(page, DEMO).get_by_role("button", name="Deactivate Demo Shop").click()
        page.get_by_text("is inactive").wait_for()
        assert row(page, DEMO).locator("[data-testid=status]").inner_text() == "Inactive"
        row(page, DEMO).get_by_role("button", name="Activate Demo Shop").click()
        page.get_by_text("is active again").wait_for()
        assert row(page, DEMO).locator("[data-testid=status]").inner_text() == "Active"

        row(page, DEMO).get_by_role("link", name="Copy credentials of Demo Shop").click()
        page.get_by_role("heading", name="Copy credentials").wait_for()
        assert "shpat_demo_token" not in page.content() and API_SECRET not in page.content()
        page.get_by_label("Your password").fill("not my password")
        page.get_by_role("button", name="Show credentials").click()
        page.get_by_text("That is not your password").wait_for()
        assert "shpat_demo_token" not in page.content()
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Show credentials").click()
        assert page.locator("[data-testid=access-token]").inner_text() == "shpat_demo_token"
        assert page.locator("[data-testid=client-secret]").inner_text() == API_SECRET
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page.get_by_role("button", name="Copy").first.click()
        page.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == "shpat_demo_token"
        page.get_by_role("link", name="Back to the connections").click()
        page.get_by_role("heading", name="Find Shopify connections").wait_for()
        assert "favorites=1" in page.url
    finally:
        page.close()
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["operator.sign_in", "shop.favorite", "shop.deactivate", "shop.activate", "credentials.reveal"]


def test_staff_see_no_copy_credentials_and_get_a_403_page_for_it(console, browser):
    _, url = console
    page = browser.new_page()
    try:
        sign_in_by_keyboard(page, url, "staff@example.com")
        assert page.get_by_role("link", name="Copy credentials of Demo Shop").count() == 0
        response = page.goto(f"{url}/console/shops/{DEMO}/credentials")
        assert response.status == 403
        assert page.get_by_text("Only super users may do this.").is_visible()
    finally:
        page.close()


def test_two_step_verification_is_turned_on_and_then_asked_for_at_sign_in(console, browser):
    _, url = console
    page = browser.new_page()
    try:
        sign_in_by_keyboard(page, url)
        page.get_by_test_id("account-link").click()
        page.get_by_role("button", name="Set up two-step verification").click()
        secret = page.get_by_test_id("totp-secret").inner_text()
        assert page.locator(".qr svg").count() == 1
        page.get_by_label("6-digit code from your authenticator app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on").click()
        page.get_by_text("Two-step verification is on").first.wait_for()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You are signed out.").wait_for()
        page.get_by_label("Email").fill("boss@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Two-step verification").wait_for()
        page.get_by_label("6-digit code from your authenticator app").fill("000000")
        page.get_by_role("button", name="Verify").click()
        page.get_by_text("That code is not right").wait_for()
        page.get_by_label("6-digit code from your authenticator app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Verify").click()
        page.get_by_role("heading", name="Find Shopify connections").wait_for()
    finally:
        page.close()


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, button, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map(el => el.outerHTML)"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_console_pages_fit_a_phone_and_every_control_is_labelled(console, browser):
    _, url = console
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{url}/console/login")
        assert page.evaluate(OVERFLOW) <= 0 and page.evaluate(UNLABELLED) == []
        sign_in_by_keyboard(page, url)
        for path in ("/console/", "/console/?q=demo", "/console/account", f"/console/shops/{DEMO}/credentials"):
            page.goto(url + path)
            assert page.evaluate(OVERFLOW) <= 0, path
            assert page.evaluate(UNLABELLED) == [], path
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Show credentials").click()
        page.get_by_test_id("access-token").wait_for()
        assert page.evaluate(OVERFLOW) <= 0
    finally:
        context.close()


def test_the_connections_page_is_usable_by_keyboard(console, browser):
    _, url = console
    page = browser.new_page()
    try:
        sign_in_by_keyboard(page, url)
        page.get_by_label("Search by name or domain").focus()
        page.keyboard.type("other")
        page.keyboard.press("Enter")
        page.wait_for_url("**q=other**")
        # Tab from the search field to the row's favorite button, then press it with Enter.
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Add Other Shop to favorites":
                break
        else:
            pytest.fail("the favorite button cannot be reached with Tab")
        page.keyboard.press("Enter")
        page.get_by_text("Other Shop (other.myshopify.com) is one of your favorites.").wait_for()
    finally:
        page.close()
