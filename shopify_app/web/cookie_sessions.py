"""Flask's cookie session, opened only where a browser keeps one.

Shopify's deliveries and the OMS API authenticate every request (a signature, an API key)
and never read or write the session; opening it (parsing cookies, building the signer)
cost the webhook door a twelfth of its time. Those paths get Flask's null session: read
as empty, never saved.
"""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

# Paths of the surfaces that are not a browser's (web/webhooks.py, web/oms/).
SESSIONLESS_PATHS = ("/webhooks",)
SESSIONLESS_PREFIXES = ("/oms/",)


class BrowserOnlySessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request):
        if request.path in SESSIONLESS_PATHS or request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


def register(app: Flask) -> None:
    app.session_interface = BrowserOnlySessions()
