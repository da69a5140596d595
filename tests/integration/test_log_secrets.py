"""No secret in any log: a real install against devstore through gunicorn started as the README
and dev.sh start it (access log on stdout), then every line it and the app wrote is scanned."""
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ..conftest import base_env, free_port
from .test_install_lifecycle import new_devstore_shop, signed_entry

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


@pytest.fixture
def gunicorn_app(devstore, tmp_path):
    ds = devstore
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/logs.db", SHOPIFY_API_KEY=ds.api_key, SHOPIFY_API_SECRET=ds.api_secret,
        SHOPIFY_APP_URL=url, SHOPIFY_SHOP_ORIGIN=ds.shop_origin, SCOPES="",
        APP_BRIDGE_URL=f"{ds.url}/cdn/shopifycloud/app-bridge.js")}
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        # As scripts/dev.sh runs it (and the README: gunicorn wsgi:app ...), from the project root.
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        try:
            deadline = time.time() + 60
            while True:
                try:
                    requests.get(f"{url}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    if time.time() > deadline:
                        pytest.fail("gunicorn did not answer:\n" + err.read_text())
                    time.sleep(0.2)
            ds.client.set_config(app_url=url)

            def stop_and_read_logs() -> str:
                proc.terminate()  # gunicorn's stdout is a file here: flushed as it stops
                proc.wait(15)
                return out.read_text() + err.read_text()

            yield url, ds, stop_and_read_logs
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(15)


def test_no_token_code_hmac_or_state_reaches_any_log_after_a_real_install(gunicorn_app):
    url, ds, logs = gunicorn_app

    class C:  # what new_devstore_shop and signed_entry need of a connected app
        devstore = ds

    C.ds = ds.client
    http = requests.Session()
    secrets: set[str] = set()

    # The authorization-code install, as Shopify runs it.
    domain = new_devstore_shop(C)
    entry = signed_entry(C, domain)
    secrets.add(entry["hmac"])
    authorize = http.get(url + "/", params=entry, allow_redirects=False).headers["Location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    secrets.add(form["state"])
    approved = http.post(f"{ds.url}/{domain}/admin/oauth/authorize", data={**form, "decision": "install"},
                         allow_redirects=False)
    callback = approved.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    secrets.update({query["code"], query["hmac"], query["state"]})
    assert http.get(callback, allow_redirects=False).status_code == 302

    # Opening it embedded (id_token in the query), a JSON call, and an asset the page loads,
    # whose Referer is the page's URL with its id_token.
    id_token = ds.client.session_token(domain)
    opened = signed_entry(C, domain, embedded="1", host="aG9zdA", id_token=id_token)
    secrets.update({id_token, opened["hmac"]})
    page = http.get(url + "/", params=opened, allow_redirects=False)
    assert page.status_code == 200
    api_token = ds.client.session_token(domain)
    secrets.add(api_token)
    assert http.get(url + "/api/shop", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    http.get(url + "/static/ui.js", headers={"Referer": page.url})
    # A refused one too: the error paths log as well.
    assert http.get(url + "/", params={**opened, "hmac": "0" * 64}).status_code == 400

    tokens = ds.client.tokens(domain)
    secrets.update(t["token"] for t in tokens["access_tokens"] + tokens["refresh_tokens"] if t.get("token"))
    assert tokens["access_tokens"], "the install issued no token"

    text = logs()
    assert "GET /auth/callback?" in text and "/static/ui.js" in text, text  # the access log is there
    assert "id_token=[redacted]" in text and "code=[redacted]" in text
    leaked = sorted(s for s in secrets if s and s in text)
    assert not leaked, f"{len(leaked)} secret(s) in the logs, e.g. {leaked[0][:12]}...:\n{text[-3000:]}"
