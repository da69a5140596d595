"""Token keys end to end against devstore: rotate to a new key and drop the old one, the shop
keeps working; a token no key decrypts is repaired by reopening the app (token exchange)."""
import pytest
from cryptography.fernet import Fernet

from shopify_app import create_app
from shopify_app.crypto import token_decrypts
from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.connection import client_for
from shopify_app.sync.runner import run_flow

from ..conftest import base_env, reconfigure
from .test_install_lifecycle import find, managed_install, new_devstore_shop

pytestmark = pytest.mark.integration

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def use_keys(connected, keys):
    """The web process restarted with TOKEN_ENCRYPTION_KEY=keys."""
    reconfigure(connected.app, token_encryption_key=keys)


def rotate_with(database_url, keys) -> list[str]:
    """`flask --app wsgi tokens rotate` run with TOKEN_ENCRYPTION_KEY=keys."""
    app = create_app(base_env(DATABASE_URL=database_url, TOKEN_ENCRYPTION_KEY=keys))
    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def api_shop(connected, domain):
    token = connected.ds.session_token(domain)
    return connected.http.get(connected.url + "/api/shop", headers={"Authorization": f"Bearer {token}"})


def test_rotating_to_a_new_key_and_dropping_the_old_one_keeps_the_shop_working(connected_app, database_url):
    c = connected_app
    use_keys(c, KEY_A)
    domain = new_devstore_shop(c, installed=True)
    assert managed_install(c, domain).status_code == 200
    stored = find(c, domain)
    assert token_decrypts(stored.access_token_encrypted, KEY_A)
    tokens = sum(1 for t in (stored.access_token_encrypted, stored.refresh_token_encrypted) if t)

    use_keys(c, f"{KEY_B},{KEY_A}")
    assert rotate_with(database_url, f"{KEY_B},{KEY_A}")[-1] == f"rotated {tokens} tokens"

    use_keys(c, KEY_B)  # A dropped
    stored = find(c, domain)
    assert not token_decrypts(stored.access_token_encrypted, KEY_A)
    with c.app.app_context():
        shop = db.session.get(Shop, stored.id)
        assert client_for(shop).execute("shop_summary")["shop"]["name"] == c.ds.summary(domain)["name"]
    resp = api_shop(c, domain)
    assert resp.status_code == 200 and resp.json()["needs_reauth"] is False
    token_exchanges = len(c.ds.token_requests(domain))
    assert managed_install(c, domain).status_code == 200
    assert len(c.ds.token_requests(domain)) == token_exchanges  # no new token was needed


def test_a_token_no_key_decrypts_is_repaired_by_reopening_the_app(connected_app, database_url):
    c = connected_app
    use_keys(c, KEY_C)
    synced, reopened = new_devstore_shop(c, installed=True), new_devstore_shop(c, installed=True)
    assert managed_install(c, synced).status_code == 200
    assert managed_install(c, reopened).status_code == 200

    use_keys(c, KEY_B)  # C lost
    for domain in (synced, reopened):
        # The JSON API answers as for a shop without a usable token (no 500).
        resp = api_shop(c, domain)
        assert resp.status_code == 200 and resp.json()["needs_reauth"] is True

    # A sync run on such a shop fails truthfully and marks it, without crashing.
    with c.app.app_context():
        run = run_flow(find(c, synced).id, "locations", trigger="manual")
        assert run.status in ("failed", "skipped")
        assert "TOKEN_ENCRYPTION_KEY" in (run.error or "")
    assert find(c, synced).needs_reauth is True

    # Reopening the app (the embedded entry with a valid id_token) reconnects each by token exchange,
    # whether a run had marked it or not.
    for domain in (synced, reopened):
        exchanges = len(c.ds.token_requests(domain))
        page = managed_install(c, domain)
        assert page.status_code == 200 and 'data-testid="connection-summary"' in page.text
        assert len(c.ds.token_requests(domain)) == exchanges + 1
        stored = find(c, domain)
        assert stored.needs_reauth is False and token_decrypts(stored.access_token_encrypted, KEY_B)
        assert api_shop(c, domain).json()["needs_reauth"] is False
    lines = rotate_with(database_url, KEY_B)
    assert not any("re-authentication" in line for line in lines)  # nothing left undecryptable
