"""The OAuth state is bound to the browser that started the sign-in (a signed, HttpOnly,
SameSite=Lax cookie, as Shopify's libraries set it), `/auth` is throttled per address, and
expired states are purged."""
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from shopify_app import ConfigError, create_app
from shopify_app.config import load_settings
from shopify_app.extensions import db
from shopify_app.models import OAuthState, Shop
from shopify_app.web.oauth import STATE_COOKIE

from tests.conftest import SHOP, base_env, reconfigure, signed


def start(client) -> str:
    resp = client.get("/auth", query_string={"shop": SHOP})
    assert resp.status_code == 302
    return parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]


def callback(client, state: str):
    params = signed({"code": "abc", "shop": SHOP, "state": state, "timestamp": str(int(time.time()))})
    return client.get("/auth/callback", query_string=params)


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def state_cookie(client):
    return client.get_cookie(STATE_COOKIE)


def test_the_redirect_to_shopify_sets_a_signed_httponly_lax_secure_state_cookie(client):
    resp = client.get("/auth", query_string={"shop": SHOP})
    state = parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith(STATE_COOKIE + "="))
    attributes = [a.strip().lower() for a in header.split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes and "secure" in attributes
    assert "path=/" in attributes and any(a.startswith("max-age=") for a in attributes)
    value = state_cookie(client).value
    assert value != state and value.count(".") == 2  # signed: payload.timestamp.signature


def test_the_state_cookie_is_not_secure_when_the_app_is_served_over_http(app, client):
    reconfigure(app, app_url="http://127.0.0.1:8000")
    resp = client.get("/auth", query_string={"shop": SHOP})
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith(STATE_COOKIE + "="))
    assert "secure" not in [a.strip().lower() for a in header.split(";")]


def test_a_callback_without_the_state_cookie_is_refused_and_installs_nothing(app, client):
    state = start(client)
    client.delete_cookie(STATE_COOKIE)
    resp = callback(client, state)
    assert resp.status_code == 400
    assert b"state cookie" in resp.data
    assert count(Shop) == 0
    # The state was not spent by the refused callback.
    assert db.session.execute(select(OAuthState).where(OAuthState.nonce == state)).scalar_one_or_none()


def test_a_callback_with_another_browsers_cookie_is_refused_and_installs_nothing(app):
    victim, attacker = app.test_client(), app.test_client()
    victim_state = start(victim)
    start(attacker)
    # The attacker's browser completes the victim's sign-in (or the other way round).
    assert callback(attacker, victim_state).status_code == 400
    assert count(Shop) == 0


def test_a_callback_with_a_tampered_state_cookie_is_refused_and_installs_nothing(app, client):
    state = start(client)
    signed_value = state_cookie(client).value
    payload, stamp, signature = signed_value.split(".")
    tampered = f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie(STATE_COOKIE, tampered)
    assert callback(client, state).status_code == 400
    # A cookie that says the state itself, unsigned, is no better.
    client.set_cookie(STATE_COOKIE, state)
    assert callback(client, state).status_code == 400
    assert count(Shop) == 0


def test_the_state_cookie_is_cleared_by_the_callback(client):
    state = start(client)
    resp = callback(client, "not-" + state)
    assert resp.status_code == 400
    assert state_cookie(client) is None


def test_auth_is_throttled_per_address(app):
    app.config["AUTH_START_RATE_LIMIT"] = "3 per minute"
    here, there = app.test_client(), app.test_client()
    for _ in range(3):
        assert here.get("/auth", query_string={"shop": SHOP}).status_code == 302
    refused = here.get("/auth", query_string={"shop": SHOP})
    assert refused.status_code == 429
    assert refused.headers.get("Retry-After")
    assert count(OAuthState) == 3  # a refused start stores nothing
    other = there.get("/auth", query_string={"shop": SHOP}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 302


def signed_entry(client, **environ):
    params = signed({"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA", "timestamp": str(int(time.time()))})
    return client.get("/", query_string=params, environ_base=environ)


def test_the_signed_entry_outside_admin_is_throttled_per_address(app, client):
    app.config["AUTH_START_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert urlsplit(signed_entry(client).headers["Location"]).path == "/admin/oauth/authorize"
    refused = signed_entry(client)
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    assert count(OAuthState) == 3  # a refused start stores nothing
    assert signed_entry(client, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_signed_entry_and_auth_share_one_count(app, client):
    app.config["AUTH_START_RATE_LIMIT"] = "3 per minute"
    assert start(client) and start(client)
    assert signed_entry(client).status_code == 302
    assert signed_entry(client).status_code == 429
    assert client.get("/auth", query_string={"shop": SHOP}).status_code == 429
    assert count(OAuthState) == 3


def test_an_installed_shops_entry_is_not_throttled_with_the_sign_in_starts(app, client, shop):
    app.config["AUTH_START_RATE_LIMIT"] = "1 per minute"
    start(client)
    assert client.get("/auth", query_string={"shop": SHOP}).status_code == 429
    for _ in range(3):  # it writes no state: it opens the app in Shopify admin
        resp = signed_entry(client)
        assert resp.status_code == 302 and "/oauth/" not in resp.headers["Location"]


LOAD_BALANCER = "10.0.0.1"  # every request's REMOTE_ADDR behind it


def starts_through_the_load_balancer(app_env, trusted_proxies: str, *forwarded_for: str) -> list[int]:
    """The answers to /auth for clients behind one load balancer, each X-Forwarded-For a request."""
    app = create_app({**app_env, "TRUSTED_PROXY_COUNT": trusted_proxies}, TESTING=True,
                     AUTH_START_RATE_LIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        return [client.get("/auth", query_string={"shop": SHOP}, headers={"X-Forwarded-For": value},
                           environ_base={"REMOTE_ADDR": LOAD_BALANCER}).status_code
                for value in forwarded_for]


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(app_env):
    one, two = "203.0.113.1", "203.0.113.2"
    assert starts_through_the_load_balancer(app_env, "1", one, one, one, two, two) == [302, 302, 429, 302, 302]
    # The proxy appends the address it saw: what a client writes before it is not trusted.
    assert starts_through_the_load_balancer(app_env, "1", one, one, f"{two}, {one}") == [302, 302, 429]


def test_without_trusted_proxies_the_forwarded_address_is_ignored(app_env):
    assert starts_through_the_load_balancer(app_env, "0", "203.0.113.1", "203.0.113.2", "203.0.113.3") == [
        302, 302, 429]


def test_trusted_proxy_count_is_a_small_whole_number_0_by_default():
    assert load_settings(base_env()).trusted_proxy_count == 0
    assert load_settings(base_env(TRUSTED_PROXY_COUNT="2")).as_flask_config()["TRUSTED_PROXY_COUNT"] == 2
    for wrong in ("yes", "-1", "100"):
        with pytest.raises(ConfigError, match="TRUSTED_PROXY_COUNT"):
            load_settings(base_env(TRUSTED_PROXY_COUNT=wrong))


def test_expired_states_are_purged_when_a_new_one_is_written(client):
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.add(OAuthState(nonce="old", shop_domain=SHOP, created_at=long_ago, expires_at=long_ago))
    db.session.commit()
    start(client)
    nonces = db.session.execute(select(OAuthState.nonce)).scalars().all()
    assert "old" not in nonces and len(nonces) == 1


def test_the_throttle_counts_where_ratelimit_storage_uri_says():
    from shopify_app.config import load_settings
    from tests.conftest import base_env

    assert load_settings(base_env()).as_flask_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    shared = load_settings(base_env(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379"))
    assert shared.as_flask_config()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"
