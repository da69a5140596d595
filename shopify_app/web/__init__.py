"""Blueprints: one per surface."""
from flask import Flask

from . import api, body_limits, console, cookie_sessions, csp, embedded, errors, locations_api, mappings_api, oauth, oms, pages_api
from . import observability, sync_api, webhooks


def register_blueprints(app: Flask) -> None:
    errors.register(app)
    csp.register(app)  # after errors: its after_request runs first
    body_limits.register(app)
    cookie_sessions.register(app)
    app.register_blueprint(embedded.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(oms.blueprint())
    app.register_blueprint(sync_api.bp)
    app.register_blueprint(mappings_api.bp)
    app.register_blueprint(locations_api.bp)
    observability.register(app)  # log context, metrics, health
    app.register_blueprint(console.blueprint())
    app.register_blueprint(pages_api.bp)
