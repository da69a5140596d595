"""After a customer's redaction is applied, GET /api/privacy/requests and /<id> show
nothing personal of them ("redacted"), whatever came before or after it."""
from __future__ import annotations

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import ComplianceRequest
from tests.unit.test_redaction_reach import CUSTOMER, EMAIL, order_body, redact_body
from tests.unit.test_webhooks import deliver, sample

OTHER = {"id": 5, "email": "someone.else@example.com", "phone": None}


def data_request(client, customer=CUSTOMER):
    deliver(client, "customers/data_request", {**sample("customers/data_request"), "customer": customer,
                                               "orders_requested": [450789469]})


def shown(client, auth_headers):
    listed = client.get("/api/privacy/requests", headers=auth_headers()).json["requests"]
    one = [client.get(f"/api/privacy/requests/{r['id']}", headers=auth_headers()).json for r in listed]
    return listed, one


def test_a_data_request_after_the_redaction_shows_no_email_and_no_data(client, shop, auth_headers):
    deliver(client, "orders/create", order_body())
    deliver(client, "customers/redact", redact_body())
    data_request(client)  # Shopify may still send one later
    data_request(client, OTHER)
    listed, one = shown(client, auth_headers)
    about_them = [r for r in listed if r["customer_redacted"]]
    assert len(about_them) == 2  # the redaction and the later data request
    for item in about_them + [o for o in one if o["customer_redacted"]]:
        assert item["customer_email"] == "redacted" and item["customer_id"] == "redacted"
    assert EMAIL not in str(listed) and EMAIL not in str(one) and "191167" not in str(listed)
    stored = db.session.execute(select(ComplianceRequest.customer_email)).scalars().all()
    assert EMAIL not in stored  # nor kept again
    other = next(r for r in listed if not r["customer_redacted"])
    assert other["customer_email"] == OTHER["email"]  # another customer's request is untouched


def test_a_data_request_before_the_redaction_shows_redacted_once_it_is_applied(client, shop, auth_headers):
    data_request(client)
    listed, _ = shown(client, auth_headers)
    assert listed[0]["customer_email"] == EMAIL and listed[0]["customer_redacted"] is False
    deliver(client, "customers/redact", redact_body())
    listed, one = shown(client, auth_headers)
    assert all(r["customer_redacted"] and r["customer_email"] == "redacted" for r in listed)
    assert EMAIL not in str(one)
    assert db.session.execute(select(ComplianceRequest.customer_email)).scalars().all() == [None, None]
