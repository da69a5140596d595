"""`shopify app dev`: shopify.web.toml names the app's routes, and its dev command maps the
CLI's HOST/PORT (and keys) to the app's settings and serves the app there."""
import os
import shutil
import signal
import subprocess
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
WEB = tomllib.loads((ROOT / "shopify.web.toml").read_text())
APP = tomllib.loads((ROOT / "shopify.app.toml").read_text())
# What Shopify CLI 4 sets for the web process (besides PORT).
CLI_ENV = {
    "HOST": "https://fake-tunnel.trycloudflare.com",
    "SHOPIFY_API_KEY": "cli-api-key",
    "SHOPIFY_API_SECRET": "cli-api-secret",
    "SCOPES": "read_products,read_orders",
    "APP_ENV": "development",
    "NODE_ENV": "development",
}


def route_methods(app, path):
    return {m for rule in app.url_map.iter_rules() if rule.rule == path for m in rule.methods}


def dev_env(port: int, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPIFY_", "DATABASE_URL", "APP_BRIDGE"))}
    # A devstore setting left behind must not reach the app run against a real store.
    env.update(CLI_ENV, PORT=str(port), SHOPIFY_SHOP_ORIGIN="http://127.0.0.1:9292/{shop}",
               APP_BRIDGE_URL="http://127.0.0.1:9292/cdn/app-bridge.js",
               SHOPIFY_DEV_DATABASE_URL=f"sqlite:///{tmp_path}/dev.sqlite3", SKIP_SETUP="1",
               SECRET_KEY="s" * 32, TOKEN_ENCRYPTION_KEY="n0wu0D5x4W4mJ6rK6O0u2vXkR2H1bq9d1N1p6rj6b3E=", **extra)
    return env


def dev_command() -> list[str]:
    return WEB["commands"]["dev"].split(" ")  # the CLI splits it on spaces, run from this directory


def test_the_web_process_has_both_roles_and_a_dev_command():
    assert set(WEB["roles"]) == {"frontend", "backend"}
    program, script = dev_command()
    assert program == "bash" and (ROOT / script).is_file()


def test_webhooks_path_is_the_receivers_route_and_the_subscriptions_uri(app):
    assert "POST" in route_methods(app, WEB["webhooks_path"])
    assert {s["uri"] for s in APP["webhooks"]["subscriptions"]} == {WEB["webhooks_path"]}


def test_auth_callback_path_is_the_oauth_callback_and_the_redirect_path(app):
    assert "GET" in route_methods(app, WEB["auth_callback_path"])
    assert app.view_functions[next(r.endpoint for r in app.url_map.iter_rules()
                                   if r.rule == WEB["auth_callback_path"])].__name__ == "callback"
    assert [urlsplit(u).path for u in APP["auth"]["redirect_urls"]] == [WEB["auth_callback_path"]]


def test_the_app_toml_has_no_setting_cli_4_removes():
    assert "include_config_on_deploy" not in APP.get("build", {})


def test_the_dev_command_maps_the_clis_host_and_port_to_the_apps_settings(tmp_path):
    port = free_port()
    out = subprocess.run([*dev_command(), "--print-env"], cwd=ROOT, env=dev_env(port, tmp_path),
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    settings = dict(line.split("=", 1) for line in out.stdout.splitlines())
    assert settings["SHOPIFY_APP_URL"] == CLI_ENV["HOST"]
    assert settings["PORT"] == str(port)
    assert settings["SHOPIFY_API_KEY"] == "cli-api-key" and settings["SCOPES"] == CLI_ENV["SCOPES"]
    assert settings["SHOPIFY_SHOP_ORIGIN"] == "https://{shop}"  # the real Shopify, not devstore
    assert settings["SHOPIFY_API_SECRET"] == "[set]" and "cli-api-secret" not in out.stdout


def test_a_bare_host_name_becomes_an_https_url(tmp_path):
    env = dev_env(free_port(), tmp_path, HOST="bare.trycloudflare.com")
    out = subprocess.run([*dev_command(), "--print-env"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert "SHOPIFY_APP_URL=https://bare.trycloudflare.com\n" in out.stdout


def test_the_dev_command_without_the_clis_variables_says_what_is_missing(tmp_path):
    env = dev_env(free_port(), tmp_path)
    del env["HOST"]
    out = subprocess.run(dev_command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "HOST is not set" in out.stderr


def test_the_dev_command_migrates_and_serves_the_app_on_port(tmp_path):
    port = free_port()
    proc = subprocess.Popen(dev_command(), cwd=ROOT, env=dev_env(port, tmp_path), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 90
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
                assert time.time() < deadline, "the app did not answer on PORT"
                time.sleep(0.3)
        assert health.status_code == 200
        # The app believes it is served at HOST (https): HSTS on every answer.
        assert health.headers["Strict-Transport-Security"] == "max-age=31536000"
        # Migrated: the tables exist (an unauthenticated API call is a 401, not a 500).
        assert requests.get(f"http://127.0.0.1:{port}/api/shop", timeout=5).status_code == 401
        # The install entry redirects to the real Shopify origin of the shop.
        entry = requests.get(f"http://127.0.0.1:{port}/auth", params={"shop": "dev-store.myshopify.com"},
                             allow_redirects=False, timeout=5)
        location = entry.headers["Location"]
        assert location.startswith("https://dev-store.myshopify.com/admin/oauth/authorize")
        assert "client_id=cli-api-key" in location and "fake-tunnel.trycloudflare.com" in location
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


# Shopify CLI 4 (Node 22): `npm install node@22 @shopify/cli@4`, then
# SHOPIFY_CLI=path/to/node_modules/.bin/shopify (scripts/test.sh does both). The CLI runs
# with its own directory first on PATH: the `node` installed beside it is the one it needs.
SHOPIFY_CLI = os.environ.get("SHOPIFY_CLI") or shutil.which("shopify")


@pytest.mark.skipif(not SHOPIFY_CLI, reason="Shopify CLI is not installed (set SHOPIFY_CLI)")
def test_shopify_cli_accepts_both_toml_files():
    out = subprocess.run([SHOPIFY_CLI, "app", "build", "--path", str(ROOT), "--skip-dependencies-installation"],
                         cwd=ROOT, env={**os.environ, "SHOPIFY_CLI_NO_ANALYTICS": "1",
                                        "PATH": f"{Path(SHOPIFY_CLI).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
                         stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "built" in out.stdout + out.stderr, out.stdout + out.stderr
