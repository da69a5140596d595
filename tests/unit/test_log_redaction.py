"""Secrets are redacted from every log line the app, werkzeug and gunicorn write."""
import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config

from shopify_app import create_app
from shopify_app.log_redaction import RedactingGunicornLogger, redact

from tests.conftest import base_env


@pytest.mark.parametrize("line,secrets", [
    ('"GET /?embedded=1&hmac=abc123&host=aG9&id_token=eyJ.x.y&shop=s.myshopify.com HTTP/1.1" 200',
     ["abc123", "eyJ.x.y"]),
    ('"GET /auth/callback?code=c0de&hmac=ff&shop=s.myshopify.com&state=n0nce&timestamp=1 HTTP/1.1" 302',
     ["c0de", "ff&", "n0nce"]),
    ("POST /x access_token=shpat_1&refresh_token=shprt_2&token=t0k", ["shpat_1", "shprt_2", "t0k"]),
    ('{"access_token": "shpat_9", "scope": "read_products"}', ["shpat_9"]),
    ("return_to=%2F%3Fshop%3Ds%26id_token%3DeyJ%252Bz%26host%3Dh", ["eyJ%252Bz"]),
    ("Authorization: Bearer oms_abcdef", ["oms_abcdef"]),
])
def test_redact_removes_every_secret_and_keeps_the_rest(line, secrets):
    out = redact(line)
    for secret in secrets:
        assert secret not in out
    assert "[redacted]" in out
    assert redact("shop=s.myshopify.com&postcode=123&timestamp=1") == "shop=s.myshopify.com&postcode=123&timestamp=1"
    assert redact('{"field": ["sku"], "code": "TAKEN"}') == '{"field": ["sku"], "code": "TAKEN"}'  # a user error


def test_the_apps_handlers_redact_werkzeug_and_app_records(database_url, live_server_factory):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        app = create_app(base_env(DATABASE_URL=database_url))  # installs the filter on the root's handlers
        server = live_server_factory(app)
        requests.get(f"{server.url}/healthz", params={"shop": "a.myshopify.com", "id_token": "eyJsecret.1.2"}, timeout=10)
        logging.getLogger("shopify_app.anything").warning("callback %s", "/auth/callback?code=c0de-secret&shop=a")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "GET /healthz?" in text  # werkzeug's request line went through this handler
    assert "eyJsecret" not in text and "c0de-secret" not in text
    assert text.count("[redacted]") >= 2


def test_gunicorn_access_log_atoms_are_redacted():
    logger = RedactingGunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/?id_token=eyJ.a.b&shop=s", "SERVER_PROTOCOL": "HTTP/1.1",
               "QUERY_STRING": "id_token=eyJ.a.b&shop=s", "PATH_INFO": "/",
               "HTTP_REFERER": "https://app/?hmac=f00&code=c0de"}
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(resp, req, environ, timedelta(seconds=0))
    joined = " ".join(str(v) for v in atoms.values())
    assert "eyJ.a.b" not in joined and "f00" not in joined and "c0de" not in joined
    assert atoms["r"] == "GET /?id_token=[redacted]&shop=s HTTP/1.1"
