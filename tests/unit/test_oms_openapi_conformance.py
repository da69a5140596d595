"""Schemathesis against GET /oms/v1/openapi.json: every operation, with schema-valid and
schema-invalid requests, every check on (no 5xx; documented status codes, content types
and headers; answers conforming to their schemas; invalid data refused, valid data
accepted; 405 with Allow; no answer without the API key). A bounded number of examples
per operation, so that it runs in well under a minute."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import load_all_checks
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test

from shopify_app.api_keys import create_api_key
from shopify_app.extensions import db
from shopify_app.models import Location
from shopify_app.sync.locations.mapping import create_facility
from shopify_app.web.oms.listing import encode_cursor

from tests.conftest import create_shop

EXAMPLES = 60  # fuzzed per operation (valid and invalid mixed), after the coverage cases
# Checks that follow links between calls: they need a stateful run and have nothing to do here.
STATEFUL = {"use_after_free", "ensure_resource_availability", "object_level_authorization"}
# A schema-valid request may still be refused for what no schema can know: 422 names what
# the call refers to and this store does not have (an unknown facility), or rows that
# contradict each other.
ACCEPTED = ["2xx", "401", "403", "404", "409", "422"]

# Cursors are opaque: a client only passes back one it was given. Generate ones we would give.
# One shape serves every list: products and orders read (u, i), facilities id, returns (u, s, i).
schemathesis.openapi.format("oms-cursor", st.builds(
    lambda moment, row_id, source: encode_cursor({"u": moment.isoformat(), "i": row_id, "id": row_id, "s": source}),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)),
    st.integers(min_value=0, max_value=2**62), st.sampled_from(["shopify", "oms"])))


def every_check():
    load_all_checks()
    return [check for check in CHECKS.get_all() if check.__name__ not in STATEFUL]


@pytest.fixture
def api(app):
    shop = create_shop()
    location = Location(shop_id=shop.id, shopify_id="gid://shopify/Location/11", legacy_id="11", name="Warehouse",
                        address={}, active=True, fulfills_online_orders=True, pos=False, deleted=False,
                        is_default=True)
    db.session.add(location)
    db.session.commit()
    create_facility(shop, location)
    _record, key = create_api_key("schemathesis")
    db.session.commit()
    config = SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"Bearer {key}"},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "generation": {"mode": "all"},
    })
    return schemathesis.openapi.from_wsgi("/oms/v1/openapi.json", app, config=config)


def test_every_operation_conforms_to_the_openapi_document(api):
    checks = every_check()
    assert {"positive_data_acceptance", "negative_data_rejection", "response_schema_conformance",
            "status_code_conformance", "unsupported_method", "ignored_auth"} <= {c.__name__ for c in checks}

    def call(case):
        case.call_and_validate(checks=checks)

    # Schemathesis's phases, as its runner has them: the document's examples, the coverage
    # cases (each constraint's edges, methods the document does not list), then fuzzing.
    config = HypothesisTestConfig(
        project=api.config, modes=list(HypothesisTestMode),
        settings=settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck)))
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 8
    failures = []
    for operation in operations:
        try:
            create_test(operation=operation, test_func=call, config=config)()
        except Exception as exc:  # every operation's failures, reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_a_405_says_which_methods_are_allowed_on_every_route(client):
    resp = client.delete("/oms/v1/inventory")
    assert resp.status_code == 405
    assert "PUT" in resp.headers["Allow"] and resp.get_json()["error"]  # a JSON error on a JSON route
    page = client.post("/healthz")
    assert page.status_code == 405
    assert "GET" in page.headers["Allow"]
    assert page.headers["Content-Type"].startswith("text/html")


def test_the_document_states_the_constraints_the_api_enforces(client):
    doc = client.get("/oms/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    fulfillment = schemas["FulfillmentRequest"]
    assert fulfillment["properties"]["shop"]["pattern"]
    assert fulfillment["properties"]["external_id"]["minLength"] == 1
    assert fulfillment["properties"]["lines"]["minItems"] == 1
    assert len(fulfillment["properties"]["lines"]["items"]["oneOf"]) == 2  # sku or line_item_id
    assert fulfillment["additionalProperties"] is False
    assert schemas["ReturnRequest"]["allOf"]  # lines or an amount; RETURN needs a location
    row = schemas["AtpRow"]["properties"]
    assert row["facility_id"]["minLength"] == 1 and row["sku"]["minLength"] == 1
    assert row["atp"]["minimum"] == -row["atp"]["maximum"]
    for path, method in (("/inventory", "put"), ("/fulfillments", "post"), ("/returns", "post")):
        assert "413" in doc["paths"][path][method]["responses"], path
    assert "32 MiB" in doc["paths"]["/inventory"]["put"]["responses"]["413"]["description"]
    assert "unknown_skus" in doc["paths"]["/inventory"]["put"]["responses"]["200"]["content"][
        "application/json"]["schema"]["properties"]
