"""Signing operators in to the console in tests: over Flask's test client (server-side
tests) or in Chromium (browser tests). Plain helpers, imported where needed."""
from __future__ import annotations

import re

from shopify_app import operators
from shopify_app.extensions import db

PASSWORD = "correct horse battery staple 42"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_operator(email: str, role: str) -> None:
    """An operator (call inside an app context)."""
    operators.create_operator(email, PASSWORD, role, name=email.split("@")[0])
    db.session.commit()


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in_client(client, email: str):
    """Sign in through the login form with the test client; returns a page's CSRF token."""
    page = client.get("/console/login")
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 302, answer.text[:500]
    return csrf_of(client.get("/console/account").text)


def sign_in_browser(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/console/**")
