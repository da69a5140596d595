"""Sentry, when SENTRY_DSN is set: an error in a view reaches it (a local server recording
the envelopes stands in for sentry.io) with no token and no email address; with no DSN,
nothing is initialised and nothing sent."""
import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shopify_app.error_reporting import scrub

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "shpat_ffffeeee0000"
EMAIL = "jane.doe@example.com"

# A process of its own: Sentry's client is process-global.
APP_WITH_A_FAILING_VIEW = f"""
import sentry_sdk
from shopify_app import create_app
from tests.conftest import base_env
import os, sys
env = base_env(DATABASE_URL="sqlite:///" + sys.argv[1])
if len(sys.argv) > 2:
    env["SENTRY_DSN"] = sys.argv[2]
app = create_app(env)
def boom():
    customer = {{"email": "{EMAIL}"}}  # a local variable: never sent
    raise RuntimeError("refresh answered access_token={TOKEN} for " + customer["email"])
app.add_url_rule("/boom", "boom", boom)
print(app.test_client().get("/boom?id_token=eyJ.secret.sig&email={EMAIL}").status_code)
print("active" if sentry_sdk.get_client().is_active() else "inactive")
sentry_sdk.flush(timeout=10)
"""


@pytest.fixture
def sentry_server():
    envelopes: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            envelopes.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://publickey@127.0.0.1:{httpd.server_address[1]}/1", envelopes
    httpd.shutdown()
    httpd.server_close()


def run_app(tmp_path, *dsn):
    from tests.conftest import upgrade_database

    upgrade_database(f"sqlite:///{tmp_path}/s.db")
    out = subprocess.run([sys.executable, "-c", APP_WITH_A_FAILING_VIEW, f"{tmp_path}/s.db", *dsn], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def events(envelopes):
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2]):
            if json.loads(header).get("type") == "event":
                found.append(payload.decode())
    return found


def test_an_error_in_a_view_is_sent_without_token_or_email(tmp_path, sentry_server):
    dsn, envelopes = sentry_server
    assert run_app(tmp_path, dsn) == ["500", "active"]
    sent = events(envelopes)
    assert sent, envelopes
    text = "\n".join(sent)
    assert "RuntimeError" in text and "refresh answered" in text
    assert TOKEN not in text and EMAIL not in text and "eyJ.secret.sig" not in text
    assert "[redacted]" in text


def test_without_a_dsn_nothing_is_initialised_or_sent(tmp_path, sentry_server):
    _dsn, envelopes = sentry_server
    assert run_app(tmp_path) == ["500", "inactive"]
    assert envelopes == []


def test_scrub_reaches_every_string_of_an_event():
    event = {"message": f"token={TOKEN}", "extra": {"list": [f"mail {EMAIL}", 3]},
             "breadcrumbs": {"values": [{"message": f"Bearer {TOKEN}"}]}}
    text = json.dumps(scrub(event))
    assert TOKEN not in text and EMAIL not in text and '"list": ["mail [redacted]", 3]' in text
