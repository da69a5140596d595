"""Blueprints: one per surface."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import api, embedded, errors, oauth, webhooks

    errors.register(app)
    app.register_blueprint(embedded.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
