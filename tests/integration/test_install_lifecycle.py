"""Install through both of Shopify's paths, use, uninstall and reinstall: real HTTP to devstore."""
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from shopify_app.crypto import decrypt_token
from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.connection import access_token

from tests.conftest import independent_query_hmac
from tests.integration.conftest import signed_delivery


def new_devstore_shop(connected, installed=False, **kwargs) -> str:
    domain = f"it-{uuid.uuid4().hex[:8]}.myshopify.com"
    connected.ds.create_shop(domain, products=5, orders=3, **kwargs)
    if installed:
        connected.ds.install(domain)
    return domain


def signed_entry(connected, shop, **extra) -> dict:
    params = {"shop": shop, "timestamp": str(int(time.time())), **extra}
    params["hmac"] = independent_query_hmac(params, connected.devstore.api_secret)
    return params


def find(connected, domain) -> Shop | None:
    with connected.app.app_context():
        shop = db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one_or_none()
        if shop is not None:
            db.session.expunge(shop)
        return shop


def managed_install(connected, domain):
    """What Shopify admin does when the merchant opens an installed app: the iframe URL with id_token."""
    id_token = connected.ds.session_token(domain)
    params = signed_entry(connected, domain, embedded="1", host="aG9zdA", id_token=id_token)
    return connected.http.get(connected.url + "/", params=params, allow_redirects=False)


def test_authorization_code_install(connected_app):
    c = connected_app
    domain = new_devstore_shop(c)
    resp = c.http.get(c.url + "/", params=signed_entry(c, domain), allow_redirects=False)
    assert resp.status_code == 302
    authorize = resp.headers["Location"]
    assert authorize.startswith(f"{c.devstore.url}/{domain}/admin/oauth/authorize?")

    consent = c.http.get(authorize)
    assert consent.status_code == 200 and "read_products" in consent.text
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    approved = c.http.post(f"{c.devstore.url}/{domain}/admin/oauth/authorize",
                           data={**form, "decision": "install"}, allow_redirects=False)
    callback = approved.headers["Location"]
    assert callback.startswith(c.url + "/auth/callback?")

    landed = c.http.get(callback, allow_redirects=False)
    assert landed.status_code == 302
    assert landed.headers["Location"] == f"{c.devstore.url}/{domain}/admin/apps/{c.devstore.api_key}"

    shop = find(c, domain)
    assert shop.status == "active" and shop.access_level == "read_write"
    assert shop.name and shop.currency and shop.timezone  # the summary, fetched with GraphQL
    assert shop.access_token_expires_at is not None and shop.refresh_token_encrypted
    grants = [r.get("grant_type") for r in c.ds.token_requests(domain)]
    assert "authorization_code" in grants

    # The code is single use: replaying the callback is refused.
    assert c.http.get(callback, allow_redirects=False).status_code == 400


def test_managed_install_then_use_uninstall_and_reinstall(connected_app):
    c = connected_app
    domain = new_devstore_shop(c, installed=True)

    page = managed_install(c, domain)
    assert page.status_code == 200
    assert 'data-testid="connection-summary"' in page.text
    assert page.headers["Content-Security-Policy"].split(" script-src")[0] == (
        f"frame-ancestors https://{domain} https://admin.shopify.com http://127.0.0.1:{c.devstore.port};")
    shop = find(c, domain)
    assert shop.status == "active" and shop.access_level == "read_write"
    first_id = shop.id
    assert any("token-exchange" in (r.get("grant_type") or "") for r in c.ds.token_requests(domain))

    # A session-token call, as the embedded UI makes it.
    token = c.ds.session_token(domain)
    api = c.http.get(c.url + "/api/shop", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.json()["shop"] == domain and api.json()["name"] == c.ds.summary(domain)["name"]

    # An access change.
    token = c.ds.session_token(domain)
    changed = c.http.patch(c.url + "/api/shop", json={"access": "read"}, headers={"Authorization": f"Bearer {token}"})
    assert changed.status_code == 200 and changed.json()["access"] == "read"

    # Uninstall in Shopify: the app/uninstalled webhook arrives, signed, and is applied.
    c.ds.uninstall(domain)
    shop = c.wait_for(lambda: (s := find(c, domain)) and s.status == "uninstalled" and s)
    assert shop.access_token_encrypted is None and shop.refresh_token_encrypted is None
    assert shop.access_level == "none"
    token = c.ds.session_token(domain)
    assert c.http.get(c.url + "/api/shop", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    # Reinstall brings the same record back to life.
    c.ds.install(domain)
    assert managed_install(c, domain).status_code == 200
    shop = find(c, domain)
    assert shop.id == first_id
    assert shop.status == "active" and shop.access_level == "read_write" and shop.uninstalled_at is None


def test_access_above_the_granted_scopes_is_refused(connected_app):
    c = connected_app
    domain = new_devstore_shop(c)
    c.ds.install(domain, scopes=["read_products", "read_orders"])
    assert managed_install(c, domain).status_code == 200
    assert find(c, domain).access_level == "read"
    token = c.ds.session_token(domain)
    resp = c.http.patch(c.url + "/api/shop", json={"access": "read_write"}, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422
    assert find(c, domain).access_level == "read"


def test_expiring_tokens_are_refreshed_and_rotate(connected_app):
    c = connected_app
    domain = new_devstore_shop(c, installed=True)
    assert managed_install(c, domain).status_code == 200
    shop = find(c, domain)
    old = decrypt_token_in(c, shop.access_token_encrypted)
    with c.app.app_context():
        # Make the stored token due for refresh, as if 56 minutes had passed.
        db.session.get(Shop, shop.id).access_token_expires_at = shop.access_token_expires_at.replace(
            year=2000)
        db.session.commit()
        new = access_token(shop.id)
    assert new != old
    assert any(r.get("grant_type") == "refresh_token" for r in c.ds.token_requests(domain))
    # The new token works against Shopify.
    assert c.ds.graphql(domain, "{ shop { name } }", token=new)["data"]["shop"]["name"]


def decrypt_token_in(connected, ciphertext):
    with connected.app.app_context():
        return decrypt_token(ciphertext)


def test_a_replayed_app_uninstalled_keeps_an_installed_shop_and_the_real_one_applies(connected_app):
    c = connected_app
    domain = new_devstore_shop(c, installed=True)
    assert managed_install(c, domain).status_code == 200
    forged = signed_delivery(c, "app/uninstalled", domain, {"id": 1, "myshopify_domain": domain})
    assert forged.status_code == 200
    shop = find(c, domain)
    assert shop.status == "active" and shop.access_token_encrypted is not None
    forged = signed_delivery(c, "shop/redact", domain, {"shop_id": 1, "shop_domain": domain})
    assert forged.status_code == 200 and find(c, domain) is not None

    c.ds.uninstall(domain)  # Shopify revokes the tokens, then sends app/uninstalled
    c.wait_for(lambda: find(c, domain).status == "uninstalled")
    assert find(c, domain).access_token_encrypted is None
def test_a_token_exchange_shopify_cannot_answer_shows_a_page_to_retry_and_installs_nothing(connected_app):
    c = connected_app
    domain = new_devstore_shop(c, installed=True)
    c.ds.faults(error_rate=1.0, error_status=503, paths="/oauth/access_token")
    try:
        page = managed_install(c, domain)
    finally:
        c.ds.clear_faults()
    assert page.status_code == 502
    assert "Reload the page to try again" in page.text
    assert find(c, domain) is None

    page = managed_install(c, domain)  # Shopify answers again: the same entry installs
    assert page.status_code == 200 and find(c, domain).status == "active"


def test_a_callback_in_another_browser_or_with_a_tampered_state_cookie_installs_nothing(connected_app):
    c = connected_app
    domain = new_devstore_shop(c)
    started = c.http.get(c.url + "/", params=signed_entry(c, domain), allow_redirects=False)
    authorize = started.headers["Location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    approved = c.http.post(f"{c.devstore.url}/{domain}/admin/oauth/authorize",
                           data={**form, "decision": "install"}, allow_redirects=False)
    callback = approved.headers["Location"]

    with requests.Session() as elsewhere:  # another browser: no state cookie
        assert elsewhere.get(callback, allow_redirects=False).status_code == 400
        # This browser's cookie, its signature altered.
        value = c.http.cookies.get("shopify_app_state")
        elsewhere.cookies.set("shopify_app_state", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
        assert elsewhere.get(callback, allow_redirects=False).status_code == 400
    assert find(c, domain) is None
    assert "authorization_code" not in [r.get("grant_type") for r in c.ds.token_requests(domain)]

    # The browser that started it completes it.
    assert c.http.get(callback, allow_redirects=False).status_code == 302
    assert find(c, domain).status == "active"
