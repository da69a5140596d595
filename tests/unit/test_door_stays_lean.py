"""The webhook door does only what acknowledging needs: no cookie session is opened for
Shopify's deliveries or the OMS API (and none is ever set), the address throttle is not
consulted for deliveries, and a body is walked for its depth only when it could nest too
deep."""
from __future__ import annotations

import json

from flask import session

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.web import json_bodies
from shopify_app.web.oauth import is_webhook_delivery

from tests.unit.test_webhooks import deliver

PRODUCT = {"id": 1, "admin_graphql_api_id": "gid://shopify/Product/1", "title": "T", "variants": [],
           "updated_at": "2026-11-30T12:00:00Z"}


def test_deliveries_and_oms_calls_open_no_cookie_session(app, client, shop):
    seen = {}

    @app.after_request
    def note_session(response):
        seen[response.status_code] = session.__class__.__name__
        return response

    client.set_cookie("session", "not-even-signed")
    assert deliver(client, "products/update", PRODUCT).status_code == 200
    assert seen.pop(200) == "NullSession"
    _, secret = create_api_key("oms")
    db.session.commit()
    resp = client.get("/oms/v1/products", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    assert seen.pop(200) == "NullSession"
    # A browser's page keeps its session.
    client.get("/healthz")
    assert seen.popitem()[1] != "NullSession"


def test_the_throttle_is_not_consulted_for_deliveries(app):
    with app.test_request_context("/webhooks", method="POST"):
        assert is_webhook_delivery()
    with app.test_request_context("/auth", query_string={"shop": "x.myshopify.com"}):
        assert not is_webhook_delivery()


def test_depth_is_walked_only_when_the_text_could_nest_too_deep(monkeypatch):
    walked = []
    real = json_bodies.nesting_depth_exceeds
    monkeypatch.setattr(json_bodies, "nesting_depth_exceeds", lambda *a: walked.append(1) or real(*a))
    json_bodies.loads_bounded(json.dumps(PRODUCT))
    assert walked == []
    wide = json.dumps([[1]] * (json_bodies.MAX_JSON_DEPTH + 1))  # many brackets, shallow
    json_bodies.loads_bounded(wide)
    assert walked == [1]
    deep = "[" * (json_bodies.MAX_JSON_DEPTH + 1) + "]" * (json_bodies.MAX_JSON_DEPTH + 1)
    try:
        json_bodies.loads_bounded(deep)
    except json_bodies.JSONTooDeep:
        pass
    else:
        raise AssertionError("a body nested deeper than the limit was accepted")
