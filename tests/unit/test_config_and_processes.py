"""Configuration from the environment, and the processes as a user starts them."""
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import requests

from shopify_app.config import ConfigError, load_settings

from tests.conftest import base_env, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("missing", ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"])
def test_a_missing_required_setting_is_named(missing):
    env = base_env()
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)


@pytest.mark.parametrize(
    "name,value",
    [
        ("SHOPIFY_APP_URL", "not a url"),
        ("TOKEN_ENCRYPTION_KEY", "too-short"),
        ("SHOPIFY_SHOP_ORIGIN", "https://shops.example.com"),
        ("SHOPIFY_API_VERSION", "latest"),
        ("DATABASE_URL", "mysql://x"),
        ("SHOPIFY_HTTP_TIMEOUT", "soon"),
        ("DOOR_POOL_SIZE", "0"),
        ("DOOR_POOL_SIZE", "many"),
        ("DOOR_POOL_SIZE", "5000"),
        ("DOOR_POOL_SIZE", "\u00b2"),  # a digit to isdigit(), not a number to int()
        ("SHOPIFY_API_VERSION", "\uff12\uff10\uff12\uff16-\uff11\uff10"),
    ],
)
def test_a_malformed_setting_is_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(base_env(**{name: value}))


def test_defaults():
    env = base_env()
    for name in ("SHOPIFY_SHOP_ORIGIN", "SCOPES", "SECRET_KEY", "TOKEN_ENCRYPTION_KEY"):
        env.pop(name)
    settings = load_settings(env)
    assert settings.shop_origin == "https://{shop}"
    # the Admin API version is written once, in shopify.app.toml
    toml = tomllib.loads((Path(__file__).resolve().parents[2] / "shopify.app.toml").read_text())
    assert settings.api_version == toml["webhooks"]["api_version"]
    assert "read_products" in settings.scopes  # from shopify.app.toml
    assert settings.app_bridge_url == "https://cdn.shopify.com/shopifycloud/app-bridge.js"
    assert settings.as_flask_config()["DOOR_POOL_SIZE"] == 16  # above the README's gunicorn --threads
    # Derived keys are stable, so every process agrees.
    assert load_settings(env).token_encryption_key == settings.token_encryption_key


def test_postgres_urls_use_psycopg3():
    assert load_settings(base_env(DATABASE_URL="postgres://u@h/db")).database_url == "postgresql+psycopg://u@h/db"


def process_env(database_url, **extra):
    return {**os.environ, **base_env(DATABASE_URL=database_url), **extra}


def flask(*args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_app_refuses_to_start_without_its_settings(tmp_path):
    env = {k: v for k, v in process_env(f"sqlite:///{tmp_path}/x.db").items() if k != "SHOPIFY_API_SECRET"}
    result = flask("routes", env=env)
    assert result.returncode != 0
    assert "SHOPIFY_API_SECRET" in result.stderr


def test_db_upgrade_then_apikey_create_prints_a_working_key_last(tmp_path, live_server_factory):
    url = f"sqlite:///{tmp_path}/fresh.db"
    env = process_env(url)
    upgrade = flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    created = flask("apikey", "create", "Main OMS", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("oms_") and " " not in key

    from shopify_app import create_app

    server = live_server_factory(create_app(base_env(DATABASE_URL=url)))
    ok = requests.get(f"{server.url}/oms/v1/openapi.json", timeout=10)
    assert ok.status_code == 200
    assert ok.json()["openapi"].startswith("3.")


@pytest.mark.parametrize("workers", ["1", "3"])
def test_gunicorn_serves_the_app_migrating_a_new_database_once(tmp_path, workers):
    url = f"sqlite:///{tmp_path}/g.db"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", workers],
        cwd=ROOT, env=process_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer")
        assert resp.json() == {"status": "ok"}
        assert requests.get(f"http://127.0.0.1:{port}/api/shop", timeout=5).status_code == 401  # tables exist
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_sync_layer_and_the_scheduler_load_without_the_web_layer():
    """The scheduler process (and a worker) knows its flows and webhook topics from
    sync/registry.py: nothing of web/ is imported to find them."""
    code = (
        "import sys\n"
        "import shopify_app.sync.registry, shopify_app.sync.scheduler, shopify_app.sync.webhooks.apply\n"
        "from shopify_app.sync.registry import FLOWS, TOPICS\n"
        "assert {'products', 'orders', 'inventory', 'fulfillments', 'locations'} <= set(FLOWS)\n"
        "assert 'orders/updated' in TOPICS and 'shop/redact' in TOPICS\n"
        "print(sorted(m for m in sys.modules if m.startswith('shopify_app.web')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("argv, serves", [
    (["flask", "--app", "wsgi", "scheduler", "--help"], False),
    (["flask", "--app", "wsgi", "worker", "--help"], False),
    (["celery", "-A", "wsgi:celery", "worker"], False),
    (["flask", "--app", "wsgi", "routes"], True),  # any other command, and gunicorn: the whole app
])
def test_the_clock_and_the_workers_build_their_app_without_the_web_layer(tmp_path, argv, serves):
    """The clock and a worker, started as documented, load wsgi's app (through Flask's own
    command line for `flask`): it has no blueprint and nothing of shopify_app.web is loaded."""
    load = "from flask.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n" if argv[0] == "flask" else ""
    code = (
        "import json, sys\n"
        f"sys.argv = {argv!r}\n"
        f"{load}"
        "import wsgi\n"
        "web = sorted(m for m in sys.modules if m.startswith('shopify_app.web'))\n"
        "print(json.dumps([sorted(wsgi.app.blueprints), web]))\n"
    )
    env = process_env(f"sqlite:///{tmp_path}/x.db", AUTO_MIGRATE="0")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    blueprints, web_modules = json.loads(out.stdout.strip().splitlines()[-1])
    if serves:
        assert "pages_api" in blueprints and "shopify_app.web.pages_api" in web_modules
    else:
        assert blueprints == [] and web_modules == []
