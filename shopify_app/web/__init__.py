"""Blueprints: one per surface."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import api, body_limits, csp, embedded, errors, oauth, oms, webhooks
    from ..sync.webhooks import load_flow_handlers

    load_flow_handlers()
    oms.register_resources()

    errors.register(app)
    csp.register(app)  # after errors: its after_request runs first
    body_limits.register(app)
    app.register_blueprint(embedded.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(oms.bp)

    from . import mappings_api, sync_api

    app.register_blueprint(sync_api.bp)
    app.register_blueprint(mappings_api.bp)

    from . import locations_api

    app.register_blueprint(locations_api.bp)
