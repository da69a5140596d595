"""The door stores a delivery's body as Shopify sent it (web/json_bodies.py loads_as_sent):
what the ledger holds is the signed text itself, read back exactly, never encoded again;
text that is not JSON as systems exchange it (RFC 8259: UTF-8, no NaN) is a 400."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from shopify_app.extensions import db
from shopify_app.models import WebhookDelivery
from shopify_app.web.json_bodies import JSONTooDeep, loads_as_sent

from tests.unit.test_webhook_batches import rings  # noqa: F401 (a fixture: deliveries wait in the ledger)
from tests.unit.test_webhooks import count, deliver

BIG = 123456789012345678901234567  # beyond 64 bits: a float to orjson, an int to every reader
BODY = ('{ "id": 632910392,\n  "title": "Caf\u00e9 \u2615",  "big": %d, "tiny": 1e-320,'
        ' "odd": "\\ud83d", "nested": {"a": [1, 2.50, null]} }' % BIG).encode()


def test_the_ledger_holds_the_body_as_sent_and_reads_it_back_exactly(client, shop, rings):  # noqa: F811
    assert deliver(client, "products/update", BODY).get_json() == {"status": "accepted"}
    stored = db.session.execute(text("SELECT payload FROM webhook_deliveries")).scalar_one()
    assert (stored if isinstance(stored, str) else json.dumps(stored)).encode() == BODY
    payload = db.session.execute(select(WebhookDelivery.payload)).scalar_one()
    assert payload == json.loads(BODY) and payload["big"] == BIG and isinstance(payload["big"], int)


@pytest.mark.parametrize("body", [
    b'{"id": NaN}', b'{"id": Infinity}', b'\xef\xbb\xbf{"id": 1}', '{"id": 1}'.encode("utf-16"),
    b'{"title": "\xff"}', b'\x00{"id": 1}', b'', b'{"id": 1', b'{"a":' * 100 + b'1' + b'}' * 100])
def test_a_body_that_is_not_utf8_json_is_400_and_recorded_nowhere(client, shop, rings, body):  # noqa: F811
    answer = deliver(client, "products/update", body)
    assert answer.status_code == 400
    assert count(WebhookDelivery) == 0


def test_what_orjson_refuses_but_json_allows_is_read_as_json_reads_it():
    assert loads_as_sent(b'{"n": 1e400, "s": "\\udc00"}') == {"n": float("inf"), "s": "\udc00"}
    assert loads_as_sent(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    with pytest.raises(JSONTooDeep):
        loads_as_sent(b"[" * 65 + b"]" * 65)
    with pytest.raises(ValueError):
        loads_as_sent(b"[" * 2000 + b"]" * 2000)
