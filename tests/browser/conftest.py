"""Browser tests: the app's pages in headless Chromium (Debian's, driven by Playwright),
inside devstore's Shopify-admin stand-in. Marked `browser` and `integration` by directory
(tests/conftest.py); `connected_app` comes from tests/connected_app.py."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright  # only browser tests need Playwright installed

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
