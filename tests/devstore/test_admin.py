"""The embedded admin and the App Bridge stand-in: HTTP checks, then headless Chromium."""
from __future__ import annotations

import base64
import hmac
import json
import os
import re
import socket
import threading
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from devstore.server import create_devstore
from tests.conftest import independent_query_hmac

API_KEY = "admin-test-key"
API_SECRET = "admin-test-secret-0123456789abcdef0123"
SHOP = "admin-test.myshopify.com"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, app, port):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()


def verify_query_hmac(params: dict) -> bool:
    return hmac.compare_digest(independent_query_hmac(params, API_SECRET), params["hmac"])


def decode_session_token(token: str) -> dict:
    return jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY, leeway=10)


# A page with the App Bridge elements an app saves and navigates with.
FORM_PAGE = """<!doctype html>
<html><head><script src="%(ds)s/cdn/shopifycloud/app-bridge.js" data-api-key="%(key)s"></script></head>
<body data-path="%(path)s">
<ui-nav-menu><a href="/" rel="home">Home</a><a href="/form">Form</a><a href="/second">Second</a></ui-nav-menu>
<ui-title-bar title="Form page"><button variant="primary" id="tb" onclick="this.dataset.clicked='yes'">Do it</button></ui-title-bar>
<ui-save-bar id="bar"><button variant="primary" id="save" onclick="document.body.dataset.saved='yes'">Save it</button>
  <button id="discard" onclick="document.body.dataset.discarded='yes'">Throw away</button></ui-save-bar>
<form data-save-bar id="f" onsubmit="event.preventDefault(); document.body.dataset.submitted='yes'"><input name="x" id="x"></form>
<a id="inlink" href="/second">Second, by a link</a>
<pre id="left"></pre>
</body></html>"""


def make_tiny_app(ds_url: str) -> Flask:
    """A tiny embedded app: loads the App Bridge stand-in and exercises it."""
    app = Flask("tiny-embedded-app")
    app.config["launches"] = []
    app.config["echoes"] = []
    app.config["flaky"] = []
    page = """<!doctype html>
<html><head>
<script src="%(ds)s/cdn/shopifycloud/app-bridge.js" data-api-key="%(key)s"></script>
<title>Tiny app</title></head>
<body>
<ui-nav-menu><a href="/" rel="home">Home</a><a href="/settings">Settings</a></ui-nav-menu>
<ui-title-bar title="Dashboard"></ui-title-bar>
<h1>Tiny app</h1>
<pre id="config"></pre><pre id="token1"></pre><pre id="token2"></pre><pre id="auth"></pre><pre id="flaky"></pre><pre id="undone"></pre><pre id="error"></pre>
<a id="toplink" href="/auth/start?shop=via-link" target="_top">Leave by link</a>
<button id="leave" onclick="window.open('/auth/start?shop=' + shopify.config.shop, '_top')">Leave</button>
<script>
(async () => {
  try {
    document.getElementById('config').textContent = JSON.stringify(shopify.config);
    const t1 = await shopify.idToken();
    const t2 = await shopify.idToken();
    document.getElementById('token1').textContent = t1;
    document.getElementById('token2').textContent = t2;
    const r = await fetch('/echo', {headers: {'X-Test': '1'}});
    const j = await r.json();
    document.getElementById('auth').textContent = j.authorization || 'none';
    const f = await fetch(new Request('/flaky', {method: 'POST', body: 'x=1'}));
    document.getElementById('flaky').textContent = f.status + ' ' + (await f.text());
    shopify.loading(true);
    shopify.toast.show('Saved from the app', {duration: 60000});
    shopify.toast.show('Order archived', {duration: 60000, action: 'Undo', isError: true,
      onAction: () => { document.getElementById('undone').textContent = 'undone'; }});
  } catch (e) {
    document.getElementById('error').textContent = String(e);
  }
})();
</script>
</body></html>"""

    @app.get("/")
    def index():
        app.config["launches"].append(request.args.to_dict())
        resp = app.response_class(page % {"ds": ds_url, "key": API_KEY}, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = f"frame-ancestors {ds_url} https://admin.shopify.com;"
        return resp

    @app.get("/echo")
    def echo():
        auth = request.headers.get("Authorization")
        app.config["echoes"].append(auth)
        return jsonify({"authorization": auth, "x_test": request.headers.get("X-Test")})

    @app.post("/flaky")
    def flaky():
        # the first call answers as an app does to a stale session token; App Bridge retries once
        app.config["flaky"].append((request.headers.get("Authorization"), request.get_data(as_text=True)))
        if len(app.config["flaky"]) == 1:
            return "stale", 401, {"X-Shopify-Retry-Invalid-Session-Request": "1"}
        return "fresh"

    @app.get("/legacy")
    def legacy():
        # the escape older Shopify libraries use: a remoteRedirect message to the parent frame
        return ("<script>window.parent.postMessage(JSON.stringify({message: 'Shopify.API.remoteRedirect', "
                "data: {location: location.origin + '/auth/start?shop=legacy'}}), '*');</script>")

    @app.get("/form")
    @app.get("/second")
    def form_page():
        app.config["launches"].append(request.args.to_dict())
        return FORM_PAGE % {"ds": ds_url, "key": API_KEY, "path": request.path}

    @app.get("/auth/start")
    def auth_start():
        return f"<h1 id='escaped'>Top-level OAuth start for {request.args.get('shop')}</h1>"

    return app


@pytest.fixture(scope="module")
def servers():
    ds_port, app_port = free_port(), free_port()
    ds_url, app_url = f"http://127.0.0.1:{ds_port}", f"http://127.0.0.1:{app_port}"
    ds_app = create_devstore(api_key=API_KEY, api_secret=API_SECRET, app_url=app_url, port=ds_port,
                             products=6, orders=6)
    tiny = make_tiny_app(ds_url)
    ds, ap = Served(ds_app, ds_port), Served(tiny, app_port)
    yield {"ds": ds_url, "app": app_url, "ds_app": ds_app, "tiny": tiny}
    ds.close()
    ap.close()


def app_page(servers) -> str:
    return f"{servers['ds']}/{SHOP}/admin/apps/{API_KEY}"


# --- HTTP-level checks ---------------------------------------------------------------------------------
def test_install_page_launch_url_and_uninstall():
    app = create_devstore(api_key=API_KEY, api_secret=API_SECRET, app_url="http://127.0.0.1:9", port=4321,
                          products=2, orders=2, scopes=["read_products", "write_inventory", "read_orders"])
    state = app.extensions["devstore"]
    c = app.test_client()
    shop = "http-test.myshopify.com"
    assert c.get(f"/{shop}/admin/apps/not-the-key").status_code == 404
    handle = state.config.toml.get("handle")
    if handle:   # Shopify admin URLs name the app by its handle too
        assert c.get(f"/{shop}/admin/apps/{handle}").status_code == 200
    r = c.get(f"/{shop}/admin/apps/{API_KEY}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="install-page"' in html
    for s in ("read_products", "write_inventory", "read_orders"):
        assert s in html
    assert c.post(f"/{shop}/admin/apps/{API_KEY}/session-token").status_code == 403
    r = c.post(f"/{shop}/admin/apps/{API_KEY}/install")
    assert r.status_code == 303 and state.is_installed(shop)
    assert set(state.shop(shop).granted_scopes) == {"read_products", "write_inventory", "read_orders"}

    html = c.get(f"/{shop}/admin/apps/{API_KEY}/settings?tab=2").get_data(as_text=True)
    src = re.search(r'id="app-iframe"[^>]*src="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:9/settings"
    q = dict(parse_qsl(parts.query))
    assert set(q) == {"embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp", "tab"}
    assert q["embedded"] == "1" and q["shop"] == shop and q["locale"] == "en" and q["tab"] == "2"
    assert verify_query_hmac(q)
    host = base64.b64decode(q["host"] + "=" * (-len(q["host"]) % 4)).decode()
    assert host == f"127.0.0.1:4321/{shop}/admin"
    claims = decode_session_token(q["id_token"])
    assert claims["dest"] == f"https://{shop}" and claims["iss"] == f"https://{shop}/admin"
    assert claims["sid"] == q["session"]

    tok = c.post(f"/{shop}/admin/apps/{API_KEY}/session-token").get_json()["token"]
    assert decode_session_token(tok)["dest"] == f"https://{shop}"

    # more scopes in the toml than granted: the update page, and app/scopes_update on accept
    state.config.scopes = ["read_products", "write_inventory", "read_orders", "read_locations"]
    html = c.get(f"/{shop}/admin/apps/{API_KEY}").get_data(as_text=True)
    assert "Update" in html and "read_locations" in html
    c.post(f"/{shop}/admin/apps/{API_KEY}/install")
    assert "read_locations" in state.shop(shop).granted_scopes
    assert any(e["topic"] == "app/scopes_update" for e in state.dispatcher.events)

    r = c.post(f"/{shop}/admin/apps/{API_KEY}/uninstall")
    assert r.status_code == 303 and not state.is_installed(shop)
    assert any(e["topic"] == "app/uninstalled" for e in state.dispatcher.events)
    assert 'data-testid="install-page"' in c.get(f"/{shop}/admin/apps/{API_KEY}").get_data(as_text=True)

    assert "app/uninstalled" in c.get(f"/{shop}/admin/webhooks").get_data(as_text=True) or \
        not state.dispatcher.deliveries
    for path in ("", "/products", "/orders", "/settings/locations", "/webhooks"):
        assert c.get(f"/{shop}/admin{path}").status_code == 200
    js = c.get("/cdn/shopifycloud/app-bridge.js")
    assert js.status_code == 200 and "javascript" in js.mimetype and b"idToken" in js.data
    assert c.get("/cdn/shop/files/a-product-1.svg").mimetype == "image/svg+xml"


# --- headless Chromium -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.browser
def test_embedded_app_in_chromium(servers, browser):
    page = browser.new_page()
    try:
        page.goto(app_page(servers))
        page.get_by_test_id("install-page").wait_for()
        assert "read_products" in page.inner_text("#ds-scopes")
        page.get_by_test_id("install-app").click()
        page.wait_for_selector("#app-iframe")
        frame = page.frame_locator("#app-iframe")
        auth = frame.locator("#auth")
        auth.filter(has_text="Bearer").wait_for(timeout=30000)
        assert frame.locator("#error").inner_text() == ""

        # the app was opened as Shopify opens it
        launch = servers["tiny"].config["launches"][-1]
        assert verify_query_hmac(launch) and launch["shop"] == SHOP and launch["embedded"] == "1"

        # App Bridge config, tokens, authenticated fetch
        config = json.loads(frame.locator("#config").inner_text())
        assert config["apiKey"] == API_KEY and config["shop"] == SHOP and config["host"] == launch["host"]
        t1, t2 = frame.locator("#token1").inner_text(), frame.locator("#token2").inner_text()
        c1, c2 = decode_session_token(t1), decode_session_token(t2)
        assert c1["dest"] == f"https://{SHOP}" and c1["jti"] != c2["jti"]      # fresh on every call
        bearer = servers["tiny"].config["echoes"][-1]
        assert bearer.startswith("Bearer ")
        assert decode_session_token(bearer.split(" ", 1)[1])["dest"] == f"https://{SHOP}"

        # a 401 asking for a new session token is retried once, with a fresh token and the same body
        frame.locator("#flaky").filter(has_text="200 fresh").wait_for()
        (a1, b1), (a2, b2) = servers["tiny"].config["flaky"]
        assert a1 != a2 and a1.startswith("Bearer ") and a2.startswith("Bearer ") and b1 == b2 == "x=1"
        page.locator('#ds-loading[data-loading="true"]').wait_for()
        # the toast is rendered by the admin frame
        toast = page.get_by_test_id("toast").filter(has_text="Saved from the app")
        toast.wait_for()
        undo = page.get_by_test_id("toast").filter(has_text="Order archived")
        assert "ds-toast--error" in undo.get_attribute("class")
        undo.get_by_role("button", name="Undo").click()
        frame.locator("#undone").filter(has_text="undone").wait_for()
        # nav menu and title bar from <ui-nav-menu> and <ui-title-bar>
        page.locator("#ds-app-nav a", has_text="Settings").wait_for()
        page.locator("#ds-title-bar", has_text="Dashboard").wait_for()

        # leaving the iframe: window.open(url, '_top') navigates the whole page
        frame.locator("#leave").click()
        page.wait_for_url(f"{servers['app']}/auth/start*", timeout=20000)
        assert SHOP in page.inner_text("#escaped")

        # and by a link with target="_top"
        page.goto(app_page(servers))
        page.frame_locator("#app-iframe").locator("#toplink").click()
        page.wait_for_url(f"{servers['app']}/auth/start?shop=via-link", timeout=20000)

        # uninstall from the admin: the install page again
        page.goto(app_page(servers))
        page.once("dialog", lambda d: d.accept())
        page.get_by_test_id("uninstall-app").click()
        page.get_by_test_id("install-page").wait_for()
        assert not servers["ds_app"].extensions["devstore"].is_installed(SHOP)
    finally:
        page.close()


@pytest.mark.browser
def test_app_opened_outside_admin_goes_into_it(servers, browser):
    state = servers["ds_app"].extensions["devstore"]
    state.install(SHOP, state.config.scopes)
    host = base64.b64encode(f"{urlsplit(servers['ds']).netloc}/{SHOP}/admin".encode()).decode().rstrip("=")
    page = browser.new_page()
    try:
        page.goto(f"{servers['app']}/?shop={SHOP}&host={host}")
        page.wait_for_url(f"{app_page(servers)}*", timeout=20000)
        page.frame_locator("#app-iframe").locator("#auth").filter(has_text="Bearer").wait_for(timeout=30000)
    finally:
        page.close()


@pytest.mark.browser
def test_legacy_remote_redirect_message(servers, browser):
    state = servers["ds_app"].extensions["devstore"]
    state.install(SHOP, state.config.scopes)
    page = browser.new_page()
    try:
        page.goto(app_page(servers) + "/legacy")
        page.wait_for_url(f"{servers['app']}/auth/start?shop=legacy", timeout=20000)
    finally:
        page.close()


@pytest.mark.browser
def test_save_bar_title_bar_and_nav_menu_through_the_admin(servers, browser):
    """As @shopify/app-bridge-types declares them: the save bar shows in the admin's top bar and
    its buttons click the app's; leaving asks first; nav menu items open the app's pages in the
    iframe, the admin page staying; title bar buttons click the app's."""
    state = servers["ds_app"].extensions["devstore"]
    state.install(SHOP, state.config.scopes)
    page = browser.new_page()
    try:
        page.goto(app_page(servers) + "/form")
        frame = page.frame_locator("#app-iframe")
        frame.locator("body[data-path='/form']").wait_for(timeout=20000)
        app = page.frame(name="app-iframe")
        # the title bar and its button
        button = page.get_by_test_id("title-bar-action")
        button.wait_for()
        assert button.inner_text() == "Do it" and "ds-btn--primary" in button.get_attribute("class")
        button.click()
        frame.locator("#tb[data-clicked=yes]").wait_for(state="attached")
        # the nav menu: every item but the home one
        assert page.locator("#ds-app-nav a").all_inner_texts() == ["Form", "Second"]
        # shopify.saveBar.show / hide, its buttons in the admin's top bar
        bar = page.get_by_test_id("save-bar")
        assert not bar.is_visible()
        app.evaluate("() => { shopify.saveBar.show('bar'); }")
        bar.wait_for(state="visible")
        assert page.get_by_test_id("save-bar-save").inner_text() == "Save it"
        assert page.get_by_test_id("save-bar-discard").inner_text() == "Throw away"
        assert app.evaluate("document.getElementById('bar').showing") is True
        page.get_by_test_id("save-bar-save").click()
        frame.locator("body[data-saved=yes]").wait_for(state="attached")
        page.get_by_test_id("save-bar-discard").click()
        frame.locator("body[data-discarded=yes]").wait_for(state="attached")
        # leaveConfirmation: asks while the bar shows, resolves when the merchant leaves
        app.evaluate("() => { shopify.saveBar.leaveConfirmation().then(() => { document.getElementById('left').textContent = 'left'; }); }")
        page.get_by_test_id("leave-dialog").wait_for(state="visible")
        page.get_by_test_id("leave-confirm").click()
        frame.locator("#left", has_text="left").wait_for()
        assert not bar.is_visible()
        app.evaluate("() => { shopify.saveBar.hide('bar'); }")
        assert app.evaluate("shopify.saveBar.leaveConfirmation().then(() => 'at once')") == "at once"
        # a <form data-save-bar>: shown on an edit, Discard resets it
        frame.locator("#x").fill("typed")
        bar.wait_for(state="visible")
        page.get_by_test_id("save-bar-discard").click()
        bar.wait_for(state="hidden")
        assert frame.locator("#x").input_value() == ""
        # a nav menu item with unsaved edits: asks; Stay keeps the page, Leave opens the other one
        page.evaluate("window.__adminStayed = true")
        loads = len(servers["tiny"].config["launches"])
        app.evaluate("() => { shopify.saveBar.show('bar'); }")
        bar.wait_for(state="visible")
        page.locator("#ds-app-nav a", has_text="Second").click()
        page.get_by_test_id("leave-stay").click()
        assert frame.locator("body").get_attribute("data-path") == "/form"
        page.locator("#ds-app-nav a", has_text="Second").click()
        page.get_by_test_id("leave-confirm").click()
        frame.locator("body[data-path='/second']").wait_for(timeout=20000)
        launch = servers["tiny"].config["launches"][-1]
        assert len(servers["tiny"].config["launches"]) == loads + 1
        assert verify_query_hmac(launch) and launch["id_token"]  # a fresh launch, as Shopify opens it
        assert page.url.endswith(f"/apps/{API_KEY}/second")
        assert page.evaluate("window.__adminStayed") is True
        assert page.locator("#ds-app-nav a.active").inner_text() == "Second"
        # a link of the app's own origin navigates the same way
        page.locator("#ds-app-nav a", has_text="Form").click()
        frame.locator("body[data-path='/form']").wait_for(timeout=20000)
        frame.locator("#inlink").click()
        frame.locator("body[data-path='/second']").wait_for(timeout=20000)
        assert page.evaluate("window.__adminStayed") is True
    finally:
        page.close()
