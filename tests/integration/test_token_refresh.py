"""Expiring tokens: refreshed before expiry, single-flight across threads and processes."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from shopify_app import create_app
from shopify_app.crypto import decrypt_token
from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.sync.connection import NeedsReauthentication, access_token

from .conftest import base_env, create_shop
from .token_server import TokenServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def token_server():
    server = TokenServer(delay=0.5)
    yield server
    server.close()


def make_app(url, token_server):
    return create_app(base_env(DATABASE_URL=url, SHOPIFY_SHOP_ORIGIN=token_server.origin), TESTING=True)


@pytest.fixture
def refresh_app(database_url, token_server):
    app = make_app(database_url, token_server)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_fresh_token_is_used_without_refreshing(refresh_app, token_server):
    shop = create_shop(expires_in=3600)
    assert access_token(shop.id) == "shpat_test"
    assert token_server.refreshes == []


def test_a_token_about_to_expire_is_refreshed_and_the_rotated_pair_saved(refresh_app, token_server):
    shop = create_shop(expires_in=60)
    assert access_token(shop.id) == "shpat_new_1"
    assert token_server.refreshes[0]["grant_type"] == "refresh_token"
    assert token_server.refreshes[0]["refresh_token"] == "shprt_test"
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert decrypt_token(shop.access_token_encrypted) == "shpat_new_1"
    assert decrypt_token(shop.refresh_token_encrypted) == "shprt_new_1"
    assert "shpat_new_1" not in shop.access_token_encrypted  # encrypted at rest


def test_two_threads_refresh_once(refresh_app, token_server):
    shop_id = create_shop(expires_in=60).id
    results, errors = [], []

    def worker():
        with refresh_app.app_context():
            try:
                results.append(access_token(shop_id))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == ["shpat_new_1"] * 4
    assert len(token_server.refreshes) == 1


REFRESH_SCRIPT = """
import sys
from shopify_app import create_app
from shopify_app.sync.connection import access_token
app = create_app()
with app.app_context():
    print(access_token(int(sys.argv[1])))
"""


def run_refreshers(url, token_server, shop_id, n=2):
    env = {**os.environ, **base_env(DATABASE_URL=url, SHOPIFY_SHOP_ORIGIN=token_server.origin)}
    procs = [
        subprocess.Popen([sys.executable, "-c", REFRESH_SCRIPT, str(shop_id)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outputs]
    return [o[0].strip().splitlines()[-1] for o in outputs]


def test_two_processes_refresh_once_on_sqlite(refresh_app, token_server, database_url):
    shop_id = create_shop(expires_in=60).id
    assert run_refreshers(database_url, token_server, shop_id) == ["shpat_new_1", "shpat_new_1"]
    assert len(token_server.refreshes) == 1


@pytest.mark.postgres
def test_two_processes_refresh_once_on_postgresql(pg_database_url, token_server):
    from .conftest import truncate_all

    truncate_all(pg_database_url)
    app = make_app(pg_database_url, token_server)
    with app.app_context():
        shop_id = create_shop(expires_in=60).id
        db.engine.dispose()
    assert run_refreshers(pg_database_url, token_server, shop_id, n=3) == ["shpat_new_1"] * 3
    assert len(token_server.refreshes) == 1


def test_a_refused_refresh_marks_the_shop_as_needing_reauthentication(refresh_app, token_server, client, auth_headers):
    token_server.refuse = True
    shop = create_shop(expires_in=60)
    with pytest.raises(NeedsReauthentication):
        access_token(shop.id)
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.needs_reauth is True
    assert "refused" in shop.reauth_reason
    assert client.get("/api/shop", headers=auth_headers()).json["needs_reauth"] is True


def test_a_rejected_token_forces_a_refresh(refresh_app, token_server):
    shop = create_shop(expires_in=3600)
    assert access_token(shop.id, rejected="shpat_test") == "shpat_new_1"
