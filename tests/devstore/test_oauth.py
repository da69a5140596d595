"""OAuth: authorization code (HMAC checked independently), token exchange, refresh rotation."""
from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests

from devstore.testing import DEFAULT_API_SECRET
from tests.conftest import independent_query_hmac

pytestmark = pytest.mark.integration

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
APP = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def ds(devstore_factory):
    return devstore_factory(app_url=APP, products=3, orders=3)


@pytest.fixture
def shop(ds):
    name = f"oauth-{uuid.uuid4().hex[:8]}.myshopify.com"
    ds.client.create_shop(name, products=3, orders=3)
    return name


def _token_url(ds, shop):
    return f"{ds.base_url}/{shop}/admin/oauth/access_token"


def _authorize(ds, shop, scope="read_products,write_inventory", redirect=f"{APP}/auth/callback", state="nonce-1"):
    params = {"client_id": ds.api_key, "scope": scope, "redirect_uri": redirect, "state": state}
    page = requests.get(f"{ds.base_url}/{shop}/admin/oauth/authorize", params=params)
    assert page.status_code == 200
    for s in scope.split(","):
        assert s in page.text
    r = requests.post(f"{ds.base_url}/{shop}/admin/oauth/authorize", data=params, allow_redirects=False)
    assert r.status_code == 302
    return r.headers["Location"]


def test_authorization_code_flow(ds, shop):
    loc = _authorize(ds, shop)
    parts = urlsplit(loc)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{APP}/auth/callback"
    q = dict(parse_qsl(parts.query))
    assert set(q) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert q["shop"] == shop and q["state"] == "nonce-1"
    assert abs(int(q["timestamp"]) - time.time()) < 30
    assert base64.b64decode(q["host"]).decode() == f"127.0.0.1:{ds.port}/{shop}/admin"
    assert independent_query_hmac(q, DEFAULT_API_SECRET) == q["hmac"]

    r = requests.post(_token_url(ds, shop), data={"client_id": ds.api_key, "client_secret": DEFAULT_API_SECRET,
                                                  "code": q["code"]})
    assert r.status_code == 200
    assert r.json().keys() == {"access_token", "scope"}
    assert r.json()["scope"] == "read_products,write_inventory"
    token = r.json()["access_token"]
    j = ds.client.graphql(shop, "{ shop { myshopifyDomain } }", token=token)
    assert j["data"]["shop"]["myshopifyDomain"] == shop
    # the code is single use
    r = requests.post(_token_url(ds, shop), json={"client_id": ds.api_key, "client_secret": DEFAULT_API_SECRET,
                                                  "code": q["code"]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_authorize_refuses_unknown_client_and_undeclared_redirect(ds, shop):
    base = f"{ds.base_url}/{shop}/admin/oauth/authorize"
    r = requests.get(base, params={"client_id": ds.api_key, "scope": "read_products",
                                   "redirect_uri": "https://evil.example.com/auth/callback", "state": "s"},
                     allow_redirects=False)
    assert r.status_code == 400 and "redirect_uri" in r.text and "Location" not in r.headers
    r = requests.get(base, params={"client_id": ds.api_key, "scope": "read_products",
                                   "redirect_uri": f"{APP}/not/declared", "state": "s"}, allow_redirects=False)
    assert r.status_code == 400
    r = requests.get(base, params={"client_id": "someone-else", "scope": "read_products",
                                   "redirect_uri": f"{APP}/auth/callback", "state": "s"}, allow_redirects=False)
    assert r.status_code == 400


def test_wrong_secret_is_invalid_client(ds, shop):
    q = dict(parse_qsl(urlsplit(_authorize(ds, shop)).query))
    r = requests.post(_token_url(ds, shop), data={"client_id": ds.api_key, "client_secret": "wrong",
                                                  "code": q["code"]})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def _exchange(ds, shop, subject, expiring=True):
    return requests.post(_token_url(ds, shop), data={
        "client_id": ds.api_key, "client_secret": DEFAULT_API_SECRET, "grant_type": TOKEN_EXCHANGE,
        "subject_token": subject, "subject_token_type": ID_TOKEN, "requested_token_type": OFFLINE,
        "expiring": "1" if expiring else "0"})


def _refresh(ds, shop, refresh_token):
    return requests.post(_token_url(ds, shop), data={
        "client_id": ds.api_key, "client_secret": DEFAULT_API_SECRET, "grant_type": "refresh_token",
        "refresh_token": refresh_token})


def test_token_exchange_and_refresh_rotation(ds, shop):
    ds.client.install(shop)
    st = ds.client.session_token(shop)
    claims = jwt.decode(st, DEFAULT_API_SECRET, algorithms=["HS256"], audience=ds.api_key)
    assert claims["dest"] == f"https://{shop}" and claims["iss"] == f"https://{shop}/admin"
    r = _exchange(ds, shop, st)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expires_in"] == 3600 and body["refresh_token_expires_in"] == 90 * 24 * 3600
    assert body["refresh_token"] and body["access_token"]
    a1, r1 = body["access_token"], body["refresh_token"]
    assert "data" in ds.client.graphql(shop, "{ shop { name } }", token=a1)

    # refresh: a new pair; the old access token is revoked (one live expiring token)
    b2 = _refresh(ds, shop, r1).json()
    a2, r2 = b2["access_token"], b2["refresh_token"]
    assert r2 != r1
    assert ds.client.graphql(shop, "{ shop { name } }", token=a1, raw=True).status_code == 401
    # the previous refresh token stays valid until the new access token is used
    b3 = _refresh(ds, shop, r1).json()
    a3, r3 = b3["access_token"], b3["refresh_token"]
    assert ds.client.graphql(shop, "{ shop { name } }", token=a2, raw=True).status_code == 401   # revoked by a3
    assert ds.client.graphql(shop, "{ shop { name } }", token=a3, raw=True).status_code == 200   # first use of a3
    r = _refresh(ds, shop, r1)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert _refresh(ds, shop, r2).status_code == 400       # superseded by r3
    assert _refresh(ds, shop, r3).status_code == 200
    reqs = ds.client.token_requests(shop, grant_type="refresh_token")
    assert [x["ok"] for x in reqs] == [True, True, False, False, True]


def test_bad_subject_tokens(ds, shop):
    ds.client.install(shop)
    good = jwt.decode(ds.client.session_token(shop), options={"verify_signature": False})
    cases = {
        "signature": jwt.encode(good, "another-secret-0123456789abcdef0123456789", algorithm="HS256"),
        "audience": jwt.encode({**good, "aud": "another-app"}, DEFAULT_API_SECRET, algorithm="HS256"),
        "expired": jwt.encode({**good, "exp": int(time.time()) - 30}, DEFAULT_API_SECRET, algorithm="HS256"),
        "other shop": jwt.encode({**good, "dest": "https://other.myshopify.com"}, DEFAULT_API_SECRET,
                                 algorithm="HS256"),
    }
    for name, tok in cases.items():
        r = _exchange(ds, shop, tok)
        assert r.status_code == 400, name
        assert r.json()["error"] == "invalid_subject_token", name
        assert r.json()["error_description"], name
    # nbf a few seconds in the future is within the 10 s leeway
    skewed = jwt.encode({**good, "nbf": int(time.time()) + 5, "iat": int(time.time()) + 5}, DEFAULT_API_SECRET,
                        algorithm="HS256")
    assert _exchange(ds, shop, skewed).status_code == 200


def test_token_lifetimes_and_expiry(ds, shop):
    ds.client.install(shop)
    ds.client.token_lifetimes(access=1, refresh=60)
    try:
        body = _exchange(ds, shop, ds.client.session_token(shop)).json()
        assert body["expires_in"] == 1 and body["refresh_token_expires_in"] == 60
        time.sleep(1.2)
        assert ds.client.graphql(shop, "{ shop { name } }", token=body["access_token"], raw=True).status_code == 401
        fresh = _refresh(ds, shop, body["refresh_token"]).json()
        assert ds.client.graphql(shop, "{ shop { name } }", token=fresh["access_token"], raw=True).status_code == 200
    finally:
        ds.client.token_lifetimes(access=3600, refresh=90 * 24 * 3600)


def test_uninstall_revokes_tokens(ds, shop):
    out = ds.client.install(shop, token=True)
    token = out["access_token"]
    assert ds.client.graphql(shop, "{ shop { name } }", token=token, raw=True).status_code == 200
    assert ds.client.uninstall(shop)["uninstalled"] is True
    assert ds.client.graphql(shop, "{ shop { name } }", token=token, raw=True).status_code == 401
    hooks = [d for d in ds.client.webhooks(shop) if d.get("topic") == "app/uninstalled"]
    assert hooks  # attempted (the app URL is unreachable in this test)


def test_migrating_a_non_expiring_token(ds, shop):
    old = ds.client.install(shop, token=True)["access_token"]
    data = {"client_id": ds.api_key, "client_secret": DEFAULT_API_SECRET, "grant_type": TOKEN_EXCHANGE,
            "subject_token": old, "subject_token_type": OFFLINE, "requested_token_type": OFFLINE, "expiring": "1"}
    first = requests.post(_token_url(ds, shop), json=data)
    assert first.status_code == 200 and first.json()["refresh_token"]
    assert ds.client.graphql(shop, "{ shop { name } }", token=old, raw=True).status_code == 401
    again = requests.post(_token_url(ds, shop), json=data)           # a lost answer can be recovered
    assert again.json()["access_token"] == first.json()["access_token"]
    assert _refresh(ds, shop, first.json()["refresh_token"]).status_code == 200
    late = requests.post(_token_url(ds, shop), json=data)            # not after the pair was refreshed
    assert late.status_code == 400 and late.json()["error"] == "invalid_subject_token"
