"""Signed Shopify queries: a repeated parameter is refused; `name[]` arrays verify as Shopify signs them."""
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import OAuthState
from shopify_app.shopify.hmac_checks import verify_query_hmac

from tests.conftest import API_SECRET, SHOP
from tests.conftest import signed


def shopify_signature(message: str) -> str:
    return hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_array_parameters_verify_as_shopify_signs_them():
    # Shopify signs ids[]=1&ids[]=2 as ids=["1", "2"] (a JSON list, a space after each comma).
    pairs = [("ids[]", "1"), ("ids[]", "2"), ("shop", SHOP), ("timestamp", "1700000000")]
    message = f'ids=["1", "2"]&shop={SHOP}&timestamp=1700000000'
    assert verify_query_hmac(pairs + [("hmac", shopify_signature(message))], API_SECRET)
    # Only the whole list in its order is signed.
    assert not verify_query_hmac(pairs[:1] + pairs[2:] + [("hmac", shopify_signature(message))], API_SECRET)
    reordered = [pairs[1], pairs[0], *pairs[2:]]
    assert not verify_query_hmac(reordered + [("hmac", shopify_signature(message))], API_SECRET)


def test_a_repeated_parameter_is_refused_even_when_the_first_values_are_signed():
    params = signed({"shop": SHOP, "timestamp": "1700000000"})
    pairs = list(params.items())
    assert verify_query_hmac(pairs, API_SECRET)
    assert not verify_query_hmac(pairs + [("shop", "other.myshopify.com")], API_SECRET)
    assert not verify_query_hmac(pairs + [("hmac", params["hmac"])], API_SECRET)


def entry_pairs(**extra) -> list:
    return list(signed({"shop": SHOP, "timestamp": str(int(time.time())), **extra}).items())


def test_the_install_entry_refuses_a_repeated_parameter(client):
    assert client.get("/?" + urlencode(entry_pairs())).status_code == 302
    repeated = entry_pairs() + [("shop", "other.myshopify.com")]
    assert client.get("/?" + urlencode(repeated)).status_code == 400


def test_the_install_entry_accepts_signed_array_parameters(client):
    now = str(int(time.time()))
    message = f'ids=["1", "2"]&shop={SHOP}&timestamp={now}'
    query = [("ids[]", "1"), ("ids[]", "2"), ("shop", SHOP), ("timestamp", now), ("hmac", shopify_signature(message))]
    assert client.get("/?" + urlencode(query)).status_code == 302


def test_the_oauth_callback_refuses_a_repeated_parameter_before_using_the_state(client):
    started = client.get("/?" + urlencode(entry_pairs()))
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    callback = list(signed({"code": "abc", "shop": SHOP, "state": state, "timestamp": str(int(time.time()))}).items())
    resp = client.get("/auth/callback?" + urlencode(callback + [("code", "attacker-code")]))
    assert resp.status_code == 400
    assert db.session.execute(select(OAuthState).where(OAuthState.nonce == state)).scalar_one_or_none() is not None
