"""Expiring tokens against devstore: refreshed before expiry, single-flight across threads and
processes, the rotated pair saved; a refused refresh marks the shop for re-authentication."""
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from shopify_app import create_app
from shopify_app.crypto import decrypt_token
from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.connection import NeedsReauthentication, access_token

from tests.conftest import base_env, create_shop, in_app_context, truncate_all

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shopify(devstore):
    """devstore, with its token endpoint slowed down so that refreshers overlap."""
    ds = devstore
    ds.client.faults(latency_ms=400, paths=r"/admin/oauth/access_token$")
    yield ds
    ds.client.clear_faults()


def devstore_env(ds, url) -> dict:
    return base_env(DATABASE_URL=url, SHOPIFY_SHOP_ORIGIN=ds.shop_origin,
                    SHOPIFY_API_KEY=ds.api_key, SHOPIFY_API_SECRET=ds.api_secret)


@pytest.fixture
def refresh_app(shopify, database_url):
    yield from in_app_context(create_app(devstore_env(shopify, database_url), TESTING=True))


def installed_shop(ds, expires_in=60):
    """A devstore shop with an expiring token pair, stored as the app stores it, due for refresh."""
    domain = f"tok-{uuid.uuid4().hex[:8]}.myshopify.com"
    ds.client.create_shop(domain, products=1, orders=0)
    ds.client.install(domain)
    pair = ds.client.new_token(domain, expiring=True)
    shop = create_shop(domain, token=pair["access_token"], refresh_token=pair["refresh_token"], expires_in=expires_in)
    return shop, pair


def refreshes(ds, domain) -> list:
    return ds.client.token_requests(domain, grant_type="refresh_token")


def test_a_fresh_token_is_used_without_refreshing(refresh_app, shopify):
    shop, pair = installed_shop(shopify, expires_in=3600)
    assert access_token(shop.id) == pair["access_token"]
    assert refreshes(shopify, shop.domain) == []


def test_a_token_about_to_expire_is_refreshed_and_the_rotated_pair_saved(refresh_app, shopify):
    shop, pair = installed_shop(shopify)
    new = access_token(shop.id)
    assert new != pair["access_token"]
    assert len(refreshes(shopify, shop.domain)) == 1
    db.session.expire_all()
    stored = db.session.get(Shop, shop.id)
    assert decrypt_token(stored.access_token_encrypted) == new
    assert decrypt_token(stored.refresh_token_encrypted) not in (None, pair["refresh_token"])  # rotated
    assert new not in stored.access_token_encrypted  # encrypted at rest
    assert shopify.client.graphql(shop.domain, "{ shop { name } }", token=new)["data"]["shop"]["name"]


def test_two_threads_refresh_once(refresh_app, shopify):
    shop, _ = installed_shop(shopify)
    results, errors = [], []

    def worker():
        with refresh_app.app_context():
            try:
                results.append(access_token(shop.id))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert len(refreshes(shopify, shop.domain)) == 1


REFRESH_SCRIPT = """
import sys
from shopify_app import create_app
from shopify_app.sync.connection import access_token
app = create_app()
with app.app_context():
    print(access_token(int(sys.argv[1])))
"""


def run_refreshers(env_values, shop_id, n):
    env = {**os.environ, **env_values}
    procs = [
        subprocess.Popen([sys.executable, "-c", REFRESH_SCRIPT, str(shop_id)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    outputs = [p.communicate(timeout=90) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outputs]
    return [o[0].strip().splitlines()[-1] for o in outputs]


def test_two_processes_refresh_once_on_sqlite(refresh_app, shopify, database_url):
    shop, _ = installed_shop(shopify)
    tokens = run_refreshers(devstore_env(shopify, database_url), shop.id, 2)
    assert len(set(tokens)) == 1
    assert len(refreshes(shopify, shop.domain)) == 1


@pytest.mark.postgres
def test_three_processes_refresh_once_on_postgresql(pg_database_url, shopify):
    truncate_all(pg_database_url)
    app = create_app(devstore_env(shopify, pg_database_url), TESTING=True)
    with app.app_context():
        shop, _ = installed_shop(shopify)
        shop_id, domain = shop.id, shop.domain
        db.engine.dispose()
    tokens = run_refreshers(devstore_env(shopify, pg_database_url), shop_id, 3)
    assert len(set(tokens)) == 1
    assert len(refreshes(shopify, domain)) == 1


def test_a_refused_refresh_marks_the_shop_as_needing_reauthentication(refresh_app, shopify, auth_headers):
    shop, pair = installed_shop(shopify)
    shopify.client.expire_token(shop.domain, pair["refresh_token"])
    with pytest.raises(NeedsReauthentication):
        access_token(shop.id)
    db.session.expire_all()
    stored = db.session.get(Shop, shop.id)
    assert stored.needs_reauth is True
    assert "refused" in stored.reauth_reason
    headers = auth_headers(shop.domain, aud=shopify.api_key, secret=shopify.api_secret)
    assert refresh_app.test_client().get("/api/shop", headers=headers).json["needs_reauth"] is True


def test_a_rejected_token_forces_a_refresh(refresh_app, shopify):
    shop, pair = installed_shop(shopify, expires_in=3600)
    assert access_token(shop.id, rejected=pair["access_token"]) != pair["access_token"]
    assert len(refreshes(shopify, shop.domain)) == 1
