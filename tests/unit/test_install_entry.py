"""The install entry (application_url) and the OAuth callback: what is refused, and where it sends."""
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import OAuthState, Shop

from tests.conftest import API_KEY, SHOP, make_session_token, signed


def entry_params(**extra):
    return signed({"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA", "timestamp": str(int(time.time())), **extra})


def shop_count():
    return db.session.execute(select(func.count()).select_from(Shop)).scalar_one()


def test_without_a_shop_shows_the_landing_page(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert b"Install" in resp.data


def test_a_bad_shop_domain_is_refused(client):
    resp = client.get("/", query_string=entry_params(shop="evil.example.com"))
    assert resp.status_code == 400


def test_a_wrong_hmac_is_refused_and_creates_nothing(client):
    params = {**entry_params(), "hmac": "0" * 64}
    resp = client.get("/", query_string=params)
    assert resp.status_code == 400
    assert shop_count() == 0


def test_a_stale_timestamp_is_refused(client):
    params = signed({"shop": SHOP, "timestamp": str(int(time.time()) - 3600)})
    assert client.get("/", query_string=params).status_code == 400


def test_an_unsigned_request_with_a_shop_is_refused(client):
    assert client.get("/", query_string={"shop": SHOP}).status_code == 400


def test_a_new_shop_outside_admin_is_sent_to_authorize_with_a_state_nonce(client):
    resp = client.get("/", query_string=entry_params())
    assert resp.status_code == 302
    url = urlsplit(resp.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"https://{SHOP}/admin/oauth/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [API_KEY]
    assert query["redirect_uri"] == ["https://app.example.com/auth/callback"]
    assert "read_products" in query["scope"][0].split(",")
    state = query["state"][0]
    assert db.session.execute(select(OAuthState).where(OAuthState.nonce == state)).scalar_one().shop_domain == SHOP


def test_a_new_shop_inside_admin_without_id_token_leaves_the_iframe_for_authorize(client):
    resp = client.get("/", query_string=entry_params(embedded="1"))
    assert resp.status_code == 200
    # Through /auth at top level, where the state cookie can be set (not in the iframe).
    assert f'"target": "https://app.example.com/auth?shop={SHOP}"'.encode() in resp.data
    assert b"_top" in resp.data
    assert resp.headers["Content-Security-Policy"].split(" script-src")[0] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert "Set-Cookie" not in resp.headers
    top = client.get("/auth", query_string={"shop": SHOP})
    assert top.status_code == 302
    assert "/admin/oauth/authorize" in top.headers["Location"]


def test_an_installed_shop_inside_admin_without_id_token_gets_the_session_token_page(client, shop):
    resp = client.get("/", query_string=entry_params(embedded="1"))
    assert resp.status_code == 200
    assert b"bounce-config" in resp.data
    assert b"app-bridge.js" in resp.data


def test_an_installed_shop_with_id_token_renders_the_app(client, shop):
    params = entry_params(embedded="1", id_token=make_session_token(SHOP))
    resp = client.get("/", query_string=params)
    assert resp.status_code == 200
    assert b'data-testid="connection-summary"' in resp.data
    assert resp.headers["Content-Security-Policy"].split(" script-src")[0] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    head = resp.data.split(b"<head>")[1]
    assert head.lstrip().startswith(b'<meta name="shopify-api-key"')
    assert b"https://cdn.shopify.com/shopifycloud/app-bridge.js" in head.split(b"<meta charset")[0]


def test_an_expired_id_token_bounces_for_a_fresh_one(client, shop):
    now = int(time.time())
    stale = make_session_token(SHOP, exp=now - 120, nbf=now - 180, iat=now - 180)
    resp = client.get("/", query_string=entry_params(embedded="1", id_token=stale))
    assert resp.status_code == 200
    assert b"bounce-config" in resp.data


def test_an_id_token_for_another_shop_is_refused(client, shop):
    params = entry_params(embedded="1", id_token=make_session_token("other.myshopify.com"))
    assert client.get("/", query_string=params).status_code == 400


class TestCallback:
    def start(self, client) -> str:
        resp = client.get("/", query_string=entry_params())
        return parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]

    def callback(self, client, **params):
        base = {"code": "abc", "shop": SHOP, "timestamp": str(int(time.time()))}
        base.update(params)
        base = {k: v for k, v in base.items() if v is not None}
        return client.get("/auth/callback", query_string=signed(base))

    def test_missing_state_is_refused(self, client):
        self.start(client)
        assert self.callback(client, state=None).status_code == 400
        assert shop_count() == 0

    def test_wrong_state_is_refused(self, client):
        self.start(client)
        assert self.callback(client, state="not-ours").status_code == 400

    def test_state_issued_for_another_shop_is_refused(self, client):
        state = self.start(client)
        assert self.callback(client, state=state, shop="other.myshopify.com").status_code == 400

    def test_wrong_hmac_is_refused(self, client):
        state = self.start(client)
        params = signed({"code": "abc", "shop": SHOP, "state": state, "timestamp": str(int(time.time()))})
        params["hmac"] = "f" * 64
        assert client.get("/auth/callback", query_string=params).status_code == 400

    def test_stale_timestamp_is_refused(self, client):
        state = self.start(client)
        assert self.callback(client, state=state, timestamp=str(int(time.time()) - 7200)).status_code == 400

    def test_bad_shop_is_refused(self, client):
        state = self.start(client)
        assert self.callback(client, state=state, shop="x.example.com").status_code == 400

    def test_a_state_is_used_only_once(self, client, monkeypatch):
        state = self.start(client)
        calls = []
        from shopify_app.sync import oauth_install

        def refuse(*a, **k):
            calls.append(1)
            raise RuntimeError("no Shopify here")

        monkeypatch.setattr(oauth_install, "oauth_client", refuse)
        client.application.config["PROPAGATE_EXCEPTIONS"] = False
        self.callback(client, state=state)
        assert self.callback(client, state=state).status_code == 400
        assert len(calls) == 1
