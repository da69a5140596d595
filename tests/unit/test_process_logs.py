"""gunicorn started as the README starts it, LOG_FORMAT=json: every line it and the app write
on standard error and the access log is one JSON object, with no secret in it."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import base_env, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_and_the_app_write_one_json_object_a_line(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           **base_env(DATABASE_URL=f"sqlite:///{tmp_path}/j.db", LOG_FORMAT="json")}
    env.pop("SECRET_KEY")  # a warning at start-up: in JSON too
    err = tmp_path / "stderr.log"
    with err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--access-logfile", "-"], cwd=ROOT, env=env, stdout=stderr, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 60
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", params={"id_token": "eyJ.s3cret.sig"}, timeout=5)
                    break
                except requests.RequestException:
                    assert time.time() < deadline, err.read_text()
                    time.sleep(0.2)
            webhook = requests.post(f"http://127.0.0.1:{port}/webhooks", data=b"{}", timeout=5, headers={
                "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "a.myshopify.com",
                "X-Shopify-Webhook-Id": "wh-json-1", "X-Shopify-Hmac-Sha256": "bm90IGl0"})
            assert webhook.status_code == 401
        finally:
            proc.terminate()
            proc.wait(20)
    text = err.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line parses
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access", "shopify_app.config"} <= loggers, loggers
    assert any("/healthz" in line["message"] and "[redacted]" in line["message"] for line in lines)
    assert "eyJ.s3cret.sig" not in text
