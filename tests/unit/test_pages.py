"""Every section of the app is its own page under the embedded app, opened as Shopify
opens application_url with the page's path: the admin's nav menu, a title bar with the
page's main action, the save bar, and no inline script (the CSP allows none)."""
from __future__ import annotations

import re

from shopify_app.web.pages import PAGES
from tests.conftest import SHOP, make_session_token, signed


def entry_params(**extra):
    import time
    params = {"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA", "timestamp": str(int(time.time()))}
    params.update(extra)
    return signed(params)


def test_each_page_renders_with_the_nav_menu_title_bar_and_save_bar(client, shop):
    for page in PAGES:
        resp = client.get(page.path, query_string=entry_params(embedded="1", id_token=make_session_token(SHOP)))
        assert resp.status_code == 200, page.path
        html = resp.data.decode()
        nav = html.split("<ui-nav-menu>")[1].split("</ui-nav-menu>")[0]
        links = re.findall(r'<a href="([^"]+)"( rel="home")?>([^<]+)</a>', nav)
        assert [href for href, _, _ in links] == [p.path for p in PAGES]
        assert links[0][1] == ' rel="home"' and not any(rel for _, rel, _ in links[1:])
        assert f'<ui-title-bar title="{page.title}">' in html
        if page.action:
            assert f'aria-label="{page.action[1]}"' in html and 'variant="primary"' in html
        assert '<ui-save-bar id="oms-save-bar">' in html
        assert f'data-testid="page-{page.slug}"' in html
        assert f"pages/{'mappings' if page.slug == 'shipping' else page.slug}.js" in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html.replace('type="application/json"', "")), page.path
        assert "frame-ancestors" in resp.headers["Content-Security-Policy"]


def test_a_page_without_a_shop_goes_to_the_landing_page(client):
    resp = client.get("/orders")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")


def test_a_page_with_a_stale_token_bounces_back_to_the_same_page(client, shop):
    resp = client.get("/mappings", query_string=entry_params(embedded="1", id_token="not-a-token"))
    assert resp.status_code == 200
    assert b"bounce-config" in resp.data and b"/mappings?" in resp.data
