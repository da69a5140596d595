"""The OAuth state is bound to the browser that started the sign-in (a signed, HttpOnly,
SameSite=Lax cookie, as Shopify's libraries set it), `/auth` is throttled per address, and
expired states are purged."""
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import OAuthState, Shop
from shopify_app.web.oauth import STATE_COOKIE

from tests.conftest import SHOP, reconfigure, signed


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
