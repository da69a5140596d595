"""shopify.app.toml is a real Shopify CLI configuration, in step with the app's routes."""
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shopify_app.config import load_settings

from tests.conftest import ADMIN_SCHEMA, base_env

TOML = tomllib.loads((Path(__file__).resolve().parents[2] / "shopify.app.toml").read_text())
COMPLIANCE = {"customers/data_request", "customers/redact", "shop/redact"}


def route_methods(app, path):
    return {m for rule in app.url_map.iter_rules() if rule.rule == path for m in rule.methods}


def test_the_essentials_are_there():
    assert TOML["client_id"] and TOML["name"] and TOML["handle"]
    assert TOML["embedded"] is True
    # the one place the Admin API version is written: the schema of that version is at hand
    assert ADMIN_SCHEMA.name == f"admin-{TOML['webhooks']['api_version']}.graphql" and ADMIN_SCHEMA.exists()
    assert urlsplit(TOML["application_url"]).scheme == "https"


def test_application_url_is_the_install_entry(app):
    assert "GET" in route_methods(app, urlsplit(TOML["application_url"]).path or "/")


def test_redirect_urls_are_routes(app):
    for url in TOML["auth"]["redirect_urls"]:
        parts = urlsplit(url)
        assert parts.netloc == urlsplit(TOML["application_url"]).netloc
        assert "GET" in route_methods(app, parts.path)


def test_every_webhook_uri_is_a_post_route(app):
    for subscription in TOML["webhooks"]["subscriptions"]:
        assert "POST" in route_methods(app, subscription["uri"])


def test_the_compliance_topics_are_subscribed():
    subscribed = {t for s in TOML["webhooks"]["subscriptions"] for t in s.get("compliance_topics", [])}
    assert subscribed == COMPLIANCE


def test_every_subscribed_topic_has_a_handler(app):
    from shopify_app.sync.registry import TOPICS

    topics = {t for s in TOML["webhooks"]["subscriptions"] for t in s.get("topics", []) + s.get("compliance_topics", [])}
    missing = sorted(topics - set(TOPICS))
    assert missing == [], f"subscribed in shopify.app.toml but not handled: {missing}"


def test_the_default_scopes_are_the_tomls():
    env = base_env()
    env.pop("SCOPES")
    assert ",".join(load_settings(env).scopes) == TOML["access_scopes"]["scopes"]


def test_the_scopes_allow_read_write():
    from shopify_app.shopify.access import AccessLevel, max_level_for_scopes

    assert max_level_for_scopes(TOML["access_scopes"]["scopes"].split(",")) == AccessLevel.READ_WRITE


def test_every_topic_with_a_handler_is_subscribed():
    """The table of topics and the toml's subscriptions agree both ways: a handler nobody
    subscribed to would never be called."""
    from shopify_app.sync.registry import TOPICS

    topics = {t for s in TOML["webhooks"]["subscriptions"] for t in s.get("topics", []) + s.get("compliance_topics", [])}
    assert sorted(set(TOPICS) - topics) == []
